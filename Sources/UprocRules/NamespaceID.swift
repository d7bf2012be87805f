/// A namespace's index in one `DecisionTable`. Valid only with the table
/// that issued it; across recompiles a namespace is identified by its name.
@usableFromInline package struct NamespaceID: Hashable, Comparable, Sendable {
    @usableFromInline package let index: Int32

    @inlinable
    package init(_ index: Int32) { self.index = index }

    @inlinable
    package init(_ index: Int) { self.index = Int32(truncatingIfNeeded: index) }

    @inlinable
    package static func < (lhs: NamespaceID, rhs: NamespaceID) -> Bool { lhs.index < rhs.index }
}

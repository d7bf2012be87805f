/// A namespace's index in one `DecisionTable`. Valid only with the table
/// that issued it; across recompiles a namespace is identified by its name.
public struct NamespaceID: Hashable, Comparable, Sendable {
    public let index: Int32

    @inlinable
    public init(_ index: Int32) { self.index = index }

    @inlinable
    public init(_ index: Int) { self.index = Int32(truncatingIfNeeded: index) }

    @inlinable
    public static func < (lhs: NamespaceID, rhs: NamespaceID) -> Bool { lhs.index < rhs.index }
}

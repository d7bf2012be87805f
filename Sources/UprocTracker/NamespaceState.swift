/// One namespace's members and its publication bookkeeping: 16 bytes, and an
/// empty member list shares Swift's empty-array storage, so 100,000 empty
/// namespaces cost 1.6 MB and no allocation each.
@usableFromInline
struct NamespaceState: Sendable {
    /// Ascending PIDs.
    @usableFromInline var members: [Int32] = []
    /// `members.count` at the last publish.
    @usableFromInline var publishedCount: Int32 = 0
    /// `queued`, `forced`, `differs`.
    @usableFromInline var flags: UInt8 = 0

    /// The namespace's ID sits in `Tracker.dirty`.
    @usableFromInline static let queued: UInt8 = 1 << 0
    /// Reported at the next drain without looking at its members (start-up,
    /// resync, new rules, or more joins and leaves in one window than the
    /// change log holds).
    @usableFromInline static let forced: UInt8 = 1 << 1
    /// Its members differ from the published ones (set by `Tracker.settle`).
    @usableFromInline static let differs: UInt8 = 1 << 2
    /// A dynamic namespace removed with its last member: never reported,
    /// its ID waits for the next drain to be reused.
    @usableFromInline static let retired: UInt8 = 1 << 3

    @inlinable init() {}

    /// A cheap proof of change: the count moved (an unchanged count proves
    /// nothing; the change log decides then).
    @inlinable
    var surelyChanged: Bool {
        Int32(truncatingIfNeeded: members.count) != publishedCount
    }

    /// Whether the member set differs from the one last published (valid
    /// after `Tracker.settle`).
    @inlinable
    var isChanged: Bool { flags & (Self.forced | Self.differs) != 0 && flags & Self.retired == 0 }

    /// The current members are now the published ones.
    @inlinable
    mutating func markPublished() {
        publishedCount = Int32(truncatingIfNeeded: members.count)
        flags = 0
    }
}

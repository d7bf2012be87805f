/// One namespace's members and its publication bookkeeping: 24 bytes, and an
/// empty member list shares Swift's empty-array storage, so 100,000 empty
/// namespaces cost 2.4 MB and no allocation each.
@usableFromInline
struct NamespaceState: Sendable {
    /// Ascending PIDs.
    @usableFromInline var members: [Int32] = []
    /// Xor of `Fingerprint.mix` of every PID inserted or removed since the
    /// last publish.
    @usableFromInline var pending: UInt64 = 0
    /// `members.count` at the last publish.
    @usableFromInline var publishedCount: Int32 = 0
    /// `queued`, `forced`.
    @usableFromInline var flags: UInt8 = 0

    /// The namespace's ID sits in `Tracker.dirty`.
    @usableFromInline static let queued: UInt8 = 1 << 0
    /// Reported at the next drain whatever its fingerprint says (start-up,
    /// resync, new rules).
    @usableFromInline static let forced: UInt8 = 1 << 1

    @inlinable init() {}

    /// Whether the member set differs from the one last published.
    @inlinable
    var isChanged: Bool {
        flags & Self.forced != 0 || pending != 0 || Int32(truncatingIfNeeded: members.count) != publishedCount
    }

    /// The current members are now the published ones.
    @inlinable
    mutating func markPublished() {
        pending = 0
        publishedCount = Int32(truncatingIfNeeded: members.count)
        flags = 0
    }
}

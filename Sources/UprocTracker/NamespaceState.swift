/// One namespace's members and its publication bookkeeping: 24 bytes, and an
/// empty member list shares Swift's empty-array storage, so 100,000 empty
/// namespaces cost 2.4 MB and no allocation each.
@usableFromInline
struct NamespaceState: Sendable {
    /// Ascending PIDs.
    @usableFromInline var members: [Int32] = []
    /// Xor of `Fingerprint.mix` of every PID that joined or left since the
    /// last publish: non-zero proves a change (zero proves nothing; the
    /// change log decides then).
    @usableFromInline var pending: UInt64 = 0
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

    @inlinable init() {}

    /// A cheap proof of change: the count or the fingerprint moved.
    @inlinable
    var surelyChanged: Bool {
        pending != 0 || Int32(truncatingIfNeeded: members.count) != publishedCount
    }

    /// Whether the member set differs from the one last published (valid
    /// after `Tracker.settle`).
    @inlinable
    var isChanged: Bool { flags & (Self.forced | Self.differs) != 0 }

    /// The current members are now the published ones.
    @inlinable
    mutating func markPublished() {
        pending = 0
        publishedCount = Int32(truncatingIfNeeded: members.count)
        flags = 0
    }
}

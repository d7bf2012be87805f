import UprocRules

/// What `Tracker.reconcile` (or `Tracker.correct`) changed in the files'
/// terms: each PID whose namespaces differed from the truth, and how.
package struct ReconcileReport: Sendable {
    package struct Correction: Hashable, Sendable {
        package var pid: Int32
        /// Namespaces the PID was listed in wrongly (it left them).
        package var left: [NamespaceID]
        /// Namespaces the PID was missing from (it joined them).
        package var joined: [NamespaceID]

        package init(pid: Int32, left: [NamespaceID], joined: [NamespaceID]) {
            self.pid = pid
            self.left = left
            self.joined = joined
        }
    }

    package var corrections: [Correction] = []

    package init() {}

    package var isEmpty: Bool { corrections.isEmpty }
}

extension Tracker {
    /// Makes `pid` what `truth` says (nil: gone) and reports the namespaces
    /// that changed, or nil when none did. Allocates only for a correction.
    @discardableResult
    package mutating func correct(_ pid: Int32, to truth: ProcessIdentity?) -> ReconcileReport.Correction? {
        let old = identity(of: pid)
        if old == truth { return nil }
        let before = old.map { table.matches($0) } ?? []
        let after = truth.map { table.matches($0) } ?? []
        if let truth { upsert(pid, truth) } else { remove(pid) }
        if before == after { return nil }
        return ReconcileReport.Correction(
            pid: pid,
            left: before.filter { !after.contains($0) },
            joined: after.filter { !before.contains($0) })
    }
}

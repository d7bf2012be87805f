import Synchronization
import UprocRules

/// Passes name lookups through and remembers that there was one: rules
/// that name users or groups depend on the accounts files, and a reload
/// must follow them.
package final class RecordingAccounts: AccountResolver {
    private let inner: any AccountResolver
    private let asked = Atomic(false)

    package init(_ inner: any AccountResolver) { self.inner = inner }

    package var wasAsked: Bool { asked.load(ordering: .relaxed) }

    package func userID(named name: String) -> UInt32? {
        asked.store(true, ordering: .relaxed)
        return inner.userID(named: name)
    }

    package func groupID(named name: String) -> UInt32? {
        asked.store(true, ordering: .relaxed)
        return inner.groupID(named: name)
    }

    /// An account template's listing: its rules follow every edit of
    /// passwd or group, as rules naming an account do.
    package func accounts(in database: AccountDatabase) -> [AccountName]? {
        asked.store(true, ordering: .relaxed)
        return inner.accounts(in: database)
    }
}

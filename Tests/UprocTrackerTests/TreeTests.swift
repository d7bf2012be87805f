import Testing
import UprocRules
import UprocTestSupport
@testable import UprocTracker

/// Trees, logins, executables and dynamic templates in the tracker, event
/// by event, as the daemon will drive it.
@Suite struct TreeTests {
    static let accounts = StaticAccounts(users: ["root": 0, "alice": 1000], groups: ["root": 0])

    static func table(_ text: String, maxNamespaces: Int = DecisionTable.defaultMaxNamespaces) -> DecisionTable {
        let compilation = RuleCompiler(accounts: accounts, maxNamespaces: maxNamespaces).compile(SourceFile(path: "t", text: text))
        precondition(compilation.table != nil, "\(compilation.diagnostics.map(\.message))")
        return compilation.table!
    }

    static let sshd = ProcessIdentity(uid: 0, gid: 0, comm: "sshd")
    static let bash = ProcessIdentity(uid: 1000, gid: 100, comm: "bash")
    static let sleep = ProcessIdentity(uid: 1000, gid: 100, comm: "sleep")

    @Test func membershipIsInheritedAndSticky() {
        var tracker = Tracker(table: Self.table("tree cmd sshd ssh.all\n"))
        tracker.upsert(100, Self.sshd)
        tracker.upsert(200, Self.bash)
        #expect(tracker.fork(parent: 100, child: 101) == true)
        // Exec into another program, setuid, rename, setsid (no event).
        tracker.upsert(101, Self.bash, executable: Array("/bin/bash".utf8))
        #expect(tracker.setUIDs(101, ruid: 0, euid: 0) == true)
        #expect(tracker.setComm(101, "renamed") == true)
        #expect(tracker.members("ssh.all") == [100, 101])
        // Double fork: the intermediate exits, its child is reparented.
        #expect(tracker.fork(parent: 101, child: 102) == true)
        #expect(tracker.fork(parent: 102, child: 103) == true)
        tracker.remove(102)
        #expect(tracker.fork(parent: 103, child: 104) == true)
        // The root exits: its descendants stay.
        tracker.remove(100)
        #expect(tracker.members("ssh.all") == [101, 103, 104])
        #expect(tracker.fork(parent: 200, child: 201) == true)
        #expect(tracker.members("ssh.all") == [101, 103, 104])
    }

    /// A process that starts to match becomes a root: its descendants join,
    /// those whose parent already exited too.
    @Test func aNewRootBringsItsDescendants() {
        var tracker = Tracker(table: Self.table("tree cmd make builds\n"))
        tracker.upsert(10, Self.bash)
        tracker.upsert(50, Self.bash)
        #expect(tracker.fork(parent: 10, child: 11) == true)
        #expect(tracker.fork(parent: 11, child: 12) == true)
        #expect(tracker.fork(parent: 50, child: 51) == true)
        tracker.remove(11)
        #expect(tracker.members("builds") == [])
        tracker.upsert(10, ProcessIdentity(uid: 1000, gid: 100, comm: "make"))
        #expect(tracker.members("builds") == [10, 12])
        #expect(tracker.fork(parent: 12, child: 13) == true)
        #expect(tracker.members("builds") == [10, 12, 13])
        // Matching no more changes nothing: membership ends with the process.
        tracker.upsert(10, Self.bash)
        #expect(tracker.members("builds") == [10, 12, 13])
    }

    /// 1,000 short-lived intermediates, each forking then exiting at once:
    /// none of their children is missed, and the exited intermediates are
    /// kept only while their children live.
    @Test(arguments: [false, true])
    func shortLivedIntermediatesMissNoChild(rootLater: Bool) {
        var tracker = Tracker(table: Self.table("tree cmd sshd ssh.all\n"))
        tracker.upsert(10, rootLater ? Self.bash : Self.sshd)
        var children: [Int32] = []
        for index in Int32(0)..<1_000 {
            let intermediate = 1_000 + 2 * index
            #expect(tracker.fork(parent: 10, child: intermediate) == true)
            #expect(tracker.fork(parent: intermediate, child: intermediate + 1) == true)
            tracker.remove(intermediate)
            children.append(intermediate + 1)
        }
        if rootLater { tracker.upsert(10, Self.sshd) }
        #expect(tracker.members("ssh.all") == [10] + children)
        tracker.collectGhosts()
        #expect(tracker.generalFootprint.ghosts == 1_000)
        for child in children { tracker.remove(child) }
        #expect(tracker.members("ssh.all") == [10])
        tracker.collectGhosts()
        #expect(tracker.generalFootprint.ghosts == 0)
    }

    /// A chain that forks then exits, again and again (a daemon walking
    /// away from its parent), needs one ghost, not one per step, and keeps
    /// no more than a collection's threshold.
    @Test func aWalkingChainKeepsOneGhost() {
        var tracker = Tracker(table: Self.table("tree cmd sshd ssh.all\n"))
        tracker.upsert(10, Self.bash)
        var current: Int32 = 11
        #expect(tracker.fork(parent: 10, child: current) == true)
        for _ in 0..<10_000 {
            #expect(tracker.fork(parent: current, child: current + 1) == true)
            tracker.remove(current)
            current += 1
            #expect(tracker.generalFootprint.ghosts <= Ghosts.minimumCollection)
        }
        tracker.upsert(10, Self.sshd)
        #expect(tracker.members("ssh.all") == [10, current])
        tracker.collectGhosts()
        #expect(tracker.generalFootprint.ghosts == 1)
        tracker.remove(current)
        tracker.collectGhosts()
        #expect(tracker.generalFootprint.ghosts == 0)
    }

    /// Parents exiting from the bottom of a chain up keep the chain's
    /// ghosts while the last child lives, no more.
    @Test func parentsExitingBottomUpKeepTheirChainWhileNeeded() {
        var tracker = Tracker(table: Self.table("tree cmd sshd ssh.all\n"))
        tracker.upsert(10, Self.bash)
        for pid in Int32(11)...60 { #expect(tracker.fork(parent: pid - 1, child: pid) == true) }
        #expect(tracker.fork(parent: 60, child: 61) == true)
        for pid in (Int32(11)...60).reversed() { tracker.remove(pid) }
        tracker.collectGhosts()
        #expect(tracker.generalFootprint.ghosts == 50)
        tracker.upsert(10, Self.sshd)
        #expect(tracker.members("ssh.all") == [10, 61])
        tracker.remove(61)
        tracker.collectGhosts()
        #expect(tracker.generalFootprint.ghosts == 0)
    }

    /// Threads are not processes: the daemon passes thread-group leaders
    /// only; a child forked by a non-leader thread, whose identity is read,
    /// still inherits its parent's trees and executable.
    @Test func aChildReadAtForkKeepsItsLineage() {
        var tracker = Tracker(table: Self.table("tree cmd sshd ssh.all\nexe \"/usr/sbin/*\" sbin\n"))
        tracker.upsert(10, Self.sshd, executable: Array("/usr/sbin/sshd".utf8))
        #expect(tracker.fork(parent: 10, child: 11, identity: Self.bash) == true)
        #expect(tracker.members("ssh.all") == [10, 11])
        #expect(tracker.members("sbin") == [10, 11])
        #expect(tracker.fork(parent: 10, child: 11, identity: Self.bash) == false)
        #expect(tracker.fork(parent: 99, child: 12, identity: Self.bash) == false)
    }

    @Test func dynamicNamespacesComeAndGoWithTheirMembers() {
        var tracker = Tracker(table: Self.table("cmd \"*\" cmd.{cmd}\nuid 0 cmd.special\n"))
        _ = tracker.drained()
        tracker.upsert(5, ProcessIdentity(uid: 1000, gid: 100, comm: "tar"))
        #expect(tracker.fork(parent: 5, child: 6) == true)
        #expect(tracker.drained() == ["cmd.tar": [5, 6]])
        tracker.remove(5)
        tracker.remove(6)
        #expect(tracker.dynamicNamespaces.isEmpty)
        #expect(tracker.drained() == [:])
        #expect(tracker.takeRemovedNamespaces() == ["cmd.tar"])
        // Made and gone inside one window: no file, nothing to remove.
        tracker.upsert(7, ProcessIdentity(uid: 1000, gid: 100, comm: "gzip"))
        tracker.remove(7)
        #expect(tracker.drained() == [:])
        #expect(tracker.takeRemovedNamespaces() == [])
        // Gone and made again inside one window: the file is rewritten, not removed.
        tracker.upsert(8, ProcessIdentity(uid: 1000, gid: 100, comm: "xz"))
        #expect(tracker.drained() == ["cmd.xz": [8]])
        tracker.remove(8)
        tracker.upsert(9, ProcessIdentity(uid: 1000, gid: 100, comm: "xz"))
        #expect(tracker.drained() == ["cmd.xz": [9]])
        #expect(tracker.takeRemovedNamespaces() == [])
        // A rule's namespace wins over the template's name.
        tracker.upsert(10, ProcessIdentity(uid: 1000, gid: 100, comm: "special"))
        #expect(tracker.members("cmd.special") == [])
        #expect(tracker.dynamicNamespaces.map { tracker.name(of: $0) } == ["cmd.xz"])
    }

    /// A fork bomb of random command names under `cmd "*" cmd.{cmd}`: never
    /// more dynamic namespaces than the limit, refusals counted, and all
    /// gone (memory included) with the processes.
    @Test func theLimitBoundsAForkBombOfNames() {
        let table = Self.table("cmd \"*\" cmd.{cmd}\nuid 0 root\n", maxNamespaces: 1 + 50)
        var tracker = Tracker(table: table)
        tracker.upsert(1, ProcessIdentity(uid: 0, gid: 0, comm: "bomb"))
        var random = SplitMix64(seed: 42)
        var alive: [Int32] = []
        for step in Int32(0)..<20_000 {
            let pid = 100 + step
            #expect(tracker.fork(parent: 1, child: pid) == true)
            let name = (0..<8).map { _ in UInt8(ascii: "a") + UInt8(random.next() % 26) }
            #expect(tracker.setComm(pid, Comm(name)) == true)
            alive.append(pid)
            if alive.count > 200 { tracker.remove(alive.removeFirst()) }
            #expect(tracker.generalFootprint.dynamic <= 50)
            if step % 100 == 0 { _ = tracker.drained() }
        }
        #expect(tracker.templateRefusals > 0)
        #expect(tracker.takeCappedTemplates() == [1])
        for pid in alive { tracker.remove(pid) }
        tracker.remove(1)
        _ = tracker.drained()
        #expect(tracker.generalFootprint.dynamic == 0)
        // IDs are reused: the namespace list never outgrew the limit by
        // more than one window's removals.
        #expect(tracker.namespaces.count <= 1 + 50 + 200)
    }

    @Test func loginRulesFollowTheLoginAcrossSetuid() {
        var tracker = Tracker(table: Self.table("loginuid alice login.alice\nloginuid * login.{loginuser}\nloginuid unset nologin\n"))
        let login = ProcessIdentity(uid: 1000, gid: 100, comm: "bash", loginuid: 1000)
        tracker.upsert(10, ProcessIdentity(uid: 0, gid: 0, comm: "sshd"))
        tracker.upsert(11, login)
        #expect(tracker.fork(parent: 11, child: 12) == true)
        // su: setuid to root keeps the login UID.
        #expect(tracker.setUIDs(12, ruid: 0, euid: 0) == true)
        tracker.upsert(13, ProcessIdentity(uid: 7, gid: 7, comm: "x", loginuid: 4242))
        #expect(tracker.members("login.alice") == [11, 12])
        #expect(tracker.members("nologin") == [10])
        #expect(tracker.members("login.root") == [])
        // A login UID without an account (unset too) is named by its number.
        #expect(tracker.dynamicNamespaces.map { tracker.name(of: $0) } == ["login.4294967295", "login.4242"])
    }

    /// A rescan's login UIDs reach the table (the scan snapshot keeps them).
    @Test func aRescanKeepsLoginUIDs() {
        var tracker = Tracker(table: Self.table("loginuid alice login.alice\n"))
        var scan = ScanSnapshot()
        scan.append(10, ProcessIdentity(uid: 0, gid: 0, comm: "init"))
        scan.append(11, ProcessIdentity(uid: 0, gid: 0, comm: "su", loginuid: 1000))
        tracker.reconcile(with: scan)
        #expect(tracker.members("login.alice") == [11])
        #expect(tracker.identity(of: 11)?.loginuid == 1000)
        #expect(tracker.disagreements(with: scan).isEmpty)
    }

    @Test func executableRulesFollowExecAndFork() {
        var tracker = Tracker(table: Self.table("exe \"/usr/bin/python3*\" python.all\nexe \"*\" exe.{exe}\n"))
        tracker.upsert(10, Self.bash, executable: Array("/usr/bin/python3.11".utf8))
        #expect(tracker.fork(parent: 10, child: 11) == true)
        #expect(tracker.members("python.all") == [10, 11])
        // A deleted executable: /proc shows its path with " (deleted)".
        tracker.upsert(12, Self.bash, executable: Array("/usr/bin/python3.11 (deleted)".utf8))
        #expect(tracker.members("python.all") == [10, 11, 12])
        tracker.upsert(11, Self.bash, executable: Array("/bin/sh".utf8))
        #expect(tracker.members("python.all") == [10, 12])
        #expect(Set(tracker.dynamicNamespaces.map { tracker.name(of: $0) })
            == ["exe.%2Fusr%2Fbin%2Fpython3.11", "exe.%2Fbin%2Fsh", "exe.%2Fusr%2Fbin%2Fpython3.11%20(deleted)"])
        tracker.remove(10)
        tracker.remove(11)
        tracker.remove(12)
        #expect(tracker.generalFootprint.executables == 0)
    }

    /// At start-up (or after lost events) the lineage is what `/proc` says:
    /// a process reparented before cannot be traced.
    @Test func startUpLineageComesFromProc() {
        var tracker = Tracker(table: Self.table("tree cmd sshd ssh.all\n"))
        let scan: [(Int32, ProcessIdentity, Int32)] = [
            (1, ProcessIdentity(uid: 0, gid: 0, comm: "systemd"), 0), (500, Self.sshd, 1), (600, Self.bash, 500),
            (700, Self.sleep, 600), (800, Self.sleep, 1), (900, Self.sleep, 700),
        ]
        tracker.reconcile(with: scan.map { ($0.0, $0.1) })
        let parents = Dictionary(uniqueKeysWithValues: scan.map { ($0.0, $0.2) })
        tracker.adoptParents { parents[$0] }
        #expect(tracker.members("ssh.all") == [500, 600, 700, 900])
        #expect(tracker.fork(parent: 900, child: 901) == true)
        #expect(tracker.members("ssh.all") == [500, 600, 700, 900, 901])
    }

    /// New rules keep tree membership by name and add the new trees'.
    @Test func aReloadKeepsTreesByName() {
        var tracker = Tracker(table: Self.table("tree cmd sshd ssh.all\n"))
        tracker.upsert(10, Self.sshd)
        #expect(tracker.fork(parent: 10, child: 11) == true)
        tracker.upsert(11, Self.bash)
        tracker.remove(10)
        _ = tracker.replaceTable(Self.table("tree cmd bash shells\ntree cmd sshd ssh.all\n"))
        #expect(tracker.members("ssh.all") == [11])
        #expect(tracker.members("shells") == [11])
        _ = tracker.replaceTable(Self.table("tree cmd nothing ssh.all\n"))
        #expect(tracker.members("ssh.all") == [11])
        _ = tracker.replaceTable(Self.table("cmd bash ssh.all\n"))
        #expect(tracker.members("ssh.all") == [11])
        _ = tracker.replaceTable(Self.table("tree cmd nothing ssh.all\n"))
        #expect(tracker.members("ssh.all") == [])
    }

    /// Under `hidepid` a file may be read by the one user whose processes
    /// alone it holds: never a tree's (a descendant may run as anyone).
    @Test func onlyNamespacesOfOneUserHaveAReader() {
        var tracker = Tracker(table: Self.table("""
            tree uid alice cmd make builds
            uid alice cmd make makes
            uid * cmd "*" u.{user}.{cmd}
            cmd "*" c.{cmd}
            """))
        tracker.upsert(10, ProcessIdentity(uid: 1000, gid: 100, comm: "make"))
        #expect(tracker.selectedUser(of: tracker.id(of: "builds")!) == nil)
        #expect(tracker.selectedUser(of: tracker.id(of: "makes")!) == 1000)
        #expect(tracker.selectedUser(of: tracker.id(of: "u.alice.make")!) == 1000)
        #expect(tracker.selectedUser(of: tracker.id(of: "c.make")!) == nil)
    }
}

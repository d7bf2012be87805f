import Foundation
import Glibc
import Testing
@testable import UprocLinux
import UprocRules
import UprocTestSupport

@Suite struct ProcReaderTests {
    @Test func readsItsOwnIdentity() throws {
        let reader = try ProcReader()
        let identity = try #require(reader.identity(of: getpid(), reading: [.ids, .cmd]))
        #expect(identity.ruid == getuid())
        #expect(identity.euid == geteuid())
        #expect(identity.rgid == getgid())
        #expect(identity.egid == getegid())
        let comm = try FileReading.read("/proc/self/comm", limit: 64).dropLast()  // the newline
        #expect(identity.comm == ProcessName(comm))
        #expect(!identity.comm.isEmpty)
    }

    @Test func listsThreadGroupLeadersOnly() throws {
        let reader = try ProcReader()
        var pids: [Int32] = []
        try reader.scan(reading: []) { pid, _ in pids.append(pid) }
        #expect(pids.contains(getpid()))
        #expect(pids.contains(1))
        // Our threads (Swift Testing runs several) are not listed.
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { Int32($0) }
        #expect(threads.count > 1)
        for thread in threads where thread != getpid() {
            #expect(!pids.contains(thread))
        }
    }

    @Test func scanVisitsThisProcess() throws {
        let reader = try ProcReader()
        var mine: ProcessIdentity?
        var count = 0
        try reader.scan(reading: [.uid]) { pid, identity in
            count += 1
            if pid == getpid() { mine = identity }
        }
        #expect(mine?.euid == geteuid())
        // Read with the IDs (status's Name line): a first cmd rule needs no rescan.
        #expect(mine?.comm == ProcessName(try FileReading.read("/proc/self/comm", limit: 64).dropLast()))
        #expect(count > 1)
    }

    /// The comm from status (escaped) equals the one from stat (raw), for
    /// every process on the machine.
    @Test func commFromStatusEqualsCommFromStat() throws {
        let reader = try ProcReader()
        var fromStatus: [Int32: ProcessName] = [:]
        try reader.scan(reading: [.uid]) { pid, identity in fromStatus[pid] = identity.comm }
        var compared = 0
        try reader.scan(reading: [.cmd]) { pid, identity in
            // A process may rename itself between the two scans; daemons
            // here do not, but a workqueue worker's name shows its last work
            // item and changes on its own.
            guard let comm = fromStatus[pid], !comm.bytes.starts(with: Array("kworker/".utf8)) else { return }
            #expect(comm == identity.comm, "pid \(pid)")
            compared += 1
        }
        #expect(compared > 1)
    }

    @Test(arguments: [
        ("Name:\tsleep\nUmask:", "sleep"),
        ("Name:\ta\\\\b\\nc\u{01}\nState:", "a\\b\nc\u{01}"),
        ("Name:\t\nState:", ""),
        // Kernel threads show names longer than a process's 15 bytes.
        ("Name:\tkworker/0:1-events\nUmask:", "kworker/0:1-events"),
        ("Name:\tpool_workqueue_release\nState:", "pool_workqueue_release"),
        ("Name:\trcu_exp_par_gp_kthread_worker/0\n", "rcu_exp_par_gp_kthread_worker/0"),
        ("Name:\t" + String(repeating: "\\\\", count: 63) + "\n", String(repeating: "\\", count: 63)),
    ])
    func statusNameIsUnescaped(_ status: String, _ comm: String) {
        let bytes = Array(status.utf8)
        let name = bytes.withUnsafeBytes { ProcReader.statusName($0) }
        #expect(name == ProcessName(comm))
        #expect(name?.count == comm.utf8.count)
    }

    /// A fake /proc: `entries` maps a PID to its status and stat texts.
    static func fakeProc(_ entries: [Int32: (status: String, stat: String)]) throws -> String {
        let directory = freshShmPath("fakeproc")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        for (pid, files) in entries {
            let entry = "\(directory)/\(pid)"
            try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: false)
            try files.status.write(toFile: entry + "/status", atomically: false, encoding: .utf8)
            try files.stat.write(toFile: entry + "/stat", atomically: false, encoding: .utf8)
        }
        return directory
    }

    static func status(_ name: String, state: String = "S (sleeping)", uid: Int = 0) -> String {
        "Name:\t\(name)\nUmask:\t0022\nState:\t\(state)\nTgid:\t3\nUid:\t\(uid)\t\(uid)\t\(uid)\t\(uid)\nGid:\t0\t0\t0\t0\nThreads:\t1\n"
    }

    /// Every process is read with the whole name its files show, a kernel
    /// thread's long one too; a file that does not parse is counted and
    /// reported as unreadable, never as gone; a zombie is gone.
    @Test func longNamesAreNamesAndWhatDoesNotParseIsCountedNotGone() throws {
        let directory = try Self.fakeProc([
            3: (Self.status("pool_workqueue_release"), "3 (pool_workqueue_release) S 2 0 0"),
            11: (Self.status("kworker/0:1-events", state: "I (idle)"), "11 (kworker/0:1-events) I 2 0 0"),
            20: (Self.status("sleep", uid: 1000), "20 (sleep) S 1 20 20"),
            30: ("Name:\tbroken\nState:\tS (sleeping)\n", "30 broken S 1"),
            40: (Self.status("gone", state: "Z (zombie)"), "40 (gone) Z 1 40 40 0 0 0 0 0 0 0 0 0 0 0 0 0 1"),
        ])
        defer { removeTree(directory) }
        let reader = try ProcReader(procPath: directory)
        let longName = ProcessIdentity(uid: 0, gid: 0, comm: "pool_workqueue_release")
        #expect(reader.lookUp(3, reading: [.ids, .cmd]) == .found(longName))
        #expect(reader.lookUp(3, reading: [.cmd]) == .found(longName))
        #expect(reader.lookUp(11, reading: [.cmd]) == .found(ProcessIdentity(uid: 0, gid: 0, comm: "kworker/0:1-events")))
        #expect(reader.lookUp(40, reading: [.ids]) == .gone)
        #expect(reader.lookUp(40, reading: [.cmd]) == .gone)
        #expect(reader.lookUp(41, reading: [.cmd]) == .gone)
        #expect(reader.readFailures == 0)

        #expect(reader.lookUp(30, reading: [.uid]) == .unreadable)
        #expect(reader.readFailures == 1)
        #expect(reader.lastReadFailure == .unparsable(path: "\(directory)/30/status"))
        #expect(reader.lookUp(30, reading: [.cmd]) == .unreadable)
        #expect(reader.readFailures == 2)
        #expect(reader.lastReadFailure?.description == "\(directory)/30/stat: cannot parse it")

        for keys: RuleKeys in [[.uid], [.cmd]] {
            var found: [Int32: ProcessName] = [:]
            var unreadable: [Int32] = []
            try reader.scan(reading: keys, unreadable: { unreadable.append($0) }) { pid, identity in found[pid] = identity.comm }
            #expect(found == [3: "pool_workqueue_release", 11: "kworker/0:1-events", 20: "sleep"])
            #expect(unreadable == [30])
        }
        #expect(reader.readFailures == 4)
    }

    @Test(.enabled(if: Kernel.available, Kernel.reason))
    func readsAnotherUsersProcessExactlyAndNothingOnceReaped() throws {
        let directory = freshShmPath("reader")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { removeTree(directory) }
        let link = directory + "/uproctest7"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/bin/sleep")

        let child = try spawn("/usr/bin/setpriv", ["--reuid=4242", "--regid=4343", "--clear-groups", link, "30"])
        let pid = child.processIdentifier
        let reader = try ProcReader()
        let expected = ProcessIdentity(ruid: 4242, euid: 4242, rgid: 4343, egid: 4343, comm: "uproctest7")

        // setpriv changes IDs and then execs: wait for the exec.
        var identity: ProcessIdentity?
        let deadline = MonotonicClock.nanoseconds() + 2_000_000_000
        repeat {
            identity = reader.identity(of: pid, reading: [.ids, .cmd])
            if identity == expected { break }
            usleep(2_000)
        } while MonotonicClock.nanoseconds() < deadline
        #expect(identity == expected)

        // Only what is asked for is read.
        #expect(reader.identity(of: pid, reading: [.cmd]) == ProcessIdentity(uid: 0, gid: 0, comm: "uproctest7"))
        #expect(reader.identity(of: pid, reading: [.gid]) == expected)  // comm comes with the IDs
        #expect(reader.identity(of: pid, reading: []) == ProcessIdentity(uid: 0, gid: 0, comm: ProcessName()))

        kill(pid, SIGKILL)
        child.waitUntilExit()
        #expect(reader.identity(of: pid, reading: [.ids, .cmd]) == nil)
        #expect(reader.identity(of: pid, reading: [.cmd]) == nil)
        #expect(reader.identity(of: pid, reading: []) == nil)
    }

    @Test(.enabled(if: Kernel.available, Kernel.reason))
    func readsCommWithParenthesesAndSpacesAsBytes() throws {
        let directory = freshShmPath("comm")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { removeTree(directory) }
        let name = "a) (b c"
        try FileManager.default.createSymbolicLink(atPath: directory + "/" + name, withDestinationPath: "/bin/sleep")
        let child = try spawn(directory + "/" + name, ["30"])
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let reader = try ProcReader()
        var comm: ProcessName?
        let deadline = MonotonicClock.nanoseconds() + 2_000_000_000
        repeat {
            comm = reader.identity(of: child.processIdentifier, reading: [.cmd])?.comm
            if comm == ProcessName(name) { break }
            usleep(2_000)
        } while MonotonicClock.nanoseconds() < deadline
        #expect(comm == ProcessName(name))
    }

    /// A zombie has exited; its reaping sends no event, so listing it would
    /// leave a PID in a file forever.
    @Test(.enabled(if: Kernel.available, Kernel.reason), arguments: [RuleKeys.ids, .cmd, [], [.ids, .cmd]])
    func zombiesAreGone(keys: RuleKeys) throws {
        // sh starts a child that exits at once, then becomes sleep, which
        // never reaps it.
        let parent = try spawn("/bin/sh", ["-c", "/bin/true & exec /bin/sleep 30"])
        defer { kill(parent.processIdentifier, SIGKILL); parent.waitUntilExit() }
        let children = "/proc/\(parent.processIdentifier)/task/\(parent.processIdentifier)/children"
        var zombie: Int32?
        let deadline = MonotonicClock.nanoseconds() + 3_000_000_000
        repeat {
            let stat = (try? String(contentsOfFile: "/proc/\(parent.processIdentifier)/comm", encoding: .utf8)) ?? ""
            if stat == "sleep\n", let pid = (try? String(contentsOfFile: children, encoding: .utf8))?
                .split(separator: " ").first.flatMap({ Int32($0) }),
               (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") == true {
                zombie = pid
                break
            }
            usleep(2_000)
        } while MonotonicClock.nanoseconds() < deadline
        let pid = try #require(zombie, "no zombie appeared")
        let reader = try ProcReader()
        #expect(reader.identity(of: pid, reading: keys) == nil)
        #expect(reader.identity(of: parent.processIdentifier, reading: keys) != nil)
    }

    @Test func nonsensePIDsGiveNil() throws {
        let reader = try ProcReader()
        #expect(reader.identity(of: 0, reading: [.ids]) == nil)
        #expect(reader.identity(of: -5, reading: [.cmd]) == nil)
        #expect(reader.identity(of: Int32.max, reading: [.ids, .cmd]) == nil)
    }

    /// Without /proc there is no scan: an empty one would make every process look gone.
    @Test func aMissingProcDirectoryIsAnError() throws {
        let missing = freshShmPath("noproc")
        #expect(throws: SystemCallError(call: "open", subject: missing, errno: .noSuchFileOrDirectory)) {
            try ProcReader(procPath: missing)
        }
    }

    @Test func aProcDirectoryThatCannotBeListedFailsTheScan() throws {
        let directory = freshShmPath("goneproc")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let reader = try ProcReader(procPath: directory)
        try reader.scan(reading: []) { _, _ in Issue.record("an empty directory lists no process") }
        removeTree(directory)
        #expect(throws: SystemCallError(call: "opendir", subject: directory, errno: .noSuchFileOrDirectory)) {
            try reader.scan(reading: [.uid]) { _, _ in Issue.record("no process expected") }
        }
    }

    @Test func onlyDecimalEntriesArePIDs() throws {
        let directory = freshShmPath("fakeproc")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { removeTree(directory) }
        for name in ["1", "42", "2147483647", "2147483648", "99999999999999999999", "self", "4a", "-3"] {
            let entry = directory + "/" + name
            try? FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: false)
            try "\(name) (x) S 1 1\n".write(toFile: entry + "/stat", atomically: false, encoding: .utf8)
        }
        var pids: [Int32] = []
        try ProcReader(procPath: directory).scan(reading: [.cmd]) { pid, identity in
            pids.append(pid)
            #expect(identity.comm == "x")
        }
        #expect(pids.sorted() == [1, 42, Int32.max])
    }
}

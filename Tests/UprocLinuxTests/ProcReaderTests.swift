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
        #expect(identity.comm == Comm(comm))
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
        #expect(mine?.comm == Comm(try FileReading.read("/proc/self/comm", limit: 64).dropLast()))
        #expect(count > 1)
    }

    /// The comm from status (escaped) equals the one from stat (raw), for
    /// every process on the machine.
    @Test func commFromStatusEqualsCommFromStat() throws {
        let reader = try ProcReader()
        var fromStatus: [Int32: Comm] = [:]
        try reader.scan(reading: [.uid]) { pid, identity in fromStatus[pid] = identity.comm }
        var compared = 0
        try reader.scan(reading: [.cmd]) { pid, identity in
            guard let comm = fromStatus[pid] else { return }
            // A process may rename itself between the two scans; kernel
            // threads and daemons here do not.
            #expect(comm == identity.comm, "pid \(pid)")
            compared += 1
        }
        #expect(compared > 1)
    }

    @Test(arguments: [
        ("Name:\tsleep\nUmask:", "sleep"),
        ("Name:\ta\\\\b\\nc\u{01}\nState:", "a\\b\nc\u{01}"),
        ("Name:\t\nState:", ""),
    ])
    func statusNameIsUnescaped(_ status: String, _ comm: String) {
        let bytes = Array(status.utf8)
        #expect(bytes.withUnsafeBytes { ProcReader.statusName($0) } == Comm(comm))
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
        #expect(reader.identity(of: pid, reading: []) == ProcessIdentity(uid: 0, gid: 0, comm: Comm()))

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
        var comm: Comm?
        let deadline = MonotonicClock.nanoseconds() + 2_000_000_000
        repeat {
            comm = reader.identity(of: child.processIdentifier, reading: [.cmd])?.comm
            if comm == Comm(name) { break }
            usleep(2_000)
        } while MonotonicClock.nanoseconds() < deadline
        #expect(comm == Comm(name))
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

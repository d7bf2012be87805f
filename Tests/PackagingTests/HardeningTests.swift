import Foundation
import Testing

/// The unit's hardening, tried on the real daemon as far as systemd can be
/// imitated without being PID 1: the capability bounding set and
/// NoNewPrivileges through setpriv(1), ProtectSystem=strict through a
/// read-only root in a private mount namespace (the tmpfs stays writable, as
/// RuntimeDirectory= is), and SystemCallFilter= by tracing every system call
/// the daemon makes (start, a new process, a reload, a stop) and checking
/// each against systemd's own list of the filter's groups.
@Suite(.serialized) struct HardeningTests {
    /// The system calls `systemd-analyze syscall-filter` lists under `group`, groups expanded.
    static func syscalls(in group: String, table: [String: [String]]) -> Set<String> {
        var result: Set<String> = []
        for entry in table[group] ?? [] {
            result.formUnion(entry.hasPrefix("@") ? syscalls(in: entry, table: table) : [entry])
        }
        return result
    }

    static func filterGroups() throws -> [String: [String]] {
        let listing = try run(["systemd-analyze", "syscall-filter"])
        var table: [String: [String]] = [:]
        var current: String?
        for line in listing.output.split(separator: "\n") {
            let word = line.trimmingCharacters(in: .whitespaces)
            if word.isEmpty || word.hasPrefix("#") { continue }
            if !line.hasPrefix(" ") && word.hasPrefix("@") {
                current = word
                table[word] = []
            } else if let current {
                table[current, default: []].append(word)
            }
        }
        return table
    }

    @Test(.enabled(if: Kernel.available, Kernel.reason))
    func daemonWorksUnderTheUnitsRestrictions() throws {
        let scratch = try ScratchDirectory("hardening")
        defer { scratch.remove() }
        let config = scratch.path + "/uproc.conf"
        try "cmd uprocpkgtest cmd.test\n".write(toFile: config, atomically: false, encoding: .utf8)
        let out = scratch.path + "/out"
        let trace = scratch.path + "/strace"
        let log = scratch.path + "/log"
        let sleeper = scratch.path + "/uprocpkgtest"
        try FileManager.default.createSymbolicLink(atPath: sleeper, withDestinationPath: "/bin/sleep")

        // Read-only root (ProtectSystem=strict), bounding set and no_new_privs as in the unit.
        let script = """
            mount --make-rprivate / && mount -o remount,bind,ro / && \
            exec strace -f -qq -o "$1" setpriv --bounding-set=-all,+net_admin --no-new-privs \
              "$2" -c "$3" "$4" 2>"$5"
            """
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        daemon.arguments = ["-m", "sh", "-c", script, "sh", trace, Repository.uprocd, config, out, log]
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        func waitFor(_ what: String, _ condition: () -> Bool) throws {
            let deadline = Date().addingTimeInterval(10)
            while !condition() {
                try #require(Date() < deadline, "timed out waiting for \(what); log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                usleep(20_000)
            }
        }
        func contents(_ name: String) -> String { (try? String(contentsOfFile: out + "/" + name, encoding: .utf8)) ?? "" }
        func logText() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        try waitFor("started") { logText().contains("started") }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: sleeper)
        child.arguments = ["5"]
        try child.run()
        defer { child.terminate() }
        try waitFor("the new process listed") { contents("cmd.test") == "\(child.processIdentifier)\n" }

        try "cmd uprocpkgtest cmd.test\ncmd uprocpkgnone cmd.none\n".write(toFile: config, atomically: true, encoding: .utf8)
        // The daemon's PID: strace's first traced process is setpriv, which execs uprocd in place.
        let tracedPID = try #require(Int32((try String(contentsOfFile: trace, encoding: .utf8)).prefix { $0 != " " }))
        kill(tracedPID, SIGHUP)
        try waitFor("the reload") { FileManager.default.fileExists(atPath: out + "/cmd.none") }
        kill(tracedPID, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0, "log: \(logText())")

        var used: Set<String> = []
        for line in try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 1)
            // strace pads the PID column to 5 characters: "461   epoll_wait(".
            guard fields.count == 2, let paren = fields[1].firstIndex(of: "(") else { continue }
            let name = String(fields[1][..<paren].drop { $0 == " " })
            if !name.isEmpty && name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { used.insert(name) }
        }
        // setpriv's own calls before exec are not the daemon's.
        used.subtract(["capset", "capget", "prctl"])
        try #require(used.contains("epoll_wait") && used.contains("renameat"), "trace looks empty: \(used.sorted())")
        let table = try Self.filterGroups()
        let allowed = Self.syscalls(in: "@system-service", table: table)
        let denied = Self.syscalls(in: "@privileged", table: table).union(Self.syscalls(in: "@resources", table: table))
        #expect(used.subtracting(allowed).isEmpty, "outside @system-service: \(used.subtracting(allowed).sorted())")
        #expect(used.intersection(denied).isEmpty, "in @privileged/@resources: \(used.intersection(denied).sorted())")
    }
}

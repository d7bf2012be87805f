import Foundation
import Testing

/// `etc/uprocd.service` as systemd reads it: `systemd-analyze verify` (which
/// also checks that ExecStart is executable and the Documentation= man pages
/// exist) must print nothing, and the settings the daemon relies on are there.
@Suite struct UnitFileTests {
    /// The unit's settings as `key → values`, in order.
    static func settings(_ text: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("[") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        return result
    }

    /// Verifies `unitText` as `uprocd.service` with the repository's man pages
    /// on MANPATH; returns what systemd-analyze printed.
    static func verify(_ unitText: String) throws -> RunResult {
        let scratch = try ScratchDirectory("verify")
        defer { scratch.remove() }
        for section in ["1", "5", "8"] {
            let directory = scratch.path + "/man/man" + section
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for page in try FileManager.default.contentsOfDirectory(atPath: Repository.root + "/man")
            where page.hasSuffix("." + section) {
                try FileManager.default.copyItem(atPath: Repository.root + "/man/" + page, toPath: directory + "/" + page)
            }
        }
        let unit = scratch.path + "/uprocd.service"
        try unitText.write(toFile: unit, atomically: false, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["MANPATH"] = scratch.path + "/man"
        environment["SYSTEMD_LOG_COLOR"] = "0"
        return try run(["systemd-analyze", "verify", unit], environment: environment)
    }

    /// The unit as installed, but starting the executable built with the tests.
    static func unitForBuiltDaemon() throws -> String {
        let text = try String(contentsOfFile: Repository.unit, encoding: .utf8)
        #expect(text.contains("ExecStart=/usr/sbin/uprocd "))
        return text.replacingOccurrences(of: "ExecStart=/usr/sbin/uprocd ", with: "ExecStart=\(Repository.uprocd) ")
    }

    @Test func systemdAcceptsTheUnitWithoutAWord() throws {
        let result = try Self.verify(try Self.unitForBuiltDaemon())
        #expect(result.status == 0)
        #expect(result.output + result.errors == "")
    }

    /// The check above can fail: a misspelt key or a bad value is reported.
    @Test(arguments: ["ProtectSystem=strictly", "RestrictAdressFamilies=AF_UNIX", "Type=notify-reloaded"])
    func verifyCatchesMistakes(line: String) throws {
        let result = try Self.verify(try Self.unitForBuiltDaemon() .replacingOccurrences(
            of: "[Service]\n", with: "[Service]\n\(line)\n"))
        #expect(result.output + result.errors != "")
    }

    @Test func theSettingsTheDaemonReliesOn() throws {
        let settings = Self.settings(try String(contentsOfFile: Repository.unit, encoding: .utf8))
        #expect(settings["Type"] == ["notify"])
        #expect(settings["ExecStart"] == ["/usr/sbin/uprocd /run/uproc"])
        #expect(settings["ExecReload"] == ["kill -HUP $MAINPID"])
        #expect(settings["RuntimeDirectory"] == ["uproc"])
        // The lineage file of tree rules survives a restart.
        #expect(settings["RuntimeDirectoryPreserve"] == ["restart"])
        #expect(settings["WatchdogSec"]?.count == 1)
        #expect(settings["RestrictAddressFamilies"] == ["AF_NETLINK AF_UNIX"])
        #expect(settings["SystemCallFilter"]?.first == "@system-service")
        #expect(settings["CapabilityBoundingSet"] == ["CAP_NET_ADMIN"])
        for key in ["ProtectSystem", "ProtectHome", "PrivateTmp", "NoNewPrivileges"] {
            #expect(settings[key] != nil, "\(key) missing")
        }
        // Each of these would hide processes or the proc connector from the daemon.
        for key in ["ProtectProc", "ProcSubset", "PrivateNetwork", "PrivateUsers"] {
            #expect(settings[key] == nil, "\(key) would break uprocd")
        }
    }
}

import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Which namespaces a process lands in, by its IDs, at start-up and after setuid.
    @Suite struct Membership {
        @Test func setprivProcessAppearsInUIDAndGIDAndLeavesWhenKilled() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4201 uid.4201\ngid 4202 gid.4202\n")
            let daemon = try await harness.startDaemon()
            let sleeper = try harness.spawn(uid: 4201, gid: 4202, ["/bin/sleep", "30"])
            let pid = sleeper.pid

            try await harness.waitUntil(namespace: "uid.4201", is: [pid])
            try await harness.waitUntil(namespace: "gid.4202", is: [pid])
            #expect(harness.content("uid.4201") == "\(pid)\n")

            harness.killAndReap(sleeper)
            try await harness.waitUntil(namespace: "uid.4201", is: [])
            try await harness.waitUntil(namespace: "gid.4202", is: [])
            #expect(harness.content("uid.4201") == "")
            try await daemon.stop()
        }

        @Test func namespaceThatMatchesNothingHasAnEmptyFile() async throws {
            try Kernel.require()
            let harness = try Harness(config: """
                # nothing runs with these IDs or this name
                uid 4298 nobody.here
                gid 4297 no.group
                cmd uproctestnone none

                """)
            let daemon = try harness.launchDaemon()
            let started = try await daemon.waitForStarted()

            // The started line promises every file exists by now: no waiting.
            #expect(harness.outEntries() == [".uprocd.names", "no.group", "nobody.here", "none"])
            for namespace in ["nobody.here", "no.group", "none"] {
                #expect(harness.content(namespace) == "", "out/\(namespace)")
            }
            #expect(started["namespaces"] == "3")
            #expect(Int(started["processes"] ?? "") ?? 0 > 1)
            #expect(["filtered", "unfiltered"].contains(started["filter"]))
            #expect(Int(started["rcvbuf"] ?? "") ?? 0 > 0)
            #expect(started["scan_ms"] != nil)
            #expect(started["startup_ms"] != nil)
            #expect(harness.content(".uprocd.names") != nil, "the record of the daemon's files")
            // A missing directory is created 0755.
            let mode = try FileManager.default.attributesOfItem(atPath: harness.out)[.posixPermissions] as? Int
            #expect(mode == 0o755)
            try await daemon.stop()
        }

        @Test func processesAliveBeforeTheDaemonStartsAreListed() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4218 uid.4218\ncmd uproctest5 c5\nuid 4219 uid.4219\n")
            let command = try harness.link("uproctest5", to: "/bin/sleep")
            let first = try harness.spawn(uid: 4218, [command, "30"]).pid
            let second = try harness.spawn(uid: 4218, [command, "30"]).pid
            let asRoot = try harness.spawn([command, "30"]).pid
            for pid in [first, second, asRoot] {
                try await harness.waitForComm(pid, "uproctest5")
            }

            let daemon = try await harness.startDaemon()
            // Read once, at once: the started line means the /proc scan is published.
            #expect(harness.pids("uid.4218") == [first, second].sorted())
            #expect(harness.pids("c5") == [first, second, asRoot].sorted())
            #expect(harness.content("uid.4219") == "")
            try await daemon.stop()
        }

        /// UID and GID events update a running process in place: effective IDs for `uid`/`gid`, real for `ruid`.
        @Test func setuidInARunningRootProcessMovesItBetweenUIDFiles() async throws {
            try Kernel.require()
            // The comm keeps the root namespaces to this one process.
            let harness = try Harness(config: """
                uid 0 cmd uproctestsetid root
                ruid 0 cmd uproctestsetid realroot
                uid 4211 uid.4211
                uid 4226 uid.4226
                gid 4217 gid.4217

                """)
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture()
            let pid = fixture.pid
            try await fixture.run("rename-main uproctestsetid")
            try await harness.waitUntil(namespace: "root", is: [pid])
            try await harness.waitUntil(namespace: "realroot", is: [pid])
            #expect(harness.content("uid.4211") == "")

            // seteuid: only the effective UID moves.
            try await fixture.run("seteuid 4226")
            try await harness.waitUntil(namespace: "uid.4226", is: [pid])
            try await harness.waitUntil(namespace: "root", is: [])
            #expect(harness.pids("realroot") == [pid])
            try await fixture.run("seteuid 0")
            try await harness.waitUntil(namespace: "root", is: [pid])
            try await harness.waitUntil(namespace: "uid.4226", is: [])

            try await fixture.run("setgid 4217")
            try await harness.waitUntil(namespace: "gid.4217", is: [pid])
            // setuid as root: real, effective and saved UID all move.
            try await fixture.run("setuid 4211")
            try await harness.waitUntil(namespace: "uid.4211", is: [pid])
            try await harness.waitUntil(namespace: "root", is: [])
            try await harness.waitUntil(namespace: "realroot", is: [])
            #expect(harness.pids("gid.4217") == [pid])
            try await daemon.stop()
        }

        /// glibc's setuid changes every thread: one UID event per thread. The process is
        /// still listed once, by its PID (an ordering marker shows the events were handled).
        @Test func setuidInAThreadedProcessListsItOnce() async throws {
            try Kernel.require()
            let harness = try Harness(config: """
                uid 4228 u
                uid 0 cmd uproctestthrsu root
                uid 4228 cmd uproctestmk3 marker

                """)
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture()
            let pid = fixture.pid
            try await fixture.run("rename-main uproctestthrsu")
            try await harness.waitUntil(namespace: "root", is: [pid])
            try await fixture.run("threads 5")
            try await fixture.run("setuid 4228")
            let threads = Harness.threads(of: pid)
            #expect(threads.count == 6)
            #expect(Set(threads.map { Harness.ids($0, "Uid").first ?? "?" }) == ["4228"], "not every thread moved")

            try await fixture.run("rename-main uproctestmk3")
            try await harness.waitUntil(namespace: "marker", is: [pid])
            #expect(harness.pids("u") == [pid])
            #expect(harness.pids("root") == [])
            try await fixture.run("join-threads")
            try await daemon.stop()
        }

        @Test func setUIDBinaryLandsInTheEffectiveUIDNamespace() async throws {
            try Kernel.require()
            let harness = try Harness(config: """
                uid 4212 uid.4212
                uid 4213 uid.4213
                ruid 4213 ruid.4213

                """)
            let binary = harness.root + "/uproctestsuid"
            try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: binary)
            #expect(chown(binary, 4212, 0) == 0)
            #expect(chmod(binary, 0o4755) == 0)
            let daemon = try await harness.startDaemon()

            let pid = try harness.spawn(uid: 4213, [binary, "30"]).pid
            try await harness.waitForComm(pid, "uproctestsuid")
            // The kernel's view first (comm is set a moment before the credentials).
            try await harness.waitForKernel("pid \(pid): real UID 4213, effective 4212") {
                Harness.ids(pid, "Uid")
            } until: { $0 == ["4213", "4212", "4212", "4212"] }

            try await harness.waitUntil(namespace: "uid.4212", is: [pid])
            try await harness.waitUntil(namespace: "ruid.4213", is: [pid])
            try await harness.waitUntil(namespace: "uid.4213", is: [])
            try await daemon.stop()
        }

        @Test func multiKeyRulesAndOnePIDInSeveralNamespaces() async throws {
            try Kernel.require()
            let harness = try Harness(config: """
                uid 4214 cmd uproctest3 both
                uid 4214 u
                cmd uproctest3 c

                """)
            let three = try harness.link("uproctest3", to: "/bin/sleep")
            let four = try harness.link("uproctest4", to: "/bin/sleep")
            let daemon = try await harness.startDaemon()

            let matching = try harness.spawn(uid: 4214, [three, "30"]).pid
            let otherComm = try harness.spawn(uid: 4214, [four, "30"]).pid
            let otherUID = try harness.spawn([three, "30"]).pid

            try await harness.waitUntil(namespace: "both", is: [matching])
            try await harness.waitUntil(namespace: "u", is: [matching, otherComm])
            try await harness.waitUntil(namespace: "c", is: [matching, otherUID])
            try await daemon.stop()
        }

        @Test func quotedGlobCmdRuleMatchesByPattern() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4227 cmd \"uproctestg*\" globbed\n")
            let first = try harness.link("uproctestg1", to: "/bin/sleep")
            let second = try harness.link("uproctestglob2", to: "/bin/sleep")
            let other = try harness.link("uproctesth", to: "/bin/sleep")
            let daemon = try await harness.startDaemon()
            let matching = try [first, second].map { try harness.spawn(uid: 4227, [$0, "30"]).pid }
            let notMatching = try harness.spawn(uid: 4227, [other, "30"]).pid
            try await harness.waitForComm(notMatching, "uproctesth")
            try await harness.waitUntil(namespace: "globbed", is: matching)
            #expect(harness.pids("globbed")?.contains(notMatching) == false)
            try await daemon.stop()
        }

        /// Without -c and without /etc/uproc.conf the rules are what uproc-genconf prints.
        @Test(.enabled(if: !FileManager.default.fileExists(atPath: "/etc/uproc.conf"), "/etc/uproc.conf exists"))
        func withoutAConfigTheRulesAreThoseOfUprocGenconf() async throws {
            try Kernel.require()
            let harness = try Harness(config: "")
            let genconf = try await harness.run([Harness.buildDirectory + "/uproc-genconf"])
            #expect(genconf.exit == .exited(0))
            let names = genconf.output.split(separator: "\n")
                .filter { !$0.hasPrefix("#") && !$0.isEmpty }
                .compactMap { $0.split(separator: " ").last.map(String.init) }
            #expect(names.contains("uid.root"))

            let daemon = try await harness.startDaemon(arguments: ["--min-interval", "1", harness.out])
            #expect(harness.outEntries() == (Set(names).sorted() + [".uprocd.names"]).sorted())
            #expect(harness.pids("uid.root")?.contains(1) == true, "PID 1 runs as root")
            try await daemon.stop()
        }
    }
}

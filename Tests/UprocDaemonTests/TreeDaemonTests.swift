import Foundation
import Testing
import UprocLinux
import UprocTestSupport

extension UprocdEndToEnd {
    /// `tree` rules in the running daemon: a job's every descendant, whatever
    /// it does to get away, and across daemon restarts.
    @Suite struct TreeDaemon {
        /// A root named `treeroot` (a link to sh) whose descendants
        /// double-fork, call setsid and exec other programs; all stay.
        @Test func doubleForkSetsidAndExecStayInTheTree() async throws {
            try Kernel.require()
            let mark = Sleepers.mark()
            defer { Sleepers.kill(mark) }
            let harness = try Harness(config: "tree cmd treeroot job\ncmd treeroot roots\n")
            let root = try harness.link("treeroot", to: "/bin/sh")
            let daemon = try await harness.startDaemon()
            let job = try harness.spawn([root, "-c", "( setsid sleep \(mark) & ) ; ( ( sleep \(mark) & ) & ) ; sleep \(mark) & exec sleep \(mark)"])
            let all = try await Sleepers.wait(mark, count: 4)
            #expect(all.contains(job.pid))
            try await harness.waitUntil(namespace: "job", is: all)
            // The root runs sleep now: not a root by its name any more, still in its tree.
            try await harness.waitUntil(namespace: "roots", is: [])

            // The root's exit: its children (reparented to init) stay.
            harness.killAndReap(job)
            try await harness.waitUntil(namespace: "job", is: all.filter { $0 != job.pid })
            #expect(Sleepers.pids(mark).allSatisfy { Sleepers.parent(of: $0) != job.pid })
            try await daemon.stop()
        }

        /// Orphans that a subreaper (not init) adopts stay in the tree too.
        @Test func orphansOfASubreaperStayInTheTree() async throws {
            try Kernel.require()
            let mark = Sleepers.mark()
            defer { Sleepers.kill(mark) }
            let harness = try Harness(config: "tree cmd treeroot job\n")
            let root = try harness.link("treeroot", to: "/bin/sh")
            let daemon = try await harness.startDaemon()
            let reaper = try harness.startFixture()
            try await reaper.run("subreaper")
            let rootPID = try #require(Int32(try await reaper.send("sh exec \(root) -c '( sleep \(mark) & ) ; exec sleep \(mark)'")))
            let all = try await Sleepers.wait(mark, count: 2)
            let orphan = try #require(all.first { $0 != rootPID })
            try await harness.waitForKernel("the orphan's parent", { Sleepers.parent(of: orphan) }) { $0 == reaper.pid }
            try await harness.waitUntil(namespace: "job", is: all)
            #expect(!(harness.pids("job") ?? []).contains(reaper.pid), "the subreaper is no descendant")
            try await daemon.stop()
        }

        /// 1,000 intermediates, each forking a child then exiting at once:
        /// every child is in the tree (lineage needs no /proc read).
        @Test func aThousandShortLivedIntermediatesLoseNoChild() async throws {
            try Kernel.require()
            let mark = Sleepers.mark()
            defer { Sleepers.kill(mark) }
            let harness = try Harness(config: "tree cmd treeroot job\n")
            let root = try harness.link("treeroot", to: "/bin/sh")
            // Room for every event of a machine another storm may share: lost
            // events would lose orphans (uprocd(8) says so), which is not this test.
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--netlink-rcvbuf", "268435456", "--min-interval", "1", "--log-level", "debug", harness.out,
            ])
            let script = "i=0; while [ $i -lt 1000 ]; do ( sleep \(mark) & ) ; i=$((i+1)); done; exec sleep \(mark)"
            _ = try harness.spawn([root, "-c", script])
            _ = try await Sleepers.wait(mark, count: 1001, within: .seconds(50))
            // Against those alive at each look: the machine is shared, a sleeper may be killed meanwhile.
            let listed = try await harness.waitUntil(namespace: "job", deadline: .seconds(20), "every sleep \(mark) alive") {
                $0 == Sleepers.pids(mark)
            }
            if let listed, listed != Sleepers.pids(mark) {
                let live = Set(Sleepers.pids(mark)), file = Set(listed)
                let missing = live.subtracting(file).sorted().map { "\($0) (parent \(Sleepers.parent(of: $0) ?? -1))" }
                let extra = file.subtracting(live).sorted().map { "\($0) '\(Harness.procText($0, "comm") ?? "gone")'" }
                Issue.record("missing: \(missing), extra: \(extra)")
            }
            #expect(!daemon.log().contains("overrun"), "no events lost: the test is of lineage, not of a rescan")
            try await daemon.stop()
        }

        /// `uproc-check --explain` names the ancestor that is a root, or,
        /// for an orphan whose root /proc no longer shows, the daemon's lineage.
        @Test func explainSaysWhichAncestorPutsAProcessInATree() async throws {
            try Kernel.require()
            let mark = Sleepers.mark()
            defer { Sleepers.kill(mark) }
            let harness = try Harness(config: "tree cmd treeroot job\n")
            let root = try harness.link("treeroot", to: "/bin/sh")
            let daemon = try await harness.startDaemon()
            let job = try harness.spawn([root, "-c", "( sleep \(mark) & ) ; sleep \(mark) ; true"])
            let sleepers = try await Sleepers.wait(mark, count: 2)
            let orphan = try #require(sleepers.first { Sleepers.parent(of: $0) != job.pid })
            let child = try #require(sleepers.first { $0 != orphan })
            try await harness.waitUntil(namespace: "job", is: (sleepers + [job.pid]).sorted())
            let lineage = harness.out + "/.uprocd.lineage"
            try await harness.waitForKernel("the orphan in the lineage file", {
                (try? String(contentsOfFile: lineage, encoding: .utf8)) ?? ""
            }) { $0.contains("\np \(orphan) ") }
            let check = Tools.path("uproc-check")

            let near = try await harness.run([check, harness.config, "-d", harness.out, "--explain", "\(child)"])
            #expect(near.output.contains("tree 'job' (line 1: tree cmd treeroot job): its ancestor \(job.pid) 'treeroot' is a root (\(child) < \(job.pid))"),
                    "\(near.output)")
            let far = try await harness.run([check, harness.config, "-d", harness.out, "--explain", "\(orphan)"])
            #expect(far.output.contains("tree 'job' (line 1: tree cmd treeroot job): by uprocd's lineage (\(lineage))"), "\(far.output)")
            #expect(far.output.contains("'treeroot' (exited)") || far.output.contains("< \(job.pid)"), "\(far.output)")
            let rootExplained = try await harness.run([check, harness.config, "-d", harness.out, "--explain", "\(job.pid)"])
            #expect(rootExplained.output.contains("tree 'job' (line 1: tree cmd treeroot job): it is a root"), "\(rootExplained.output)")
            try await daemon.stop()
        }

        /// `uproc-kill job` kills a job, double-forked daemons included: a
        /// member whose root /proc no longer shows is re-checked against the
        /// daemon's lineage (by PID and start time), a child by its ancestry.
        @Test func uprocKillKillsAJobWithItsDoubleForkedDaemons() async throws {
            try Kernel.require()
            let mark = Sleepers.mark()
            defer { Sleepers.kill(mark) }
            let harness = try Harness(config: "tree cmd treeroot job\n")
            let root = try harness.link("treeroot", to: "/bin/sh")
            let daemon = try await harness.startDaemon()
            let outsider = try harness.spawn(["/bin/sh", "-c", "exec sleep \(mark)"])
            let job = try harness.spawn([root, "-c", "( setsid sleep \(mark) & ) ; sleep \(mark) ; true"])
            let sleepers = try await Sleepers.wait(mark, count: 3).filter { $0 != outsider.pid }
            let orphan = try #require(sleepers.first { Sleepers.parent(of: $0) != job.pid })
            try await harness.waitUntil(namespace: "job", is: (sleepers + [job.pid]).sorted())
            try await harness.waitForKernel("the orphan in the lineage file", {
                (try? String(contentsOfFile: harness.out + "/.uprocd.lineage", encoding: .utf8)) ?? ""
            }) { $0.contains("\np \(orphan) ") }

            let kill = try await harness.run([Tools.path("uproc-kill"), "-s", "KILL", "--wait", "--timeout", "5", "-d", harness.out,
                                              "-c", harness.config, "job"], stderr: true)
            #expect(kill.exit == .exited(0), "\(kill.output)")
            try await harness.waitForKernel("the job's sleepers gone", { Sleepers.pids(mark) }) { $0 == [outsider.pid] }
            #expect(outsider.isRunning, "not in the tree: not signalled")
            try await daemon.stop()
        }

        /// Lost events (an overrun): lineage is then what /proc shows. A
        /// child forked meanwhile is found under its root; an orphan
        /// reparented meanwhile is lost, as uprocd(8) says, and the log says
        /// the trees may be incomplete.
        @Test func afterAnOverrunTheTreeIsWhatProcShowsAndSaysSo() async throws {
            try Kernel.require()
            let mark = Sleepers.mark()
            defer { Sleepers.kill(mark) }
            let harness = try Harness(config: "tree cmd treeroot job\n")
            let root = try harness.link("treeroot", to: "/bin/sh")
            let go = harness.root + "/go"
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--min-interval", "1", "--netlink-rcvbuf", "65536", "--log-level", "debug", harness.out,
            ])
            let job = try harness.spawn([root, "-c", "while [ ! -e \(go) ]; do sleep 0.05; done; ( sleep \(mark) & ) ; sleep \(mark) ; true"])
            try await harness.waitUntil(namespace: "job", "the root listed") { $0.contains(job.pid) }

            // Stopped, the daemon's socket fills up first; the job's forks come after, and are lost.
            daemon.signal(SIGSTOP)
            let churn = try await harness.run(["/bin/sh", "-c", """
                i=0
                while [ $i -lt 600 ]; do
                    /usr/bin/setpriv --reuid=4261 --regid=4261 --clear-groups /bin/true &
                    i=$((i + 1))
                    if [ $((i % 50)) -eq 0 ]; then wait; fi
                done
                wait
                """])
            #expect(churn.exit == .exited(0))
            #expect(FileManager.default.createFile(atPath: go, contents: nil))
            let sleepers = try await Sleepers.wait(mark, count: 2)
            let orphan = try #require(sleepers.first { Sleepers.parent(of: $0) != job.pid })
            let child = try #require(sleepers.first { $0 != orphan })
            try await harness.waitForKernel("the orphan reparented", { Sleepers.parent(of: orphan) }) { $0 != nil && $0 != job.pid }
            daemon.signal(SIGCONT)

            let said = try await daemon.waitForLine(within: .seconds(5)) { $0.contains("reason=overrun") && $0.contains("tree namespaces may be incomplete") }
            #expect(said != nil, "\(harness.daemonLogTail())")
            try await harness.waitUntil(namespace: "job", "the root and its child, not the orphan") {
                $0.contains(job.pid) && $0.contains(child) && !$0.contains(orphan)
            }
            try await daemon.stop()
        }

        /// A restart in the middle of a job: with the lineage file (a clean
        /// stop, or a crash after the periodic write) the orphan stays in its
        /// tree; without it, it is lost and the daemon says so.
        @Test func aRestartKeepsTheTreeThroughTheLineageFile() async throws {
            try Kernel.require()
            let mark = Sleepers.mark()
            defer { Sleepers.kill(mark) }
            let harness = try Harness(config: "tree cmd treeroot job\n")
            let root = try harness.link("treeroot", to: "/bin/sh")
            let first = try await harness.startDaemon()
            // The root stays a root (no exec); its orphan is reparented to init.
            let job = try harness.spawn([root, "-c", "( sleep \(mark) & ) ; sleep \(mark) ; true"])
            let sleepers = try await Sleepers.wait(mark, count: 2)
            let orphan = try #require(sleepers.first { Sleepers.parent(of: $0) != job.pid })
            let all = (sleepers + [job.pid]).sorted()
            try await harness.waitUntil(namespace: "job", is: all)

            // A crash after the periodic write (every 2 s when changed).
            let lineage = harness.out + "/.uprocd.lineage"
            try await harness.waitForKernel("the orphan in the lineage file", {
                (try? String(contentsOfFile: lineage, encoding: .utf8)) ?? ""
            }) { $0.contains("\np \(orphan) ") }
            first.signal(SIGKILL)
            _ = try await first.waitForExit()
            let second = try await harness.startDaemon()
            #expect(harness.pids("job") == all, "\(harness.daemonLogTail())")
            #expect(second.log().contains("lineage restored"))

            // A clean stop writes it; the next start reads it.
            try await second.stop()
            #expect(FileManager.default.fileExists(atPath: lineage), "kept after a stop")
            let third = try await harness.startDaemon()
            #expect(harness.pids("job") == all, "\(harness.daemonLogTail())")
            try await third.stop()

            // Without it, /proc shows the orphan's parent as init: it is lost, and that is said.
            #expect(unlink(lineage) == 0)
            let fourth = try await harness.startDaemon()
            #expect(harness.pids("job") == all.filter { $0 != orphan })
            #expect(fourth.log().contains("tree namespaces may be incomplete"))
            try await fourth.stop()

            // Rules without trees follow no lineage: the file left goes.
            #expect(FileManager.default.fileExists(atPath: lineage))
            try harness.rewriteConfig("cmd treeroot roots\n")
            let fifth = try await harness.startDaemon()
            #expect(!FileManager.default.fileExists(atPath: lineage))
            try await fifth.stop()
        }
    }

    /// `loginuid` rules: a login's processes whatever user they become.
    @Suite struct LoginDaemon {
        /// pam_loginuid's order: the login UID is written as root, then the
        /// UIDs change (caught at that UID event, before any exec); children
        /// inherit it.
        @Test func aLoginStaysInItsNamespaceAcrossSetuid() async throws {
            try Kernel.require()
            let harness = try Harness(config: "loginuid * login.{user}\nloginuid 4231 fixed\n")
            let daemon = try await harness.startDaemon()
            let login = try harness.startFixture()
            try await login.run("loginuid 4231")
            try await login.run("setuid 4232")
            try await harness.waitUntil(namespace: "login.4231", is: [login.pid])
            try await harness.waitUntil(namespace: "fixed", is: [login.pid])
            let child = try #require(Int32(try await login.send("fork")))
            try await harness.waitUntil(namespace: "login.4231", is: [login.pid, child])
            // An exec keeps it too.
            let shell = try harness.spawn(["/bin/sh", "-c", "echo 4231 > /proc/self/loginuid && exec setpriv --reuid=4233 --regid=4233 --clear-groups sleep 30"])
            try await harness.waitUntil(namespace: "login.4231", is: [login.pid, child, shell.pid])
            harness.killAndReap(login.child)
            harness.killAndReap(shell)
            // A template's numeric name (no such account) goes with its last member.
            try await harness.waitUntil(namespace: "fixed", is: [])
            try await harness.waitForKernel("login.4231 removed", { harness.content("login.4231") }) { $0 == nil }
            try await daemon.stop()
        }
    }

    /// `exe` rules: the executable's path, read at start-up and at exec.
    @Suite struct ExecutableDaemon {
        @Test func anExeRuleFollowsExecAndStartUpAndADeletedFile() async throws {
            try Kernel.require()
            let harness = try Harness(config: "exe \"*/uproc-exe-copy*\" copies\nexe /usr/bin/sleep sleeps\n")
            let copy = harness.root + "/uproc-exe-copy"
            try FileManager.default.copyItem(atPath: "/usr/bin/sleep", toPath: copy)
            let before = try harness.spawn([copy, "30"])
            try await harness.waitForKernel("the copy runs", { Harness.procText(before.pid, "comm") }) { $0 == "uproc-exe-copy\n" }
            let daemon = try await harness.startDaemon()
            #expect(harness.pids("copies") == [before.pid], "read at start-up")

            // An exec into the copy, by a shell that was not one.
            let shell = try harness.spawn(["/bin/sh", "-c", "sleep 0.2; exec \(copy) 30"])
            try await harness.waitUntil(namespace: "copies", is: [before.pid, shell.pid])
            // Replaced (an upgrade): the kernel's path ends in " (deleted)", which the pattern allows.
            #expect(unlink(copy) == 0)
            let after = try harness.spawn(["/bin/sh", "-c", "exec /usr/bin/sleep 30"])
            try await harness.waitUntil(namespace: "sleeps", "the new sleep listed") { $0.contains(after.pid) }
            #expect(harness.pids("copies") == [before.pid, shell.pid])
            // A new start reads "…/uproc-exe-copy (deleted)": still a copy.
            try await daemon.stop()
            let again = try await harness.startDaemon()
            #expect(harness.pids("copies") == [before.pid, shell.pid])
            harness.killAndReap(before)
            try await harness.waitUntil(namespace: "copies", is: [shell.pid])
            try await again.stop()
        }
    }

    /// Templates: files that follow the commands seen and the accounts.
    @Suite struct TemplateDaemon {
        /// A `cmd` template's file is made with its first member and removed
        /// with its last, and the record of the daemon's files follows.
        @Test func commandTemplateFilesComeAndGo() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd \"uproctpl*\" t.{cmd}\nuid 4240 u\n")
            let command = try harness.link("uproctpl1", to: "/bin/sleep")
            let daemon = try await harness.startDaemon()
            #expect(harness.outEntries() == [".uprocd.names", "u"])
            let first = try harness.spawn([command, "30"])
            let second = try harness.spawn([command, "30"])
            try await harness.waitUntil(namespace: "t.uproctpl1", is: [first.pid, second.pid])
            #expect(harness.content(".uprocd.names")?.contains("\nt.uproctpl1\n") == true)
            let explained = try await harness.run([Tools.path("uproc-check"), harness.config, "--explain", "\(first.pid)"])
            #expect(explained.output.contains("in template namespaces:\n  line 1: cmd uproctpl* t.{cmd} -> t.uproctpl1\n"),
                    "\(explained.output)")
            harness.killAndReap(first)
            try await harness.waitUntil(namespace: "t.uproctpl1", is: [second.pid])
            harness.killAndReap(second)
            try await harness.waitForKernel("t.uproctpl1 removed", { harness.outEntries() ?? [] }) { $0 == [".uprocd.names", "u"] }
            #expect(harness.content(".uprocd.names")?.contains("t.uproctpl1") == false)
            try await daemon.stop()
            #expect(harness.outEntries() == nil, "the directory it made goes, the template's file and record with it")
        }

        /// A template's file someone deletes is written again; after a
        /// crash the next start keeps the files still made (no moment
        /// without them) and removes those no process makes any more.
        @Test func templateFilesAreRepairedAndSurviveACrash() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd \"uproctpl*\" t.{cmd}\n")
            let first = try harness.link("uproctpl1", to: "/bin/sleep")
            let second = try harness.link("uproctpl2", to: "/bin/sleep")
            let daemon = try await harness.startDaemon()
            let one = try harness.spawn([first, "30"])
            let two = try harness.spawn([second, "30"])
            try await harness.waitUntil(namespace: "t.uproctpl1", is: [one.pid])
            try await harness.waitUntil(namespace: "t.uproctpl2", is: [two.pid])
            #expect(unlink(harness.out + "/t.uproctpl1") == 0)
            try await harness.waitUntil(namespace: "t.uproctpl1", is: [one.pid])

            daemon.signal(SIGKILL)
            _ = try await daemon.waitForExit()
            harness.killAndReap(two)
            let again = try await harness.startDaemon()
            #expect(harness.pids("t.uproctpl1") == [one.pid], "written in the first round, never removed")
            #expect(harness.content("t.uproctpl2") == nil, "no process makes it: removed at start")
            #expect(harness.content(".uprocd.names")?.contains("t.uproctpl2") == false)
            try await again.stop()
        }

        /// The metrics count a template's namespaces' processes too.
        @Test func metricsCountATemplatesNamespace() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd \"uproctpl*\" t.{cmd}\n")
            let command = try harness.link("uproctpl3", to: "/bin/sleep")
            let metrics = harness.root + "/uproc.prom"
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--metrics-file", metrics, "--metrics-interval", "1", "--min-interval", "1", harness.out,
            ])
            let sleeper = try harness.spawn([command, "30"])
            try await harness.waitUntil(namespace: "t.uproctpl3", is: [sleeper.pid])
            let line = "uproc_namespace_processes{namespace=\"t.uproctpl3\"} 1"
            let end = ContinuousClock.now + .seconds(5)
            var text = ""
            while ContinuousClock.now < end {
                text = (try? String(contentsOfFile: metrics, encoding: .utf8)) ?? ""
                if text.contains(line) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(text.contains(line), "\(text)")
            try await daemon.stop()
        }

        /// `uproc-kill` takes a template's namespace: each listed process is
        /// re-checked against the name the template gives it now.
        @Test func uprocKillKillsATemplatesNamespace() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd \"uproctpl*\" t.{cmd}\n")
            let first = try harness.link("uproctpl1", to: "/bin/sleep")
            let second = try harness.link("uproctpl2", to: "/bin/sleep")
            let daemon = try await harness.startDaemon()
            let ones = try [harness.spawn([first, "30"]), harness.spawn([first, "30"])]
            let two = try harness.spawn([second, "30"])
            try await harness.waitUntil(namespace: "t.uproctpl1", is: ones.map(\.pid))
            try await harness.waitUntil(namespace: "t.uproctpl2", is: [two.pid])
            let kill = try await harness.run([Tools.path("uproc-kill"), "-s", "KILL", "--wait", "--timeout", "5", "-d", harness.out,
                                              "-c", harness.config, "t.uproctpl1"], stderr: true)
            #expect(kill.exit == .exited(0), "\(kill.output)")
            for one in ones { #expect(one.reap(within: .seconds(5)) == .signaled(SIGKILL)) }
            #expect(two.isRunning)
            try await harness.waitForKernel("t.uproctpl1 removed", { harness.content("t.uproctpl1") }) { $0 == nil }
            try await daemon.stop()
        }

        /// `--max-namespaces`: past it a template makes no namespace (logged),
        /// and one is made again once room is free.
        @Test func theCapStopsNewNamespacesAndIsLogged() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd \"uproccap*\" c.{cmd}\nuid 4241 u\n")
            let commands = try (1...3).map { try harness.link("uproccap\($0)", to: "/bin/sleep") }
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--max-namespaces", "3", "--min-interval", "1", "--log-level", "debug", harness.out,
            ])
            let one = try harness.spawn([commands[0], "30"])
            try await harness.waitUntil(namespace: "c.uproccap1", is: [one.pid])
            let two = try harness.spawn([commands[1], "30"])
            try await harness.waitUntil(namespace: "c.uproccap2", is: [two.pid])
            let three = try harness.spawn([commands[2], "30"])
            let capped = try await daemon.waitForLine(within: .seconds(5)) { $0.contains("reached --max-namespaces") }
            #expect(capped?.contains("line=1") == true, "\(harness.daemonLogTail())")
            #expect(harness.content("c.uproccap3") == nil)
            harness.killAndReap(one)
            try await harness.waitForKernel("c.uproccap1 removed", { harness.content("c.uproccap1") }) { $0 == nil }
            // Room again: the next new name is made.
            let again = try harness.spawn([commands[0], "30"])
            try await harness.waitUntil(namespace: "c.uproccap1", is: [again.pid])
            _ = three
            try await daemon.stop()
        }

        /// A config of templates alone: a file per account, empty ones
        /// included, following passwd edits; an ID without an account is
        /// listed under its number while it has processes.
        @Test func accountTemplatesAloneFollowPasswd() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid * uid.{user}\ngid * gid.{group}\n")
            let passwd = harness.root + "/passwd", group = harness.root + "/group"
            try Harness.write("root:x:0:0:root:/root:/bin/sh\nann4251:x:4251:4251::/:/bin/sh\n", to: passwd)
            try Harness.write("root:x:0:\nteam4253:x:4253:\n", to: group)
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--accounts-files", "\(passwd):\(group)", "--min-interval", "1", "--log-level", "debug", harness.out,
            ])
            // Numeric names are of IDs without an account that run now (other tests' too).
            let named = harness.outEntries()?.filter { !($0.split(separator: ".").last?.allSatisfy(\.isNumber) ?? false) }
            #expect(named == [".uprocd.names", "gid.root", "gid.team4253", "uid.ann4251", "uid.root"])
            #expect(harness.content("uid.ann4251") == "")
            let stranger = try harness.spawn(uid: 4252, gid: 4253, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "uid.4252", is: [stranger.pid])
            try await harness.waitUntil(namespace: "gid.team4253", is: [stranger.pid])

            // useradd: the number's file gives way to the name's.
            try Harness.write("root:x:0:0:root:/root:/bin/sh\nann4251:x:4251:4251::/:/bin/sh\nbo4252:x:4252:4252::/:/bin/sh\n",
                              to: passwd + "+")
            #expect(rename(passwd + "+", passwd) == 0)
            try await harness.waitUntil(namespace: "uid.bo4252", is: [stranger.pid], deadline: .seconds(3))
            try await harness.waitForKernel("uid.4252 removed", { harness.content("uid.4252") }) { $0 == nil }
            harness.killAndReap(stranger)
            try await harness.waitUntil(namespace: "uid.bo4252", is: [])
            try await daemon.stop()
        }
    }
}

/// `sleep MARK` processes a test started through shells: found by their
/// unusual argument, since they outlive the shells (and the harness's
/// children), and killed at the end.
enum Sleepers {
    /// A duration no other test's sleep uses.
    static func mark() -> Int { Int.random(in: 100_000...999_999) }

    static func pids(_ mark: Int) -> [Int32] {
        let wanted = Array("sleep\0\(mark)\0".utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), Array(bytes) == wanted else { return false }
            // A zombie is gone for the daemon.
            return !(Harness.procText(pid, "stat")?.split(separator: ")").last?.hasPrefix(" Z") ?? true)
        }.sorted()
    }

    /// Waits until `count` of them run; their PIDs.
    static func wait(_ mark: Int, count: Int, within limit: Duration = .seconds(10)) async throws -> [Int32] {
        let end = ContinuousClock.now + limit
        var seen = pids(mark)
        while seen.count != count {
            if ContinuousClock.now >= end { throw HarnessError("\(count) × sleep \(mark) not running within \(limit): \(seen.count)") }
            try await Task.sleep(for: .milliseconds(10))
            seen = pids(mark)
        }
        return seen
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let stat = Harness.procText(pid, "stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// Through a pidfd, checked after it is held: a PID other tests' churn
    /// reused since the scan is never hit.
    static func kill(_ mark: Int) {
        let wanted = Array("sleep\0\(mark)\0".utf8)
        for pid in pids(mark) {
            guard let handle = try? ProcessHandle.open(pid).get(),
                  FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map(Array.init) == wanted else { continue }
            _ = handle.send(SIGKILL)
        }
    }
}

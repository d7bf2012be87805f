import Foundation
import Testing
import UprocLinux
import UprocTestSupport

/// What a fake `NOTIFY_SOCKET` received, in order, with when it arrived.
final class NotifyListener {
    let receiver: UnixDatagramReceiver
    private(set) var messages: [(text: String, at: ContinuousClock.Instant)] = []

    init(path: String) throws {
        receiver = try UnixDatagramReceiver(address: try #require(UnixSocketAddress(path)))
    }

    /// Collects datagrams until one (not a watchdog ping) satisfies `match`;
    /// returns it, or nil after `limit`.
    func waitFor(within limit: Duration = .seconds(5), _ match: (String) -> Bool) throws -> String? {
        let end = ContinuousClock.now + limit
        var scanned = messages.count
        while true {
            for (text, _) in messages[scanned...] where text != "WATCHDOG=1" && match(text) { return text }
            scanned = messages.count
            if ContinuousClock.now >= end { return nil }
            if let bytes = try receiver.receive(timeoutMilliseconds: 20) {
                messages.append((String(decoding: bytes, as: UTF8.self), .now))
            }
        }
    }

    /// Everything but the watchdog pings.
    var states: [String] { messages.map(\.text).filter { $0 != "WATCHDOG=1" } }
}

extension UprocdEndToEnd {
    /// systemd's notify protocol, received on a socket standing in for systemd's.
    @Suite struct ServiceNotification {
        @Test func readyReloadingStatusWatchdogAndStoppingInOrder() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            let listener = try NotifyListener(path: harness.root + "/notify")
            // 300 ms watchdog: a ping every 150 ms.
            let daemon = try await harness.startDaemon(environment: ["NOTIFY_SOCKET=\(harness.root)/notify", "WATCHDOG_USEC=300000"])

            let ready = try #require(try listener.waitFor { $0.hasPrefix("READY=1") }, "no READY=1\(harness.daemonLogTail())")
            #expect(listener.states.first == ready, "READY=1 must come first: \(listener.states)")
            let status = try #require(ready.split(separator: "\n").last)
            #expect(status.wholeMatch(of: /STATUS=\d+ processes, 1 namespaces, 0 kernel drops; no reload yet/) != nil, "\(ready)")

            // More processes: the status follows (at most once a second).
            let pids = try (0..<3).map { _ in try harness.spawn(uid: 4251, ["/bin/sleep", "30"]).pid }
            try await harness.waitUntil(namespace: "a", is: pids)

            // An edit reloads by itself (inotify): RELOADING=1, then READY=1.
            let before = ServiceNotifier.monotonicMicroseconds()
            try harness.rewriteConfig("uid 4251 a\nuid 4252 b\n")
            let reloading = try #require(try listener.waitFor { $0.hasPrefix("RELOADING=1") }, "\(listener.states)")
            let stamp = try #require(reloading.wholeMatch(of: /RELOADING=1\nMONOTONIC_USEC=(\d+)/)?.output.1)
            let microseconds = try #require(UInt64(stamp))
            #expect(microseconds >= before && microseconds <= ServiceNotifier.monotonicMicroseconds())
            let readyAgain = try listener.waitFor { $0.hasPrefix("READY=1") }
            #expect(readyAgain != nil, "no READY=1 after RELOADING=1: \(listener.states)")
            // The save may take a second reload (the same rules: unchanged); STATUS= shows the latest.
            let applied = try listener.waitFor { $0.contains("STATUS=") && $0.contains(/2 namespaces, 0 kernel drops; last reload (applied|unchanged)$/) }
            #expect(applied != nil, "\(listener.states)")

            // SIGHUP reloads too, here to the same rules.
            daemon.signal(SIGHUP)
            #expect(try listener.waitFor { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") } != nil)
            #expect(try listener.waitFor { $0.hasPrefix("READY=1") } != nil, "\(listener.states)")

            // A broken edit: the reload fails, the previous rules stay, READY=1 all the same.
            try harness.rewriteConfig("uid 4251 a\nfrob\n")
            #expect(try listener.waitFor { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") } != nil)
            #expect(try listener.waitFor { $0.hasPrefix("READY=1") } != nil, "\(listener.states)")
            let failed = try listener.waitFor { $0.hasSuffix("2 namespaces, 0 kernel drops; last reload failed, previous rules kept") }
            #expect(failed != nil, "\(listener.states)")

            daemon.signal(SIGTERM)
            #expect(try listener.waitFor { $0 == "STOPPING=1" } != nil, "\(listener.states)")
            #expect(try await daemon.waitForExit() == 0)
            _ = try listener.waitFor(within: .milliseconds(100)) { _ in false }
            #expect(listener.states.last == "STOPPING=1", "\(listener.states)")

            // The whole sequence: READY first, each RELOADING followed by a READY, STOPPING last.
            // (An editor's save may take two reloads: each is announced.)
            let kinds = listener.states.compactMap { $0.split(separator: "\n").first.map(String.init) }
                .filter { !$0.hasPrefix("STATUS=") }
            #expect(kinds.first == "READY=1" && kinds.last == "STOPPING=1", "\(listener.states)")
            let middle = kinds.dropFirst().dropLast()
            #expect(middle.count >= 6 && middle.count % 2 == 0, "\(listener.states)")
            for (index, kind) in middle.enumerated() {
                #expect(kind == (index % 2 == 0 ? "RELOADING=1" : "READY=1"), "\(listener.states)")
            }
            // STATUS= at most once a second (arrival times; 0.5 s of slack for a busy machine).
            let statusTimes = listener.messages.filter { $0.text.contains("STATUS=") }.map(\.at)
            for (earlier, later) in zip(statusTimes, statusTimes.dropFirst()) {
                #expect(later - earlier > .milliseconds(500), "\(listener.states)")
            }
            // The watchdog was pinged all along (about 15 in a couple of seconds).
            #expect(listener.messages.filter { $0.text == "WATCHDOG=1" }.count >= 3)
        }

        /// A notify socket whose queue is full never blocks the loop: the
        /// daemon keeps listing processes, counts the messages it dropped,
        /// says so once, and stops on SIGTERM.
        @Test func aNotifySocketNobodyReadsNeverStopsTheDaemon() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4254 a\n")
            // Bound, never read: its queue (net.unix.max_dgram_qlen) fills at once.
            let sink = try UnixDatagramReceiver(address: try #require(UnixSocketAddress(harness.root + "/notify")))
            // A ping every 10 ms.
            let daemon = try await harness.startDaemon(environment: ["NOTIFY_SOCKET=\(sink.address.text)", "WATCHDOG_USEC=20000"])
            // Enough pings and status lines to fill the queue many times over.
            _ = try await daemon.waitForLine { $0.contains("cannot notify systemd") }
            for round in 0..<3 {
                let sleeper = try harness.spawn(uid: 4254, ["/bin/sleep", "30"])
                try await harness.waitUntil(namespace: "a", is: [sleeper.pid])
                harness.killAndReap(sleeper)
                try await harness.waitUntil(namespace: "a", is: [])
                if round == 0 { try await Task.sleep(for: .milliseconds(300)) }
            }
            daemon.signal(SIGUSR1)
            let statistics = try #require(try await daemon.waitForLine { $0.hasSuffix("statistics") }, "\(harness.daemonLogTail())")
            let drops = Int(Daemon.metadata(statistics)["notify_drops"] ?? "") ?? 0
            #expect(drops > 0, "\(statistics)")
            let warnings = daemon.lines().filter { $0.contains("cannot notify systemd") }
            #expect(warnings.count == 1, "\(warnings)")
            try await daemon.stop()
            withExtendedLifetime(sink) {}
        }
    }
}

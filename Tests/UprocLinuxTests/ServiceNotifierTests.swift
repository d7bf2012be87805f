import Foundation
import Glibc
import Testing
import UprocLinux
import UprocTestSupport

/// A fresh address: a path in the tmpfs, or an abstract name.
private func uniqueAddress(abstract: Bool) -> UnixSocketAddress {
    let name = "uproc-notify-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    return UnixSocketAddress(abstract ? "@\(name)" : "/dev/shm/\(name)")!
}

private func text(_ bytes: [UInt8]?) -> String? {
    bytes.map { String(decoding: $0, as: UTF8.self) }
}

@Suite struct ServiceNotifierTests {
    @Test(arguments: [false, true])
    func sendsEachNotificationAsOneDatagram(abstract: Bool) throws {
        let receiver = try UnixDatagramReceiver(address: uniqueAddress(abstract: abstract))
        let notifier = try ServiceNotifier(notifySocket: receiver.address.text)
        #expect(notifier.isEnabled)

        try notifier.notify("READY=1\nSTATUS=312 processes, 40 namespaces")
        try notifier.notify("STOPPING=1")

        #expect(text(try receiver.receive(timeoutMilliseconds: 1000)) == "READY=1\nSTATUS=312 processes, 40 namespaces")
        #expect(text(try receiver.receive(timeoutMilliseconds: 1000)) == "STOPPING=1")
        #expect(try receiver.receive(timeoutMilliseconds: 0) == nil)
    }

    @Test(arguments: [nil, "", "relative/notify", "/" + String(repeating: "x", count: 200)] as [String?])
    func unsetOrUnusableSocketSendsNothing(value: String?) throws {
        let notifier = try ServiceNotifier(notifySocket: value)
        #expect(!notifier.isEnabled)
        try notifier.notify("READY=1")  // must not throw
    }

    /// A receiver that never reads fills its queue (net.unix.max_dgram_qlen);
    /// from then on each notification fails at once with EAGAIN.
    @Test func aFullQueueDropsTheMessageInsteadOfWaiting() throws {
        let receiver = try UnixDatagramReceiver(address: uniqueAddress(abstract: false))
        let notifier = try ServiceNotifier(notifySocket: receiver.address.text)
        var dropped: SystemCallError?
        for _ in 0..<10_000 where dropped == nil {
            do { try notifier.notify("WATCHDOG=1") } catch { dropped = error }
        }
        #expect(dropped?.errno == .resourceTemporarilyUnavailable, "\(String(describing: dropped))")
        // What was queued before is intact.
        #expect(text(try receiver.receive(timeoutMilliseconds: 1000)) == "WATCHDOG=1")
    }

    @Test func missingSocketIsAnError() throws {
        let notifier = try ServiceNotifier(notifySocket: "/dev/shm/uproc-notify-absent-\(getpid())")
        #expect(throws: SystemCallError.self) { try notifier.notify("READY=1") }
    }

    @Test func reloadingCarriesTheMonotonicClock() throws {
        let before = ServiceNotifier.monotonicMicroseconds()
        let message = ServiceNotifier.reloadingMessage()
        let after = ServiceNotifier.monotonicMicroseconds()
        let lines = message.split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        let field = try #require(lines.last)
        #expect(field.hasPrefix("MONOTONIC_USEC="))
        let value = try #require(UInt64(field.dropFirst("MONOTONIC_USEC=".count)))
        #expect(before <= value && value <= after)
        // Same clock as CLOCK_MONOTONIC read here.
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowMicroseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        #expect(nowMicroseconds >= value && nowMicroseconds - value < 1_000_000)
    }

    @Test(arguments: [
        ("30000000", nil, 15_000_000_000),  // 30 s → ping every 15 s
        ("30000000", "", 15_000_000_000),
        ("30000000", "4242", 15_000_000_000),  // our PID
        ("30000000", "4243", nil),  // meant for another process
        ("30000000", "abc", nil),
        ("0", nil, nil),
        ("-5", nil, nil),
        ("", nil, nil),
    ] as [(String, String?, UInt64?)])
    func watchdogIntervalIsHalfTheTimeout(usec: String, pid: String?, expected: UInt64?) {
        #expect(ServiceNotifier.watchdogInterval(usec: usec, pid: pid, ownPID: 4242) == expected)
    }

    @Test func watchdogOffWithoutTheVariable() {
        #expect(ServiceNotifier.watchdogInterval(usec: nil, pid: nil, ownPID: 1) == nil)
    }
}

@Suite struct JournalSocketTests {
    @Test func multiLineFieldUsesTheBinaryForm() {
        let encoded = JournalSocket.encode([("MESSAGE", "a\nb"), ("PRIORITY", "3")])
        let expected: [UInt8] = Array("MESSAGE\n".utf8) + [3, 0, 0, 0, 0, 0, 0, 0] + Array("a\nb\nPRIORITY=3\n".utf8)
        #expect(encoded == expected)
    }

    @Test func sendsOneDatagramPerEntry() throws {
        let receiver = try UnixDatagramReceiver(address: uniqueAddress(abstract: false))
        let journal = try JournalSocket(path: receiver.address.text)
        let message = "uproc.conf:3:7: error: unknown user 'alice'\nuid alice\n\t  ^"
        try journal.send([("MESSAGE", message), ("PRIORITY", "3"), ("SYSLOG_IDENTIFIER", "uprocd")])
        let datagram = try #require(try receiver.receive(timeoutMilliseconds: 1000))
        let fields = try JournalFields.parse(datagram)
        #expect(fields["MESSAGE"] == message)
        #expect(fields["PRIORITY"] == "3")
        #expect(fields["SYSLOG_IDENTIFIER"] == "uprocd")
        #expect(try receiver.receive(timeoutMilliseconds: 0) == nil)
    }

    @Test func absentJournalIsAnError() throws {
        let journal = try JournalSocket(path: "/dev/shm/uproc-journal-absent-\(getpid())")
        #expect(throws: SystemCallError.self) { try journal.send([("MESSAGE", "x")]) }
    }
}

@Suite struct JournalStreamTests {
    @Test func matchesOnlyTheStreamItNames() throws {
        let path = "/dev/shm/uproc-journal-stream-\(getpid())-\(UUID().uuidString.prefix(8))"
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd); unlink(path) }
        let other = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(other) }

        let identity = try #require(JournalStream.identity(of: fd))
        var status = stat()
        fstat(fd, &status)
        #expect(identity == "\(status.st_dev):\(status.st_ino)")
        #expect(JournalStream.isJournal(fd: fd, journalStream: identity))
        #expect(!JournalStream.isJournal(fd: other, journalStream: identity))
        #expect(!JournalStream.isJournal(fd: fd, journalStream: nil))
        #expect(!JournalStream.isJournal(fd: fd, journalStream: ""))
        #expect(!JournalStream.isJournal(fd: fd, journalStream: "\(status.st_dev):\(status.st_ino + 1)"))
        #expect(!JournalStream.isJournal(fd: fd, journalStream: "\(status.st_dev)"))
        #expect(!JournalStream.isJournal(fd: -1, journalStream: identity))
    }
}


@Suite struct WallClockTests {
    @Test func agreesWithFoundation() {
        let seconds = WallClock.secondsSinceEpoch()
        #expect(abs(seconds - Date().timeIntervalSince1970) < 1)
    }
}

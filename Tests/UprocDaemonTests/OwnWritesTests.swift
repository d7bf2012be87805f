import Foundation
import Testing
import UprocConfig
@testable import UprocDaemon
@testable import UprocLinux
import UprocRules
import UprocTestSupport

/// The publisher and the directory guard on a real loop, a real directory
/// and a real inotify watch: the daemon's own renames never wake the loop,
/// while a file someone else removes is written again at once.
@Suite struct OwnWritesTests {
    @Test func theDaemonsOwnRenamesLeaveTheLoopNothingToWakeFor() throws {
        try Kernel.require()
        let directory = try TemporaryDirectory()
        var options = DaemonOptions()
        options.directory = directory.path + "/out"
        options.minimumInterval = 0
        let config = try ConfigLoader.compile(.init(path: "t.conf", text: "uid 4287 a\nuid 4288 b\n"), accounts: SystemAccounts())
        let state = DaemonState(options: options, logger: LogRecords().logger, config: config)
        let publisher = try Publisher(state: state)
        defer { publisher.removeAll() }
        let loop = try EventLoop()
        // Someone else's change right before a round's writes (set below).
        var removeBeforeWrites: String?
        loop.addPostHandler {
            if let path = removeBeforeWrites { unlink(path) }
            removeBeforeWrites = nil
        }
        try publisher.attach(to: loop)
        publisher.publishDue()
        // The start's writes: the first round reads their events.
        loop.runOnce(timeoutMilliseconds: 0)
        #expect(!Self.readable(loop))

        for pid: Int32 in 4_000_001...4_000_005 {
            state.tracker.upsert(pid, ProcessIdentity(uid: 4287, gid: 0, comm: ProcessName()))
            state.tracker.upsert(pid + 10, ProcessIdentity(uid: 4288, gid: 0, comm: ProcessName()))
            loop.runOnce(timeoutMilliseconds: 0)  // the post handlers write a and b
            #expect(Self.contents(options.directory + "/a")?.hasSuffix("\(pid)\n") == true)
            // Nothing is left that would wake the loop: its own renames were read.
            #expect(!Self.readable(loop), "the loop would wake for the daemon's own renames")
        }

        // Someone else removes a file: the loop wakes and writes it again.
        #expect(unlink(options.directory + "/b") == 0)
        #expect(Self.readable(loop))
        loop.runOnce(timeoutMilliseconds: 1000)
        #expect(Self.contents(options.directory + "/b") == (4_000_011...4_000_015).map { "\($0)\n" }.joined())
        #expect(publisher.directoryGuard.repairs.value == 1)
        #expect(!Self.readable(loop))

        // Removed in the round that writes another file: read with the
        // daemon's own events, and repaired in the very next round.
        removeBeforeWrites = options.directory + "/b"
        state.tracker.upsert(4_000_006, ProcessIdentity(uid: 4287, gid: 0, comm: ProcessName()))
        loop.runOnce(timeoutMilliseconds: 0)
        #expect(Self.contents(options.directory + "/a")?.hasSuffix("4000006\n") == true)
        #expect(Self.contents(options.directory + "/b") == nil)
        // Not at the next inspection (a second away): the loop wakes for it at once.
        let before = MonotonicClock.nanoseconds()
        loop.runOnce(timeoutMilliseconds: 5000)
        #expect(MonotonicClock.nanoseconds() - before < 500_000_000)
        #expect(Self.contents(options.directory + "/b") == (4_000_011...4_000_015).map { "\($0)\n" }.joined())
        #expect(publisher.directoryGuard.repairs.value == 2)
        #expect(!Self.readable(loop))
    }

    /// Whether the loop's epoll descriptor has anything ready (a wake-up).
    static func readable(_ loop: EventLoop) -> Bool {
        var poller = pollfd(fd: loop.fileDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, 0) == 1
    }

    static func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}

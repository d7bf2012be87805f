import Foundation
import SystemPackage
import Testing
import UprocLinux

/// A scratch directory under /dev/shm for one test.
private final class Scratch {
    let path = "/dev/shm/uproc-watch-\(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF)"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The watcher thread over libinotifytools, in this process. libinotifytools
/// has one global state per process: these tests run one at a time.
@Suite(.serialized) struct ConfigWatcherTests {
    /// Waits (up to `limit`) until the eventfd is readable; then takes the events.
    private func events(from watcher: ConfigWatcher, within limit: Duration = .seconds(2)) async throws -> WatchBatch {
        let end = ContinuousClock.now + limit
        var batch = WatchBatch()
        func take() {
            let more = watcher.takeEvents()
            batch.events += more.events
            batch.problems += more.problems
            batch.dropped += more.dropped
        }
        // Until the deadline, however late a loaded machine wakes this task;
        // then once more.
        while ContinuousClock.now < end {
            var poller = pollfd(fd: watcher.wakeUp.fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 20) == 1 { take() }
            try await Task.sleep(for: .milliseconds(5))
        }
        take()
        return batch
    }

    @Test func aRenameOverTheWatchedNameIsReportedAndOtherNamesAreNot() async throws {
        let scratch = try Scratch()
        let config = scratch.path + "/uproc.conf"
        try "uid 1 a\n".write(toFile: config, atomically: false, encoding: .utf8)
        let watcher = try ConfigWatcher()
        watcher.watch([config])
        try watcher.start()
        try "noise\n".write(toFile: scratch.path + "/other", atomically: true, encoding: .utf8)
        try "uid 2 b\n".write(toFile: config, atomically: true, encoding: .utf8)  // temp + rename
        let batch = try await events(from: watcher, within: .seconds(2))
        #expect(batch.problems == [])
        #expect(!batch.events.isEmpty)
        #expect(batch.events.allSatisfy { $0.kind == .changed && $0.path == config }, "\(batch.events)")

        // After the rename the new inode's edits are seen too (the watch is on the directory).
        try "uid 3 c\n".write(toFile: config, atomically: false, encoding: .utf8)
        let again = try await events(from: watcher, within: .seconds(2))
        #expect(again.events.contains { $0.path == config }, "\(again.events)")
        watcher.stop()
    }

    @Test func stopEndsTheThreadWithoutWaitingForItsTimeout() throws {
        let scratch = try Scratch()
        let watcher = try ConfigWatcher()
        watcher.watch([scratch.path + "/uproc.conf"])
        try watcher.start()
        let start = ContinuousClock.now
        watcher.stop()
        #expect(ContinuousClock.now - start < .milliseconds(900))
    }

    @Test func aDirectoryThatAppearsLaterIsWatchedThen() async throws {
        let scratch = try Scratch()
        let later = scratch.path + "/later"
        let watcher = try ConfigWatcher()
        watcher.watch([later + "/uproc.conf"])
        try watcher.start()
        let first = try await events(from: watcher, within: .milliseconds(200))
        #expect(first.problems.count == 1 && first.problems[0].hasPrefix("cannot watch \(later):"), "\(first.problems)")
        try FileManager.default.createDirectory(atPath: later, withIntermediateDirectories: false)
        try await Task.sleep(for: .milliseconds(1200))  // the thread retries each second
        try "uid 1 a\n".write(toFile: later + "/uproc.conf", atomically: true, encoding: .utf8)
        let batch = try await events(from: watcher, within: .seconds(2))
        #expect(batch.events.contains { $0.path == later + "/uproc.conf" }, "\(batch.events)")
        watcher.stop()
    }

    @Test func symlinkChainsListEveryHop() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/v", withIntermediateDirectories: false)
        try "x".write(toFile: scratch.path + "/v/real", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/v/current", withDestinationPath: "real")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/uproc.conf", withDestinationPath: scratch.path + "/v/current")
        #expect(WatchedPaths.chain(scratch.path + "/uproc.conf") == [
            scratch.path + "/uproc.conf", scratch.path + "/v/current", scratch.path + "/v/real",
        ])
        #expect(WatchedPaths.chain("/etc//./uproc.conf") == ["/etc/uproc.conf"])
        #expect(WatchedPaths.directory(of: "/uproc.conf") == "/")
        #expect(WatchedPaths.join("/", "uproc.conf") == "/uproc.conf")
    }
}

@Suite struct FileReadingTests {
    @Test func aFIFOWithoutWriterIsRefusedAtOnce() throws {
        let scratch = try Scratch()
        let fifo = scratch.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: FileReadError.notRegularFile(path: fifo)) { try FileReading.read(fifo, limit: 1 << 20) }
        #expect(throws: FileReadError.system(path: scratch.path, errno: .isDirectory)) { try FileReading.read(scratch.path, limit: 1 << 20) }
        try "uid 1 a\n".write(toFile: scratch.path + "/f", atomically: false, encoding: .utf8)
        #expect(try FileReading.read(scratch.path + "/f", limit: 1 << 20) == Array("uid 1 a\n".utf8))
    }
}

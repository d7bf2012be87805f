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
    /// Takes the events for `limit`, or until `done` holds for what was taken.
    private func events(from watcher: ConfigWatcher, within limit: Duration = .seconds(2),
                        until done: (WatchBatch) -> Bool = { _ in false }) async throws -> WatchBatch {
        let end = ContinuousClock.now + limit
        var batch = WatchBatch()
        func take() {
            let more = watcher.takeEvents()
            batch.events += more.events
            batch.problems += more.problems
            batch.dropped += more.dropped
            batch.established = batch.established || more.established
        }
        // Until the deadline, however late a loaded machine wakes this task;
        // then once more.
        while ContinuousClock.now < end {
            var poller = pollfd(fd: watcher.wakeUp.fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 20) == 1 { take() }
            if done(batch) { return batch }
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

    @Test func aDirectoryThatAppearsLaterIsWatchedAtOnce() async throws {
        let scratch = try Scratch()
        let later = scratch.path + "/later"
        let watcher = try ConfigWatcher()
        watcher.watch([later + "/uproc.conf"])
        try watcher.start()
        let first = try await events(from: watcher, within: .milliseconds(200))
        #expect(first.problems.isEmpty && first.established, "\(first.problems)")
        // Its parent is watched: seen at once, no second of retrying.
        let start = ContinuousClock.now
        try FileManager.default.createDirectory(atPath: later, withIntermediateDirectories: false)
        let created = try await events(from: watcher, within: .seconds(5)) { $0.established }
        #expect(created.established && ContinuousClock.now - start < .milliseconds(900), "\(created.events)")
        try "uid 1 a\n".write(toFile: later + "/uproc.conf", atomically: true, encoding: .utf8)
        let batch = try await events(from: watcher, within: .seconds(5)) { $0.events.contains { $0.path == later + "/uproc.conf" } }
        #expect(batch.events.contains { $0.path == later + "/uproc.conf" }, "\(batch.events)")
        watcher.stop()
    }

    /// `rm -rf DIR; mkdir DIR`: the new directory is watched, every later edit seen.
    @Test func aDirectoryDeletedAndMadeAgainIsWatchedAgain() async throws {
        let scratch = try Scratch()
        let directory = scratch.path + "/conf"
        let config = directory + "/uproc.conf"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try "uid 1 a\n".write(toFile: config, atomically: true, encoding: .utf8)
        let watcher = try ConfigWatcher()
        watcher.watch([config])
        try watcher.start()
        _ = try await events(from: watcher, within: .milliseconds(100))
        for round in 0..<3 {
            try FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            try "uid 2 b\n".write(toFile: config, atomically: true, encoding: .utf8)
            let recreated = try await events(from: watcher, within: .seconds(5)) { $0.established }
            #expect(recreated.established, "round \(round): \(recreated.events)")
            // Had the thread looked between the rm and the mkdir, the mkdir sets up the watches once more.
            _ = try await events(from: watcher, within: .milliseconds(300))
            try "uid 3 c\n".write(toFile: config, atomically: true, encoding: .utf8)
            let edited = try await events(from: watcher, within: .seconds(5)) { $0.events.contains { $0.path == config } }
            #expect(edited.events.contains { $0.path == config }, "round \(round): \(edited.events)")
            #expect(edited.problems.isEmpty)
        }
        watcher.stop()
    }

    /// A directory symlink on the way: an edit in the directory it leads to
    /// is seen, the link pointed elsewhere sets the watches up anew, and an
    /// edit there is seen.
    @Test func aDirectorySymlinkIsFollowed() async throws {
        let scratch = try Scratch()
        let files = FileManager.default
        try files.createDirectory(atPath: scratch.path + "/v1", withIntermediateDirectories: false)
        try files.createDirectory(atPath: scratch.path + "/v2", withIntermediateDirectories: false)
        try "uid 1 a\n".write(toFile: scratch.path + "/v1/uproc.conf", atomically: true, encoding: .utf8)
        try "uid 2 b\n".write(toFile: scratch.path + "/v2/uproc.conf", atomically: true, encoding: .utf8)
        try files.createSymbolicLink(atPath: scratch.path + "/cur", withDestinationPath: "v1")
        let config = scratch.path + "/cur/uproc.conf"
        let watcher = try ConfigWatcher()
        watcher.watch([config])
        try watcher.start()
        _ = try await events(from: watcher, within: .milliseconds(100))

        try "uid 3 c\n".write(toFile: scratch.path + "/v1/uproc.conf", atomically: true, encoding: .utf8)
        let edited = try await events(from: watcher, within: .seconds(5)) { $0.events.contains { $0.path == scratch.path + "/v1/uproc.conf" } }
        #expect(edited.events.contains { $0.path == scratch.path + "/v1/uproc.conf" }, "\(edited.events)")

        try files.createSymbolicLink(atPath: scratch.path + "/cur.new", withDestinationPath: "v2")
        #expect(rename(scratch.path + "/cur.new", scratch.path + "/cur") == 0)
        // The link leads elsewhere: the watches are set up anew, for the caller to compare.
        let swapped = try await events(from: watcher, within: .seconds(5)) { $0.established }
        #expect(swapped.established, "\(swapped.events)")
        try "uid 4 d\n".write(toFile: scratch.path + "/v2/uproc.conf", atomically: true, encoding: .utf8)
        let followed = try await events(from: watcher, within: .seconds(5)) { $0.events.contains { $0.path == scratch.path + "/v2/uproc.conf" } }
        #expect(followed.events.contains { $0.path == scratch.path + "/v2/uproc.conf" }, "\(followed.events)")
        // The old target is no longer a concern.
        try "uid 5 e\n".write(toFile: scratch.path + "/v1/uproc.conf", atomically: true, encoding: .utf8)
        let old = try await events(from: watcher, within: .milliseconds(300))
        #expect(!old.events.contains { $0.path.hasPrefix(scratch.path + "/v1/") }, "\(old.events)")
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

    /// Every name looked up on the way, as the kernel resolves the path:
    /// through directory symlinks (a Kubernetes ConfigMap volume's
    /// `..data`), `..` after a link, to the first missing name.
    @Test func lookupsFollowTheKernelsResolution() throws {
        let scratch = try Scratch()
        let files = FileManager.default
        let base = scratch.path
        let ancestors = WatchedPaths.lookups(base).map(\.path)
        #expect(ancestors == ["/dev", "/dev/shm", base])
        func lookups(_ path: String) -> [String] { WatchedPaths.lookups(path).map(\.path).filter { !ancestors.contains($0) } }

        try files.createDirectory(atPath: base + "/k/..2026_a", withIntermediateDirectories: true)
        try "x".write(toFile: base + "/k/..2026_a/uproc.conf", atomically: false, encoding: .utf8)
        try files.createSymbolicLink(atPath: base + "/k/..data", withDestinationPath: "..2026_a")
        try files.createSymbolicLink(atPath: base + "/k/uproc.conf", withDestinationPath: "..data/uproc.conf")
        #expect(lookups(base + "/k/uproc.conf") == [
            base + "/k", base + "/k/uproc.conf", base + "/k/..data", base + "/k/..2026_a", base + "/k/..2026_a/uproc.conf",
        ])
        #expect(WatchedPaths.lookups(base + "/k/uproc.conf").last?.directory == base + "/k/..2026_a")

        // `..` after a link is the parent of where the link led.
        try files.createDirectory(atPath: base + "/deep/er", withIntermediateDirectories: true)
        try files.createSymbolicLink(atPath: base + "/up", withDestinationPath: "deep/er")
        #expect(lookups(base + "/up/../uproc.conf") == [base + "/up", base + "/deep", base + "/deep/er", base + "/deep/uproc.conf"])

        // A missing name ends the lookups: its directory sees it appear.
        #expect(lookups(base + "/missing/uproc.conf") == [base + "/missing"])
        // A loop ends after 40 links.
        try files.createSymbolicLink(atPath: base + "/loop", withDestinationPath: "loop")
        #expect(lookups(base + "/loop") == [base + "/loop"])
        // A relative path is taken from the working directory.
        #expect(WatchedPaths.lookups("uproc.conf").last?.directory == FileManager.default.currentDirectoryPath)
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

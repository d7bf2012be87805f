import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// A full tmpfs (64 KiB, 1,000 namespaces): every file stays whole, errors are
    /// throttled, and everything is written once there is room.
    @Suite struct FullFileSystem {
        @Test func underENOSPCEveryFileStaysErrorsAreThrottledAndEverythingCatchesUp() async throws {
            try Kernel.require()
            var config = "uid 4256 a\n"
            for index in 1..<1000 { config += "cmd uproctest\(index) n\(index)\n" }
            let harness = try Harness(config: config)
            let small = harness.root + "/small"
            try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: false)
            let mounted = try await harness.run(["/bin/mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", small])
            #expect(mounted.exit == .exited(0), "mount: \(mounted.output)")
            defer { umount2(small, Int32(MNT_DETACH)) }
            let out = small + "/out"
            let arguments = ["-c", harness.config, "--min-interval", "1", "--log-level", "debug", out]
            let first = try await harness.startDaemon(arguments: arguments)
            let before = try FileManager.default.contentsOfDirectory(atPath: out).count
            #expect(before == 1001, "1,000 namespace files and the record")

            // Fill the file system, then make `a` change.
            _ = try await harness.run(["/bin/dd", "if=/dev/zero", "of=\(small)/filler", "bs=4096"])
            let sleeper = try harness.spawn(uid: 4256, ["/bin/sleep", "30"])
            try await Task.sleep(for: .milliseconds(1500))
            #expect(harness.contentOf(out + "/a") == "", "the previous file stays, never partial")
            let errors = first.lines().filter { $0.contains("cannot write namespace file") }
            #expect((1...2).contains(errors.count), "error lines in 1.5 s of failing writes: \(errors.count)\(harness.daemonLogTail())")

            // A restart on the full file system keeps every file.
            first.signal(SIGKILL)
            _ = try await first.waitForExit()
            let second = try await harness.startDaemon(arguments: arguments)
            // (A write being retried may show its temporary for a moment.)
            let entries = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".uprocd.tmp.") }
            #expect(entries.count == 1001)
            #expect(harness.contentOf(out + "/a") == "")

            // Space returns: the change is written at once.
            unlink(small + "/filler")
            let freed = ContinuousClock.now
            let end = freed + .seconds(2)
            while harness.contentOf(out + "/a") != "\(sleeper.pid)\n" && ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(1))
            }
            let caughtUp = ContinuousClock.now - freed
            #expect(harness.contentOf(out + "/a") == "\(sleeper.pid)\n")
            #expect(caughtUp < .milliseconds(250), "caught up after \(caughtUp)")
            print("ENOSPC: caught up \(caughtUp) after space returned")
            let back = try await second.waitForLine(within: .seconds(2)) { $0.contains("namespace files written again") }
            #expect(back != nil, "no line saying writes succeed again\(harness.daemonLogTail())")
            try await second.stop()
            #expect(try FileManager.default.contentsOfDirectory(atPath: out) == [])
        }
    }
}

extension Harness {
    /// The text of the file at `path`, or nil when it does not exist.
    func contentOf(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}

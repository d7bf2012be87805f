import Foundation
import Testing
import UprocLinux
import UprocTestSupport

/// Start-up writes one (mostly empty) file per namespace. Prints the figures;
/// the bound is loose (a debug build on a shared 2-core machine) and catches
/// only pathological slowness, such as per-file work growing with the count.
@Suite(.serialized) struct PublishSpeedTests {
    static let count = 100_000
    static let names = (0..<count).map { "uid.\($0)" }

    @Test func oneHundredThousandEmptyFilesAtStartUp() throws {
        let path = freshShmPath("speed")
        defer { removeTree(path) }

        var fast: UInt64 = 0
        var removal: UInt64 = 0
        do {
            let directory = try NamespaceDirectory(path: path)
            let start = MonotonicClock.nanoseconds()
            for name in Self.names { try directory.publishEmptyNew(name) }
            fast = MonotonicClock.nanoseconds() - start
            let startRemoval = MonotonicClock.nanoseconds()
            directory.removeAll(Self.names)
            removal = MonotonicClock.nanoseconds() - startRemoval
        }

        let again = try NamespaceDirectory(path: path)
        let startAtomic = MonotonicClock.nanoseconds()
        for name in Self.names { try again.publish(name, pids: EmptyCollection<Int32>()) }
        let atomic = MonotonicClock.nanoseconds() - startAtomic

        print("publishEmptyNew x\(Self.count): \(fast / 1_000_000) ms; publish (temp+rename) x\(Self.count): "
            + "\(atomic / 1_000_000) ms; removeAll of \(Self.count): \(removal / 1_000_000) ms")
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).count == Self.count)
        #expect(fast < 3_000_000_000)
    }
}

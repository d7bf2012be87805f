import Foundation
import Glibc
import Testing
import UprocLinux
import UprocTestSupport

@Suite struct ProcessUsageReaderTests {
    /// `utime` 14, `stime` 15, `starttime` 22, `rss` 24, counted after the
    /// last ')' (a comm may hold spaces and parentheses).
    @Test func statFieldsAreCountedAfterTheLastParenthesis() throws {
        let line = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 17 4 0 0 20 0 1 0 5678 10000000 321 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let fields = try #require(Array(line.utf8).withUnsafeBytes { ProcessUsageReader.statFields($0) })
        #expect(fields == ProcessUsageReader.StatFields(userTicks: 17, systemTicks: 4, startTicks: 5678, residentPages: 321))
    }

    @Test func aCutOrGarbledStatLineIsNotParsed() {
        for text in ["4242 (sh) S 1 2 3", "", "no parenthesis 1 2 3", "4242 (sh) S 1 2 3 4 5 6 7 8 9 10 x 0 0 20 0 1 0 5 1 2 3"] {
            #expect(Array(text.utf8).withUnsafeBytes { ProcessUsageReader.statFields($0) } == nil, "\(text)")
        }
    }

    @Test func ioFieldsAreReadByName() throws {
        let text = "rchar: 100\nwchar: 200\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 1052672\ncancelled_write_bytes: 0\n"
        let io = try #require(Array(text.utf8).withUnsafeBytes { ProcessUsageReader.ioFields($0) })
        #expect(io.readBytes == 4096 && io.writeBytes == 1_052_672)
        #expect(Array("rchar: 1\n".utf8).withUnsafeBytes { ProcessUsageReader.ioFields($0) } == nil)
    }

    @Test(.enabled(if: Kernel.available, Kernel.reason))
    func readsALiveProcessAndTellsAGoneOne() throws {
        try Kernel.require()
        let reader = try ProcessUsageReader()
        guard case .found(let sample) = reader.read(getpid()) else {
            Issue.record("cannot read this process")
            return
        }
        #expect(sample.residentBytes > 1 << 20 && sample.hasIO && sample.startTicks > 0)
        let gone = try ReapedChild.run(["/bin/true"])
        #expect(reader.read(gone.pid) == .gone)
        #expect(reader.read(-1) == .gone)
    }

    /// Resident memory is what the process touched: a `dd` with a 64 MiB
    /// buffer it keeps filling.
    @Test(.enabled(if: Kernel.available, Kernel.reason))
    func residentMemoryOfAProcessThatTouches64MiB() throws {
        try Kernel.require()
        let reader = try ProcessUsageReader()
        let child = try Child(["/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=64M"])
        defer {
            child.signal(SIGKILL)
            child.reap(within: .seconds(5))
        }
        var resident: UInt64 = 0
        poll {
            if case .found(let sample) = reader.read(child.pid) { resident = sample.residentBytes }
            return resident >= 64 << 20
        }
        #expect(resident >= 64 << 20 && resident < 96 << 20, "resident \(resident >> 20) MiB")
    }

    /// Writes to a disk count in `write_bytes` as they are made (on tmpfs
    /// they never would): a `dd` that wrote 1 MiB synchronously and waits
    /// for more input.
    @Test(.enabled(if: Kernel.available, Kernel.reason))
    func writesToADiskCountWhileTheProcessLives() throws {
        try Kernel.require()
        let reader = try ProcessUsageReader()
        let directory = try TemporaryDirectory(onDisk: true)
        let input = try ChildPipe()
        let child = try Child(["/bin/dd", "of=\(directory.path)/out", "bs=1M", "count=2", "iflag=fullblock", "oflag=dsync"],
                              stdin: .fd(input.read))
        close(input.read)
        defer {
            close(input.write)
            child.reap(within: .seconds(5))
        }
        let block = [UInt8](repeating: 7, count: 1 << 20)
        #expect(block.withUnsafeBytes { write(input.write, $0.baseAddress, $0.count) } == 1 << 20)
        var written: UInt64 = 0
        poll {
            if case .found(let sample) = reader.read(child.pid) { written = sample.usage.writeBytes }
            return written >= 1 << 20
        }
        #expect(written >= 1 << 20, "write_bytes \(written)")
    }

    /// Calls `check` every 10 ms until it holds or 10 s pass, and once more
    /// after the last wait, however long that took on a loaded machine.
    private func poll(_ check: () -> Bool) {
        let deadline = ContinuousClock.now + .seconds(10)
        while !check() && ContinuousClock.now < deadline { usleep(10_000) }
    }
}

import Foundation

/// The kernel threads `/proc` lists, with the names their `stat` shows (the
/// name `pgrep -x` matches). On Linux 6.18 many are longer than a process's
/// 15 bytes: `pool_workqueue_release`, `kworker/0:1-events`.
public enum KernelThreads {
    public struct Thread: Sendable, CustomStringConvertible {
        public var pid: Int32
        public var name: String
        public var description: String { "\(pid) (\(name))" }
    }

    /// `PF_KTHREAD` in the flags of `/proc/PID/stat` (field 9).
    static let kernelThreadFlag: UInt = 0x0020_0000

    /// Every kernel thread now, by PID.
    public static func list() -> [Thread] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.sorted().compactMap { pid in
            guard let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
                  let open = stat.firstIndex(of: UInt8(ascii: "(")),
                  let close = stat.lastIndex(of: UInt8(ascii: ")")), close > open else { return nil }
            let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
            // fields[0] is the state (field 3), so field 9 is fields[6].
            guard fields.count > 6, let flags = UInt(String(decoding: fields[6], as: UTF8.self)),
                  flags & kernelThreadFlag != 0 else { return nil }
            return Thread(pid: pid, name: String(decoding: stat[(open + 1)..<close], as: UTF8.self))
        }
    }

    /// Kernel threads whose names are over 15 bytes and stay as they are:
    /// not workqueue workers (`kworker/…`), whose names show their last work
    /// item and change on their own; and names `pgrep` and a quoted `cmd`
    /// take literally.
    public static func longStableNames() -> [Thread] {
        list().filter { thread in
            thread.name.utf8.count > 15 && !thread.name.hasPrefix("kworker/")
                && thread.name.utf8.allSatisfy { $0 < 0x80 && (isalnum(Int32($0)) != 0 || "_/:-".utf8.contains($0)) }
        }
    }

    /// A kernel thread to test with: one with a long stable name (Linux
    /// 6.18 has several), or on a kernel without any, one with a stable name.
    public static func sample() -> Thread? {
        longStableNames().first ?? list().first { $0.name == "kthreadd" } ?? list().first { !$0.name.hasPrefix("kworker/") }
    }

    /// The PIDs `pgrep -x name` lists, ascending.
    public static func pgrep(exactly name: String) throws -> [Int32] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        process.arguments = ["-x", name]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Int32($0) }.sorted()
    }
}

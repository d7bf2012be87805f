import Glibc

/// A child process that exits at once: its FORK and EXIT events prove that
/// the kernel's process events reach us.
public enum TrivialChild {
    /// Forks a child that calls `_exit(0)` at once. The corresponding C
    /// function is `fork`.
    public static func start() throws(SystemCallError) -> Int32 {
        let pid = try syscall("fork") { fork() }.value()
        if pid == 0 { _exit(0) }
        return pid
    }

    /// Waits for `pid` to end and reaps it. The corresponding C function is
    /// `waitpid`.
    public static func reap(_ pid: Int32) {
        var status: Int32 = 0
        _ = syscall("waitpid") { waitpid(pid, &status, 0) }
    }

    /// Why a process here might get no events although the subscription
    /// was accepted: a non-initial PID or user namespace. Nil when neither
    /// shows in `/proc/self`.
    public static func namespaceObstacle() -> String? {
        if let status = try? FileReading.read("/proc/self/status", limit: 16_384) {
            let text = String(decoding: status, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }),
               line.split(whereSeparator: { $0 == " " || $0 == "\t" }).count > 2 {
                return "uprocd runs in a non-initial PID namespace (\(line.replacingTabs)): the kernel sends process events only to the initial one"
            }
        }
        if let map = try? FileReading.read("/proc/self/uid_map", limit: 4096) {
            let fields = String(decoding: map, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            if fields != ["0", "0", "4294967295"] {
                return "uprocd runs in a non-initial user namespace (uid_map: \(fields.joined(separator: " "))): the kernel sends process events only to the initial one"
            }
        }
        return nil
    }
}

extension Substring {
    fileprivate var replacingTabs: String { String(self).split(separator: "\t").joined(separator: " ") }
}

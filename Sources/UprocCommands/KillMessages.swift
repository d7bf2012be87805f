import UprocConfig
import UprocKill
import UprocLinux

/// The words and exit statuses of uproc-kill (the man page lists the same).
enum KillMessages {
    static let fatalStatus: Int32 = 2
    static let noneStatus: Int32 = 1
    static let timeoutStatus: Int32 = 3

    static func status(of report: KillReport) -> Int32 {
        if report.signalledCount == 0 { return noneStatus }
        if !report.stillRunning.isEmpty { return timeoutStatus }
        return 0
    }

    /// Standard output (dry run: `PID COMM` lines, like `pgrep -a`) and
    /// standard error (refusals, failures, processes outliving --timeout).
    static func describe(_ report: KillReport, timeout: Double?) -> (String, String) {
        var output = ""
        var errors = ""
        for outcome in report.outcomes {
            switch outcome.result {
            case .signalled where report.dryRun:
                output += "\(outcome.pid) \(outcome.comm.map { "\($0)" } ?? "")\n"
            case .refused(let error), .failed(let error):
                errors += "uproc-kill: cannot signal \(process(outcome)): \(error.errno.description)\n"
            case .signalled, .exited, .notMember:
                break
            }
        }
        for outcome in report.stillRunning {
            errors += "uproc-kill: \(process(outcome)) still running" + (timeout.map { " after \(format($0)) s" } ?? "") + "\n"
        }
        return (output, errors)
    }

    static func describe(_ error: KillError) -> String {
        switch error {
        case .config(.invalid(let diagnostics, _)):
            return diagnostics  // as uproc-check prints them
        default:
            return "uproc-kill: error: \(sentence(error))\n"
        }
    }

    private static func sentence(_ error: KillError) -> String {
        switch error {
        case .directoryUnusable(let path, let error):
            switch error.errno {
            case .noSuchFileOrDirectory: return "\(path): no such directory (is uprocd running?)"
            case .tooManySymbolicLinkLevels: return "\(path): is a symbolic link; refusing to trust it"
            case .notDirectory: return "\(path): not a directory"
            default: return "\(path): \(error.errno.description)"
            }
        case .directoryUntrusted(let path, let problem):
            return "\(path): \(words(problem)); refusing to trust its namespace files"
        case .invalidNamespaceName(let name, let problem):
            return "invalid namespace name '\(name)': \(problem)"
        case .noSuchNamespace(let name, let directory):
            return "no such namespace '\(name)' (no file \(directory)/\(name))"
        case .notServed(let directory, let name):
            return "no uprocd serves \(directory) (nothing holds its lock, and it has no file '\(name)'); "
                + "is uprocd running with this directory?"
        case .namespaceUnreadable(_, let path, let error):
            if error.errno == .tooManySymbolicLinkLevels { return "\(path): is a symbolic link; refusing to trust it" }
            return "\(path): \(error.errno.description)"
        case .namespaceTooLarge(_, let path, let limit):
            return "\(path): larger than \(limit >> 20) MiB; refusing to read it"
        case .namespaceUntrusted(_, let path, let problem):
            return "\(path): \(words(problem)); refusing to trust it"
        case .namespaceMalformed(_, let path, .notAPID(let line)):
            return "\(path):\(line): not a PID; not a namespace file of uprocd"
        case .config(let error):
            return error.description
        case .namespaceNotInRules(let name, let origin):
            return "namespace '\(name)' has no rule in \(origin); give uprocd's config with -c"
        case .pidfdUnsupported:
            return "this kernel has no pidfd_open (Linux 5.3 or later is needed to signal without PID reuse races)"
        case .procUnreadable(let error):
            return "cannot read /proc: \(error)"
        }
    }

    private static func words(_ problem: FileTrust.Problem) -> String {
        switch problem {
        case .wrongKind(.directory): return "is a directory"
        case .wrongKind(.regular): return "not a directory"
        case .wrongKind(.other): return "not a regular file"
        case .foreignOwner(let uid): return "owned by UID \(uid), neither root nor the caller"
        case .writableByOthers(let permissions):
            let who: String
            switch (permissions & 0o020 != 0, permissions & 0o002 != 0) {
            case (true, true): who = "group and others"
            case (true, false): who = "group"
            default: who = "others"
            }
            return "writable by \(who) (mode \(String(permissions, radix: 8)))"
        }
    }

    private static func process(_ outcome: ProcessOutcome) -> String {
        "pid \(outcome.pid)" + (outcome.comm.map { " (\($0))" } ?? "")
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

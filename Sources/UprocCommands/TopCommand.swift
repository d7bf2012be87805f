import ArgumentParser
import UprocAccounting
import UprocConfig
import UprocLinux
import UprocRules
import UprocTop

/// uproc-top: what the processes of each accounted namespace use, as `top`
/// shows processes, from the accounting files uprocd keeps.
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uproc-top",
        abstract: "Show what the processes of each uprocd namespace use: CPU, memory, I/O and exits.",
        usage: "uproc-top [--once] [-d <seconds>] [--sort <key>] [-n <count>] [<directory>]",
        discussion: """
            One row per accounted namespace (uprocd --account, or the namespaces its metrics \
            file exports; see uprocd(8), ACCOUNTING), read from DIRECTORY/.accounting: \
            processes, CPU in % of one core and read and write rates over uprocd's last \
            interval, resident memory, and exits and failures (a non-zero code or a signal) \
            since counting began. The first line sums every namespace read. The table fits \
            the terminal's width: long names are cut (marked +), then the least telling \
            columns go. Files this user may not read (under hidepid, another user's \
            namespaces) are not shown, and counted on a last line.

            On a terminal the table is redrawn every --delay seconds until q (or Ctrl-C) is \
            pressed; --once prints one table and exits.

            Exit status: 0 success; 1 the accounting directory cannot be read (uprocd not \
            running on DIRECTORY, or accounting nothing); 64 bad usage.
            """,
        version: "uproc-top \(uprocVersion)")

    @Flag(help: "Print one table and exit.")
    var once = false

    @Option(name: [.short, .customLong("delay")], help: ArgumentHelp("Seconds between two tables, a decimal number from 0.1 to 3600.", valueName: "seconds"))
    var delay: String = "1"

    @Option(help: ArgumentHelp("Sort rows by cpu, mem, read, write, procs, exits, failed or name; largest first, names in order.", valueName: "key"))
    var sort: String = "cpu"

    @Option(name: .customShort("n"), help: ArgumentHelp("Show at most this many rows (default: all that fit).", valueName: "count"))
    var count: Int?

    @Argument(help: ArgumentHelp("Directory of namespace files, as given to uprocd.", valueName: "directory"))
    var directory: String = DefaultPaths.directory

    func validate() throws {
        guard let seconds = Double(delay), seconds >= 0.1, seconds <= 3600 else {
            throw ValidationError("--delay must be a decimal number of seconds from 0.1 to 3600, not '\(delay)'")
        }
        guard TopSortKey(rawValue: sort) != nil else {
            throw ValidationError("unknown sort key '\(sort)' (\(TopSortKey.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if let count, count < 0 { throw ValidationError("-n cannot be negative") }
    }

    func run() throws {
        let path = directory + "/" + AccountingFile.directoryName
        let sortKey = TopSortKey(rawValue: sort) ?? .cpu
        if once || !Terminal.isTerminal(1) {
            guard let lines = frame(path, sortKey, rows: nil) else { throw ExitCode.failure }
            StandardStreams.write(lines.joined(separator: "\n") + "\n", "")
            if once { return }
        }
        try loop(path, sortKey)
    }

    /// One table's lines for the terminal's size (rows: its height), or
    /// nil when the directory cannot be read (said on stderr).
    private func frame(_ path: String, _ sortKey: TopSortKey, rows: Int?) -> [String]? {
        let listing: DirectoryFiles.Listing
        do {
            listing = try DirectoryFiles.read(path, limit: AccountingFile.sizeLimit)
        } catch {
            StandardStreams.writeError("uproc-top: error: \(path): \(error.errno.description); "
                + "is uprocd running on \(directory), accounting some namespace (--account, --metrics-file)?\n")
            return nil
        }
        let size = Terminal.size(1)
        // Room for the summary, the titles and the note.
        var limit = count
        if let rows { limit = min(limit ?? .max, max(rows - 3, 1)) }
        let options = TopOptions(sort: sortKey, limit: limit, width: size?.columns)
        return TopFrame.lines(listing.files, skipped: listing.skipped, options: options)
    }

    /// Redraws every `delay` until q, Ctrl-C or the end of the input.
    private func loop(_ path: String, _ sortKey: TopSortKey) throws {
        let interactive = Terminal.isTerminal(0) && Terminal.isTerminal(1)
        let terminal = interactive ? try? RawTerminal(0, signalKeys: false) : nil
        defer { terminal?.restore() }
        let milliseconds = Int32(((Double(delay) ?? 1) * 1000).rounded())
        while true {
            let lines = frame(path, sortKey, rows: interactive ? Terminal.size(1)?.rows : nil)
            if interactive {
                // Home, the table, each line's end cleared, then the rest of the screen.
                let text = (lines ?? ["(no accounting files: \(path) cannot be read)"]).map { $0 + "\u{1B}[K" }.joined(separator: "\n")
                StandardStreams.write("\u{1B}[H" + text + "\u{1B}[J", "")
            } else if let lines {
                StandardStreams.write(lines.joined(separator: "\n") + "\n\n", "")
            }
            let end = MonotonicClock.nanoseconds() + UInt64(milliseconds) * 1_000_000
            while true {
                let now = MonotonicClock.nanoseconds()
                guard now < end else { break }
                let wait = Int32((end - now) / 1_000_000)
                guard terminal != nil else {
                    Terminal.pause(milliseconds: wait)
                    continue
                }
                guard let key = Terminal.readKey(0, waitingMilliseconds: wait) else { continue }
                // q, Q, Ctrl-C, Ctrl-\, Ctrl-D.
                if [UInt8(ascii: "q"), UInt8(ascii: "Q"), 3, 28, 4].contains(key) {
                    if interactive { StandardStreams.write("\n", "") }
                    return
                }
                // Any other key redraws at once.
                break
            }
        }
    }
}

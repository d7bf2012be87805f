import UprocDaemon

/// The uproc tools in one executable, as kmod and busybox ship theirs: one
/// copy of the static Swift runtime instead of one per tool. Each tool is a
/// link named after it, and the name the process was started by picks the
/// tool; `uproc TOOL ARGUMENT...` runs one by name. Each tool keeps its own
/// `--help`, `--version`, completions and exit statuses.
package enum MultiCall {
    /// Every tool, by the name it is installed under.
    package static let tools = ["uprocd", "uproc-check", "uproc-genconf", "uproc-kill", "uproc-top"]

    /// Runs the tool `arguments` (`CommandLine.arguments`) name; returns
    /// when it ends with status 0 (every other status exits).
    package static func main(_ arguments: [String]) {
        let name = String((arguments.first ?? "").split(separator: "/").last ?? "")
        if tools.contains(name) {
            run(name, Array(arguments.dropFirst()))
        } else if arguments.count > 1, tools.contains(arguments[1]) {
            run(arguments[1], Array(arguments.dropFirst(2)))
        } else {
            MultiCallCommand.main(Array(arguments.dropFirst()))
        }
    }

    /// Runs `tool` with `arguments` (without the program name).
    static func run(_ tool: String, _ arguments: [String]) {
        switch tool {
        case "uprocd":
            // Before any thread exists: every thread inherits the mask, so the
            // signals reach only the daemon's signalfd.
            Daemon.blockSignals()
            UprocdCommand.main(arguments)
        case "uproc-check": CheckCommand.main(arguments)
        case "uproc-genconf": GenConfCommand.main(arguments)
        case "uproc-top": TopCommand.main(arguments)
        default: KillCommand.main(arguments: arguments)
        }
    }
}

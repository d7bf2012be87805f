import ArgumentParser
import UprocLinux
import UprocBenchSupport

/// A fork+exit storm: the load under which `uprocd`'s CPU per kernel event
/// and its cost to everyone else's fork rate are measured.
struct StormBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storm",
        abstract: "Fork and reap children that exit at once; print the fork rate.",
        discussion: """
            Each round forks one child that calls _exit(0) at once; the parent reaps it before the \
            next fork, so the kernel sends one FORK and one EXIT event per round. Pin it with \
            `taskset -c 0` for comparable runs. Prints one line: forks=N nanoseconds=N forks_per_second=N
            """
    )

    @Option(help: "How many children to fork.")
    var count = 20_000

    @Option(help: "The process name (comm) to take first, which the children inherit; empty keeps it.")
    var name = "forkstorm"

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard name.utf8.count <= 15 else { throw ValidationError("--name: at most 15 bytes (the kernel's comm)") }
    }

    func run() throws {
        if !name.isEmpty { try BenchProcess.setName(name) }
        let nanoseconds = try BenchProcess.forkExitStorm(count: count)
        let rate = UInt64(count) * 1_000_000_000 / max(nanoseconds, 1)
        print("forks=\(count) nanoseconds=\(nanoseconds) forks_per_second=\(rate)")
    }
}

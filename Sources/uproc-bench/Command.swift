import ArgumentParser

@main
struct Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uproc-bench",
        abstract: "Benchmarks for uproc (build with -c release).",
        subcommands: [RulesBenchmark.self, TrackerBenchmark.self, TreeBenchmark.self, StormBenchmark.self, LatencyBenchmark.self, ReloadBenchmark.self])
}

import ArgumentParser

@main
struct Command: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uproc-check")
    func run() throws {}
}

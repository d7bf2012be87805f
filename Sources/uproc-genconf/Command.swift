import ArgumentParser

@main
struct Command: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uproc-genconf")
    func run() throws {}
}

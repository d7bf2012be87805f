import UprocCommands

@main
enum Main {
    static func main() {
        MultiCall.main(CommandLine.arguments)
    }
}

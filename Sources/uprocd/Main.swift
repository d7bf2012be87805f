import UprocDaemon

@main
enum Main {
    static func main() {
        // Before any thread exists: every thread inherits the mask, so the
        // signals reach only the daemon's signalfd.
        Daemon.blockSignals()
        UprocdCommand.main()
    }
}

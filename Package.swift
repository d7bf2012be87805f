// swift-tools-version: 6.1
import PackageDescription

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let system: Target.Dependency = .product(name: "SystemPackage", package: "swift-system")

let package = Package(
    name: "uproc",
    products: [
        // uprocd, uproc-check, uproc-genconf and uproc-kill: one executable,
        // installed once, each tool a link to it named after the tool.
        .executable(name: "uproc", targets: ["uproc"]),
        .executable(name: "uproc-bench", targets: ["uproc-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.0"),
    ],
    targets: [
        // Pure: the uproc.conf language and the compiled decision table.
        .target(name: "UprocRules"),
        // Pure: the process table and namespace membership.
        .target(name: "UprocTracker", dependencies: ["UprocRules"]),
        // Pure: the proc connector's wire format (KernelABI) and its decoder.
        .target(name: "UprocEvents", dependencies: ["UprocRules"]),
        // C shim: what Swift cannot import from Glibc and the kernel headers, and
        // _Static_asserts pinning the kernel's numbers to KernelABI.
        // Release builds are fortified (_FORTIFY_SOURCE needs optimization).
        .target(name: "CLinuxProc", cSettings: [
            .define("_GNU_SOURCE"), .define("_FORTIFY_SOURCE", to: "2", .when(configuration: .release)),
        ]),
        // libinotifytools (Debian's libinotifytools0-dev, no pkg-config file): the config watcher.
        .systemLibrary(name: "CInotifyTools"),
        // Everything that is a syscall lives here and only here.
        .target(name: "UprocLinux", dependencies: ["CLinuxProc", "CInotifyTools", "UprocEvents", "UprocRules", system]),
        // Helpers only uproc-bench links: process spawning, PID-file reads, inotify, statistics.
        .target(name: "UprocBenchSupport", dependencies: ["UprocLinux", "UprocRules"]),
        // passwd/group parsing and the generator behind uproc-genconf.
        .target(name: "UprocAccounts", dependencies: ["UprocRules", "UprocLinux"]),
        // The rules every tool runs on: the default paths, which file (or the built-in default),
        // reading and compiling it, its digest and its permissions. Reads files only.
        .target(name: "UprocConfig", dependencies: ["UprocRules", "UprocAccounts", "UprocLinux"]),
        // What uproc-check prints and its exit statuses, worded from UprocRules' CheckSummary.
        .target(name: "UprocCheck", dependencies: ["UprocRules", "UprocTracker"]),
        // The daemon's wiring: start-up, loop, publish, shutdown.
        .target(name: "UprocDaemon", dependencies: ["UprocRules", "UprocTracker", "UprocEvents", "UprocLinux", "UprocAccounts", "UprocConfig", "UprocAccounting", logging]),
        // Signals a namespace's members through pidfds, checking each against the rules.
        .target(name: "UprocKill", dependencies: ["UprocRules", "UprocTracker", "UprocLinux", "UprocConfig"]),

        // The command-line tools (their options, --help, exit statuses) and the
        // multi-call dispatch on the name the executable was started by.
        .target(name: "UprocCommands", dependencies: [
            "UprocDaemon", "UprocCheck", "UprocKill", "UprocConfig", "UprocAccounts", "UprocLinux", "UprocRules", "UprocTracker", "UprocTop",
            "UprocAccounting", argumentParser, logging, system,
        ]),
        .executableTarget(
            name: "uproc", dependencies: ["UprocCommands"], exclude: ["hot-functions.txt"],
            linkerSettings: [
                // Full RELRO: every symbol bound at start, the GOT read-only after.
                .unsafeFlags(["-Xlinker", "-z", "-Xlinker", "now"]),
                // lld packs the ~40,000 relative relocations of Swift's metadata
                // (DT_RELR, glibc 2.36), which ld.so would otherwise read at every
                // start (1 MB); no dynamic symbol table of the executable's own;
                // the code the daemon runs after start-up laid out side by side
                // (the kernel maps 64 KiB around each page touched; tools/install
                // builds with a section per function, so that each can move).
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
                        "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/uproc/hot-functions.txt",
                        "-Xlinker", "--no-warn-symbol-ordering",
                    ],
                    .when(configuration: .release)),
            ]),
        .executableTarget(name: "uproc-bench", dependencies: ["UprocRules", "UprocTracker", "UprocLinux", "UprocBenchSupport", argumentParser]),
        // Test fixture: a process the daemon tests steer through stdin (threads, renames, setuid).
        .executableTarget(name: "uproc-testproc"),

        // Test code shared by the test targets: seeded random numbers, the
        // kernel-skip rule, child processes, built tools, temporary directories.
        .target(name: "UprocTestSupport", path: "Tests/UprocTestSupport"),

        .testTarget(name: "UprocRulesTests", dependencies: ["UprocRules", "UprocTestSupport"]),
        .testTarget(name: "UprocTrackerTests", dependencies: ["UprocTracker", "UprocRules", "UprocTestSupport"]),
        .testTarget(name: "UprocEventsTests", dependencies: ["UprocEvents", "UprocRules", "UprocTestSupport"]),
        .testTarget(name: "UprocLinuxTests", dependencies: ["UprocLinux", "UprocEvents", "UprocRules", "UprocTestSupport"]),
        .testTarget(name: "UprocBenchSupportTests", dependencies: ["UprocBenchSupport", "UprocLinux", "UprocTestSupport"]),
        .testTarget(name: "UprocAccountsTests", dependencies: ["UprocAccounts", "UprocRules", "UprocTestSupport"]),
        .testTarget(name: "UprocConfigTests", dependencies: ["UprocConfig", "UprocAccounts", "UprocRules", "UprocTestSupport"]),
        // The command-line tools end to end (uproc-check, uproc-genconf; uprocd's usage) and their man pages.
        .testTarget(name: "CLITests", dependencies: [
            "UprocAccounts", "UprocCheck", "UprocConfig", "UprocRules", "UprocTestSupport", "uproc",
        ]),
        .testTarget(name: "UprocDaemonTests", dependencies: [
            "UprocDaemon", "UprocConfig", "UprocEvents", "UprocLinux", "UprocRules", "UprocTestSupport", logging, "uproc", "uproc-testproc",
        ]),
        .testTarget(name: "UprocKillTests", dependencies: [
            "UprocKill", "UprocLinux", "UprocRules", "UprocTestSupport", system, "uproc", "uproc-testproc",
        ]),
        // The unit file, the hardening it sets, and the install/package scripts.
        .testTarget(name: "PackagingTests", dependencies: ["uproc", "UprocTestSupport"]),

        // Pure: what the members of each accounted namespace use (CPU, memory, I/O, exits),
        // and the accounting files uproc-top reads.
        .target(name: "UprocAccounting", dependencies: ["UprocEvents", "UprocRules"]),
        // Pure: uproc-top's rates, sorting and table.
        .target(name: "UprocTop", dependencies: ["UprocAccounting"]),
        // The ledger and the accounting file; and the kernel's records and events fed to a ledger, end to end.
        .testTarget(name: "UprocAccountingTests", dependencies: [
            "UprocAccounting", "UprocEvents", "UprocLinux", "UprocRules", "UprocTestSupport", "uproc-testproc",
        ]),
        .testTarget(name: "UprocTopTests", dependencies: ["UprocTop", "UprocAccounting", "UprocTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)


import Foundation
import Testing
import UprocTestSupport

/// Runs the built `uproc-check` end to end: real files, real exit codes.
@Suite struct CheckCommandTests {
    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ arguments: [String], input: String = "") throws -> Run {
        let result = try Tools.run("uproc-check", arguments, input: input)
        return Run(status: result.status, output: result.stdout, errors: result.stderr)
    }

    /// A private directory under /dev/shm, removed afterwards.
    static func withDirectory(_ body: (URL) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        try withExtendedLifetime(directory) { try body(URL(fileURLWithPath: directory.path)) }
    }

    static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    @Test func acceptsAValidFileAndResolvesSystemNames() throws {
        try Self.withDirectory { directory in
            let file = directory.appendingPathComponent("uproc.conf")
            try Self.write("uid root cmd sshd root.ssh\ngid 0 gid.root\n", to: file)
            let run = try Self.run([file.path])
            #expect(run.status == 0)
            #expect(run.output == "\(file.path): valid: 2 rules, 2 namespaces, 0 warnings\n")
            #expect(run.errors == "")
            let dump = try Self.run(["--dump", file.path])
            #expect(dump.output == """
                uid 0 -> root.ssh [cmd sshd]
                gid 0 -> gid.root
                cmd sshd -> root.ssh [uid 0]
                \(file.path): valid: 2 rules, 2 namespaces, 0 warnings

                """)
        }
    }

    @Test func reportsErrorsWithPositionsAndExitsOne() throws {
        try Self.withDirectory { directory in
            let file = directory.appendingPathComponent("bad.conf")
            try Self.write("uid 0 a\nuid no-such-user-xyz b\n", to: file)
            let run = try Self.run([file.path])
            #expect(run.status == 1)
            #expect(run.output == "")
            #expect(run.errors == """
                \(file.path):2:5: error: unknown user 'no-such-user-xyz'
                uid no-such-user-xyz b
                    ^
                \(file.path): invalid: 1 error, 0 warnings

                """)
        }
    }

    @Test func readsStandardInput() throws {
        let run = try Self.run(["-"], input: "cmd abcdefghijklmnopq x\n")
        #expect(run.status == 0)
        #expect(run.output == "<stdin>: valid: 1 rule, 1 namespace, 1 warning\n")
        #expect(run.errors.hasPrefix("<stdin>:1:5: warning: cmd 'abcdefghijklmnopq' is 17 bytes"))
        let strict = try Self.run(["--werror", "-"], input: "cmd abcdefghijklmnopq x\n")
        #expect(strict.status == 1)
        #expect(strict.errors.hasSuffix("<stdin>: invalid: 1 error, 0 warnings\n"))
    }

    @Test func exitsTwoWhenTheFileCannotBeRead() throws {
        try Self.withDirectory { directory in
            let missing = directory.appendingPathComponent("missing.conf").path
            let run = try Self.run([missing])
            #expect(run.status == 2)
            #expect(run.errors == "uproc-check: \(missing): No such file or directory\n")

            let big = directory.appendingPathComponent("big.conf")
            _ = FileManager.default.createFile(atPath: big.path, contents: nil)
            let handle = try FileHandle(forWritingTo: big)
            try handle.truncate(atOffset: UInt64(64 << 20) + 1)
            try handle.close()
            let tooLarge = try Self.run([big.path])
            #expect(tooLarge.status == 2)
            #expect(tooLarge.errors == "uproc-check: \(big.path): larger than 64 MiB; refusing to read it\n")
        }
    }

    @Test func answersHelp() throws {
        let help = try Self.run(["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("USAGE: uproc-check [<file>] [--dump] [--werror]"))
        #expect(!help.output.contains("--default-config") && !help.output.contains("--accounts-files"), "test-only options are hidden")
    }

    /// `--explain` reads the live process from /proc: this test process.
    @Test func explainsALiveProcess() throws {
        let pid = ProcessInfo.processInfo.processIdentifier
        let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8).dropLast()
        let uid = getuid()
        try Self.withDirectory { directory in
            let file = directory.appendingPathComponent("uproc.conf")
            try Self.write("uid \(uid) mine\nuid \(uid) cmd uproc-nomatch near\ncmd uproc-nomatch other\n", to: file)
            let run = try Self.run(["--explain", "\(pid)", file.path])
            #expect(run.status == 0)
            #expect(run.output.contains("process \(pid): comm '\(comm)', uid \(uid)"))
            #expect(run.output.contains("in 1 namespace:\n  line 1: uid \(uid) mine\n"))
            #expect(run.output.contains("line 2: uid \(uid) cmd uproc-nomatch near: comm is '\(comm)', not 'uproc-nomatch'"))
            #expect(!run.output.contains("other"))

            let gone = try Self.run(["--explain", "2147483647", file.path])
            #expect(gone.status == 2)
            #expect(gone.errors == "uproc-check: no process with PID 2147483647\n")
        }
    }

    /// A kernel thread is explained like any process, under the whole name
    /// its `stat` shows (what `pgrep -x` matches), however long.
    @Test func explainsAKernelThreadByItsWholeName() throws {
        let thread = try #require(KernelThreads.sample(), "no kernel thread")
        let long = thread.name.utf8.count > 15
        // A long name cut to a process's 15 bytes is another name.
        let cut = long ? "cmd \"\(thread.name.prefix(15))\" kt.cut\n" : ""
        try Self.withDirectory { directory in
            let file = directory.appendingPathComponent("uproc.conf")
            try Self.write("uid 0 uid.root\ncmd \"\(thread.name)\" kt\n" + cut, to: file)
            let run = try Self.run(["--explain", "\(thread.pid)", file.path])
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.contains("process \(thread.pid): comm '\(thread.name)', uid 0, gid 0, ruid 0, rgid 0\n"))
            #expect(run.output.contains("in 2 namespaces:\n  line 1: uid 0 uid.root\n  line 2: cmd \(thread.name) kt\n"))
            #expect(!run.output.contains("kt.cut"))
            #expect(run.errors.contains("warning: cmd '\(thread.name)' is \(thread.name.utf8.count) bytes") == long)
        }
    }

    /// A config over the size limit is refused by its size, before it is
    /// opened for reading: a sparse 100 GiB file costs nothing.
    @Test func anOversizedConfigIsRefusedUnread() throws {
        try Self.withDirectory { directory in
            let big = directory.appendingPathComponent("sparse.conf").path
            #expect(FileManager.default.createFile(atPath: big, contents: nil))
            #expect(truncate(big, 100 << 30) == 0)
            let watch = try OpenWatch(big)
            let run = try Self.run([big])
            #expect(run.status == 2)
            #expect(run.errors == "uproc-check: \(big): larger than 64 MiB; refusing to read it\n")
            #expect(watch.events() == [], "the file was opened or read")
        }
    }

    /// A config that is a symbolic link to a device is refused by its type,
    /// without opening the device (opening a terminal or a tape has effects).
    @Test func aConfigLinkedToADeviceIsNeverOpened() throws {
        try Kernel.require()  // mknod
        try Self.withDirectory { directory in
            // A device of our own, like /dev/null: no other process opens it.
            var null = stat()
            #expect(stat("/dev/null", &null) == 0)
            let device = directory.appendingPathComponent("null").path
            #expect(mknod(device, S_IFCHR | 0o666, null.st_rdev) == 0, "mknod: \(String(cString: strerror(errno)))")
            let link = directory.appendingPathComponent("uproc.conf").path
            #expect(symlink(device, link) == 0)
            let watch = try OpenWatch(device)
            let run = try Self.run([link])
            #expect(run.status == 2)
            #expect(run.errors == "uproc-check: \(link): not a regular file; refusing to read it\n")
            #expect(watch.events() == [], "the device was opened")
        }
    }
}

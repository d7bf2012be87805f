import Testing
import UprocRules
@testable import UprocTracker

/// The lineage kept across daemon restarts: its file format, what the
/// tracker writes in it, and what a restart puts back (verified by start time).
@Suite struct LineageFileTests {
    static let sample = LineageSnapshot(
        written: 123_456,
        trees: [.init(name: "ssh.all"), .init(name: "opt.%2Fopt%2Ftool", template: "tree exe /opt/* opt.{exe}")],
        records: [
            .init(pid: 500, start: 1000, parent: nil, trees: [0]),
            .init(pid: 650, start: nil, parent: 0, comm: Array("bash -c".utf8) + [0xFF]),
            .init(pid: 700, start: 1050, parent: 1, trees: [0, 1]),
            .init(pid: 1, start: 2, parent: nil),
        ])

    @Test func encodesOneRecordALine() {
        #expect(String(decoding: Self.sample.encode(), as: UTF8.self) == """
            uproc-lineage 1 123456
            t 0 ssh.all
            d 1 opt.%2Fopt%2Ftool tree%20exe%20%2Fopt%2F*%20opt.{exe}
            p 500 1000 - 0
            g 650 0 bash%20-c%FF
            p 700 1050 1 0,1
            p 1 2 - -

            """)
    }

    @Test func decodesWhatItEncodes() throws {
        #expect(try LineageSnapshot.decode(Self.sample.encode()) == Self.sample)
        #expect(Self.sample.record(pid: 700, start: 1050) == 2)
        #expect(Self.sample.record(pid: 700, start: 1051) == nil)
        #expect(Self.sample.ancestry(of: 2) == [2, 1, 0])
        #expect(Self.sample.record(2, isIn: "opt.%2Fopt%2Ftool"))
        #expect(!Self.sample.record(0, isIn: "opt.%2Fopt%2Ftool"))
    }

    @Test(arguments: [
        ("uproc-lineage 1 5", LineageFileError.malformed(line: 1, "the file does not end with a line end")),
        ("", .malformed(line: 1, "empty file")),
        ("\n", .malformed(line: 1, "not a lineage file")),
        ("uproc-lineage 2 5\n", .unsupportedVersion("2")),
        ("uproc-lineage 1 x\n", .malformed(line: 1, "bad time")),
        ("uproc-lineage 1 5\nx 1\n", .malformed(line: 2, "unknown record")),
        ("uproc-lineage 1 5\nt 1 a\n", .malformed(line: 2, "trees out of order")),
        ("uproc-lineage 1 5\nt 0 a/b\n", .malformed(line: 2, "invalid namespace name")),
        ("uproc-lineage 1 5\np 0 1 - -\n", .malformed(line: 2, "bad PID")),
        ("uproc-lineage 1 5\np 5 1 - 3\n", .malformed(line: 2, "bad tree number")),
        ("uproc-lineage 1 5\np 5 1 x -\n", .malformed(line: 2, "bad parent")),
        ("uproc-lineage 1 5\np 5 1 7 -\n", .malformed(line: 2, "parent record 7 does not exist")),
        ("uproc-lineage 1 5\ng 5 -\n", .malformed(line: 2, "expected 4 fields")),
    ])
    func refusesWhatItDidNotWrite(_ text: String, _ error: LineageFileError) {
        #expect(throws: error) { try LineageSnapshot.decode(Array(text.utf8)) }
    }

    static func table(_ text: String) -> DecisionTable {
        RuleCompiler().compile(SourceFile(path: "t", text: text)).table!
    }

    static let sshd = ProcessIdentity(uid: 0, gid: 0, comm: "sshd")
    static let bash = ProcessIdentity(uid: 1000, gid: 100, comm: "bash")
    static let daemon = ProcessIdentity(uid: 1000, gid: 100, comm: "mydaemon")

    /// A job's double-forked daemon survives a daemon restart in its tree:
    /// `/proc` shows it under init, the file links it to its job; what it
    /// forked while the daemon was down joins too. A PID reused since (its
    /// start time differs) is not taken for the process on file.
    @Test func aRestartKeepsADoubleForkedDaemonInItsTree() throws {
        let table = Self.table("tree cmd sshd ssh.all\ntree exe \"/opt/*\" opt.{exe}\n")
        var before = Tracker(table: table)
        before.upsert(1, ProcessIdentity(uid: 0, gid: 0, comm: "systemd"))
        before.upsert(500, Self.sshd)
        #expect(before.fork(parent: 500, child: 600) == true)
        before.upsert(600, Self.bash, executable: Array("/opt/tool".utf8))
        #expect(before.fork(parent: 600, child: 650) == true)
        #expect(before.fork(parent: 650, child: 700) == true)
        before.upsert(700, Self.daemon)
        before.remove(650)
        #expect(before.fork(parent: 1, child: 900) == true)
        #expect(before.fork(parent: 600, child: 950) == true)
        let starts: [Int32: UInt64] = [1: 2, 500: 100, 600: 110, 700: 130, 900: 140, 950: 150]
        let snapshot = before.lineageSnapshot(written: 200) { starts[$0] }
        // Members, the ghost and its live parent are on file; init is not.
        #expect(Set(snapshot.records.map(\.pid)) == [500, 600, 650, 700, 950])
        let decoded = try LineageSnapshot.decode(snapshot.encode())

        // The restart: /proc shows 700 under init, and 800 forked by it since;
        // 950 exited and its PID went to an unrelated process.
        var after = Tracker(table: table)
        let scan: [(Int32, ProcessIdentity, Int32)] = [
            (1, ProcessIdentity(uid: 0, gid: 0, comm: "systemd"), 0), (500, Self.sshd, 1), (600, Self.bash, 500),
            (700, Self.daemon, 1), (800, Self.daemon, 700), (900, Self.daemon, 1), (950, Self.daemon, 1),
        ]
        after.reconcile(with: scan.map { ($0.0, $0.1) })
        let parents = Dictionary(uniqueKeysWithValues: scan.map { ($0.0, $0.2) })
        after.adoptParents { parents[$0] }
        #expect(after.members("ssh.all") == [500, 600])
        let nowStarts = starts.merging([800: 300, 950: 310]) { $1 }
        let report = after.restoreLineage(decoded) { nowStarts[$0] }
        #expect(report.restored == 3)
        #expect(report.gone == 1)
        #expect(report.droppedTrees == [])
        #expect(after.members("ssh.all") == [500, 600, 700, 800])
        #expect(after.members(of: after.id(of: "opt.%2Fopt%2Ftool")!) == [600, 700, 800])
        #expect(after.generalFootprint.ghosts == 1)
        // The ghost leads to the job: a new root above finds the daemon.
        #expect(after.fork(parent: 800, child: 801) == true)
        #expect(after.members("ssh.all") == [500, 600, 700, 800, 801])
        // Rules without that tree drop it, and say so.
        var other = Tracker(table: Self.table("tree cmd nothing ssh.all\n"))
        other.reconcile(with: scan.map { ($0.0, $0.1) })
        other.adoptParents { parents[$0] }
        #expect(other.restoreLineage(decoded) { nowStarts[$0] }.droppedTrees == ["opt.%2Fopt%2Ftool"])
        #expect(other.members("ssh.all") == [500, 600, 700, 800])
    }
}

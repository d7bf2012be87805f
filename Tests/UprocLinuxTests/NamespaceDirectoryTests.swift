import Foundation
import Glibc
import Testing
import UprocLinux
import UprocTestSupport

@Suite struct NamespaceDirectoryTests {
    @Test func createsTheDirectoryLocksItAndIsOnTmpfs() throws {
        let path = freshShmPath("create")
        defer { removeTree(path) }
        let directory = try NamespaceDirectory(path: path)
        #expect(directory.path == path)
        #expect(directory.isTmpfs)
        #expect(try entries(path) == [], "the lock is on the directory itself: no file")
        #expect(try mode(path) == 0o755)
    }

    @Test func publishedFilesHoldAscendingDecimalPIDsOnePerLine() throws {
        let path = freshShmPath("publish")
        defer { removeTree(path) }
        let directory = try NamespaceDirectory(path: path)
        try directory.publish("uid.alice", pids: [1, 22, 333, 4_194_304, Int32.max])
        try directory.publish("gid.backup", pids: [Int32]())
        #expect(try contents(path + "/uid.alice") == "1\n22\n333\n4194304\n2147483647\n")
        #expect(try contents(path + "/gid.backup") == "")
        #expect(try mode(path + "/uid.alice") == 0o444)
        #expect(try entries(path) == ["gid.backup", "uid.alice"])  // no temporary left behind

        try directory.publish("uid.alice", pids: [7])
        #expect(try contents(path + "/uid.alice") == "7\n")
    }

    @Test func publishEmptyNewCreatesOrEmptiesTheFile() throws {
        let path = freshShmPath("empty")
        defer { removeTree(path) }
        let directory = try NamespaceDirectory(path: path)
        try directory.publishEmptyNew("cmd.tar")
        #expect(try contents(path + "/cmd.tar") == "")
        #expect(try mode(path + "/cmd.tar") == 0o444)
        try directory.publish("cmd.tar", pids: [5, 6])
        try directory.publishEmptyNew("cmd.tar")
        #expect(try contents(path + "/cmd.tar") == "")
    }

    @Test(arguments: ["", ".hidden", ".lock", "a/b", "..", String(repeating: "x", count: 256)])
    func refusesNamesThatAreNotPlainFileNames(_ name: String) throws {
        let path = freshShmPath("names")
        defer { removeTree(path) }
        let directory = try NamespaceDirectory(path: path)
        #expect(throws: NamespaceDirectoryError.invalidName(name)) { try directory.publish(name, pids: [1]) }
        #expect(throws: NamespaceDirectoryError.invalidName(name)) { try directory.publishEmptyNew(name) }
        #expect(try entries(path) == [])
    }

    @Test func refusesForeignEntriesAndDeletesNothing() throws {
        let path = freshShmPath("foreign")
        defer { removeTree(path) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        chmod(path, 0o755)
        for name in ["notes.txt", ".hidden", "uid.old"] {
            try Data("123\n".utf8).write(to: URL(fileURLWithPath: path + "/" + name))
        }
        try FileManager.default.createDirectory(atPath: path + "/emptydir", withIntermediateDirectories: false)
        #expect(throws: NamespaceDirectoryError.foreignEntries(path: path, names: [".hidden", "emptydir", "notes.txt", "uid.old"], count: 4)) {
            _ = try NamespaceDirectory(path: path)
        }
        #expect(try entries(path) == [".hidden", "emptydir", "notes.txt", "uid.old"])
    }

    /// The record of names is read within a bound: one larger than any a
    /// daemon writes (a sparse file of 100 MiB costs nothing to plant) is
    /// refused by its size, unread, and the directory with it.
    @Test func anOversizedRecordIsRefusedUnread() throws {
        let path = freshShmPath("bigrecord")
        defer { removeTree(path) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        chmod(path, 0o755)
        let record = path + "/" + NamespaceDirectory.manifestName
        try Data("# uprocd namespace files (do not edit)\nuid.a\n".utf8).write(to: URL(fileURLWithPath: record))
        #expect(truncate(record, 100 << 20) == 0)
        let watch = try OpenWatch(record)
        #expect(throws: NamespaceDirectoryError.foreignEntries(path: path, names: [NamespaceDirectory.manifestName], count: 1)) {
            _ = try NamespaceDirectory(path: path)
        }
        #expect(!watch.events().contains("read"))
        #expect(try entries(path) == [NamespaceDirectory.manifestName])
    }

    @Test func aRestartRemovesOnlyRecordedFilesNoLongerConfigured() throws {
        let path = freshShmPath("stale")
        defer { removeTree(path) }
        do {
            let first = try NamespaceDirectory(path: path)
            first.claim(keeping: ["uid.old", "uid.kept"])
            try first.record(["uid.old", "uid.kept"])
            try first.publish("uid.old", pids: [1])
            try first.publish("uid.kept", pids: [2])
        }
        // A temporary left by a crash is ours by its name.
        try Data().write(to: URL(fileURLWithPath: path + "/" + AtomicFileWriter.temporaryPrefix + "1.1"))
        let second = try NamespaceDirectory(path: path)
        #expect(second.previousNames == ["uid.old", "uid.kept"])
        second.claim(keeping: ["uid.kept", "uid.new"])
        try second.record(["uid.kept", "uid.new"])
        #expect(try entries(path) == [NamespaceDirectory.manifestName, "uid.kept"])
        #expect(try contents(path + "/uid.kept") == "2\n", "kept until replaced: readers never miss it")
        // A planted entry at a temporary name does not block publishing.
        try FileManager.default.createDirectory(atPath: path + "/" + AtomicFileWriter.temporaryPrefix + "\(getpid()).1",
                                                withIntermediateDirectories: false)
        try second.publish("uid.new", pids: [3])
        #expect(try contents(path + "/uid.new") == "3\n")
        second.removeAll(["uid.kept", "uid.new"])
        #expect(try entries(path) == [AtomicFileWriter.temporaryPrefix + "\(getpid()).1"])
    }

    @Test func aSecondDaemonIsRefusedAndToldWhoHoldsTheLock() throws {
        let path = freshShmPath("lock")
        defer { removeTree(path) }
        let first = try NamespaceDirectory(path: path)
        try first.publish("uid.x", pids: [1])
        #expect(throws: NamespaceDirectoryError.alreadyLocked(path: path, holderPID: getpid())) {
            _ = try NamespaceDirectory(path: path)
        }
        #expect(try contents(path + "/uid.x") == "1\n")  // the refused one cleaned nothing
        let error = NamespaceDirectoryError.alreadyLocked(path: "/run/uproc", holderPID: 77)
        #expect(error.description == "/run/uproc: in use by another uprocd (PID 77)")
    }

    @Test func theLockIsReleasedWhenTheOwnerGoes() throws {
        let path = freshShmPath("release")
        defer { removeTree(path) }
        do { _ = try NamespaceDirectory(path: path) }
        _ = try NamespaceDirectory(path: path)
    }

    @Test func refusesASymlink() throws {
        let target = freshShmPath("target")
        let link = freshShmPath("link")
        defer {
            removeTree(link)
            removeTree(target)
        }
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        chmod(target, 0o755)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(throws: NamespaceDirectoryError.symlink(path: link)) { _ = try NamespaceDirectory(path: link) }
        #expect(try entries(target).isEmpty)
    }

    @Test func refusesAFile() throws {
        let path = freshShmPath("file")
        defer { removeTree(path) }
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(throws: NamespaceDirectoryError.notADirectory(path: path)) { _ = try NamespaceDirectory(path: path) }
    }

    @Test(arguments: [(0o777, "group and others"), (0o775, "group"), (0o757, "others"), (0o1777, "group and others")])
    func refusesADirectoryOthersCanWrite(mode: Int, who: String) throws {
        let path = freshShmPath("writable")
        defer { removeTree(path) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        chmod(path, mode_t(mode))
        let error = #expect(throws: NamespaceDirectoryError.self) { _ = try NamespaceDirectory(path: path) }
        guard case .writableByOthers(path, let reported) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(reported & 0o7777 == UInt32(mode))
        #expect(error?.description == "\(path): writable by \(who) (mode \(String(mode, radix: 8))); "
            + "refusing a namespace directory others can change (chmod go-w)")
        #expect(try entries(path).isEmpty)
    }

    /// `removeAll` leaves the directory as the daemon found it: gone when
    /// the daemon made it, empty when it was there before.
    @Test(arguments: [false, true])
    func removeAllLeavesTheDirectoryAsFound(existedBefore: Bool) throws {
        let path = freshShmPath("removeall")
        defer { removeTree(path) }
        if existedBefore { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
        let directory = try NamespaceDirectory(path: path)
        #expect(directory.created == !existedBefore)
        try directory.publish("a", pids: [1])
        try directory.publishEmptyNew("b")
        directory.remove("a")
        directory.remove("never.there")
        #expect(try entries(path) == ["b"])
        directory.removeAll(["a", "b"])
        if existedBefore {
            #expect(try entries(path).isEmpty)
        } else {
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    /// A directory the daemon made is not removed when something else is
    /// in it, nor when its path names another directory now.
    @Test func removeAllRemovesOnlyItsOwnEmptyDirectory() throws {
        let path = freshShmPath("removeown")
        defer { removeTree(path) }
        let directory = try NamespaceDirectory(path: path)
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: path + "/.notes"))
        directory.removeAll([])
        #expect(try entries(path) == [".notes"])

        let moved = path + ".moved"
        defer { removeTree(moved) }
        let other = try NamespaceDirectory(path: path + ".other")
        defer { removeTree(path + ".other") }
        #expect(rename(path + ".other", moved) == 0)
        try FileManager.default.createDirectory(atPath: path + ".other", withIntermediateDirectories: false)
        other.removeAll([])
        #expect(FileManager.default.fileExists(atPath: path + ".other"), "removed a directory it did not make")
        #expect(try entries(moved).isEmpty)
    }

    @Test func aReaderNeverSeesAPartialFile() throws {
        let path = freshShmPath("atomic")
        defer { removeTree(path) }
        let directory = try NamespaceDirectory(path: path)
        // Contents 1...n for n in 0..<400: a reader can check completeness.
        try directory.publish("ns", pids: [Int32]())
        let reader = ConcurrentReader(path: path + "/ns")
        let thread = Thread { reader.run() }
        thread.start()
        for round in 0..<1000 {
            let count = Int32((round * 37) % 400)
            try directory.publish("ns", pids: count == 0 ? [] : Array(1...count))
        }
        reader.stop()
        let (reads, bad) = reader.result()
        #expect(reads > 0)
        #expect(bad == [], "partial contents seen")
    }

    @Test(arguments: ["1\n2", "1\n3\n", "2\n", "1\n\n", "1\n2\n3"])
    func theReaderCheckRejectsPartialContents(_ text: String) {
        #expect(!ConcurrentReader.isComplete(Array(text.utf8)))
        #expect(ConcurrentReader.isComplete(Array("1\n2\n3\n".utf8)))
    }

    // MARK: helpers

    private func entries(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    private func contents(_ path: String) throws -> String {
        String(decoding: try FileReading.read(path, limit: 1 << 20), as: UTF8.self)
    }

    private func mode(_ path: String) throws -> Int {
        var status = stat()
        guard lstat(path, &status) == 0 else { throw POSIXError(.ENOENT) }
        return Int(status.st_mode & 0o7777)
    }
}

/// Reads a file over and over on its own thread, checking each read is
/// "1\n2\n…n\n" for some n.
final class ConcurrentReader: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var stopped = false
    private var finished = false
    private var reads = 0
    private var bad: [String] = []
    private let done = DispatchSemaphore(value: 0)

    init(path: String) { self.path = path }

    func run() {
        while true {
            lock.lock()
            let stop = stopped
            lock.unlock()
            if stop { break }
            guard let bytes = try? FileReading.read(path, limit: 1 << 20) else { continue }
            let ok = Self.isComplete(bytes)
            lock.lock()
            reads += 1
            if !ok && bad.count < 3 { bad.append(String(decoding: bytes.suffix(40), as: UTF8.self)) }
            lock.unlock()
        }
        done.signal()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
    }

    func result() -> (Int, [String]) {
        lock.lock()
        defer { lock.unlock() }
        return (reads, bad)
    }

    static func isComplete(_ bytes: [UInt8]) -> Bool {
        var expected = 1
        var value = 0
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                guard digits > 0, value == expected else { return false }
                expected += 1
                value = 0
                digits = 0
            } else {
                value = value * 10 + Int(byte) - 48
                digits += 1
            }
        }
        return digits == 0
    }
}

import Foundation
import Glibc
import Testing
import UprocLinux
import UprocTestSupport

/// Overlapping namespaces often publish the same long PID list one after
/// another: it is formatted once, and each file still gets its own bytes.
@Suite struct SharedContentTests {
    @Test func namespacesWithTheSameManyPIDsAreFormattedOnceAndWrittenEach() throws {
        let path = freshShmPath("shared")
        defer { removeTree(path) }
        let directory = try NamespaceDirectory(path: path)
        let many = Array(Int32(1000)..<Int32(1400))
        let text = many.map { "\($0)\n" }.joined()
        for name in ["a", "b", "c"] {
            try many.withUnsafeBufferPointer { try directory.publish(name, sortedPIDs: $0) }
        }
        for name in ["a", "b", "c"] { #expect(try contents(path + "/" + name) == text) }
        #expect(try entries(path).filter { !$0.hasPrefix(".") || $0.contains("tmp") } == ["a", "b", "c"])

        // b changes alone; a and c keep theirs.
        let fewer = Array(many.dropFirst())
        try fewer.withUnsafeBufferPointer { try directory.publish("b", sortedPIDs: $0) }
        #expect(try contents(path + "/b") == fewer.map { "\($0)\n" }.joined())
        #expect(try contents(path + "/a") == text)

        // The same list again for a name that already links to it: no temporary left.
        try many.withUnsafeBufferPointer { try directory.publish("c", sortedPIDs: $0) }
        try many.withUnsafeBufferPointer { try directory.publish("a", sortedPIDs: $0) }
        #expect(try entries(path).filter { !$0.hasPrefix(".") || $0.contains("tmp") } == ["a", "b", "c"])
        #expect(try contents(path + "/a") == text && contents(path + "/c") == text)

        // The file to link from was removed behind our back: the bytes are written.
        unlink(path + "/a")
        try many.withUnsafeBufferPointer { try directory.publish("b", sortedPIDs: $0) }
        #expect(try contents(path + "/b") == text)

        // A short list in between is formatted on its own, never mixed up.
        try [Int32(5)].withUnsafeBufferPointer { try directory.publish("d", sortedPIDs: $0) }
        try directory.publish("e", pids: [Int32(6)])
        try many.withUnsafeBufferPointer { try directory.publish("f", sortedPIDs: $0) }
        #expect(try contents(path + "/d") == "5\n" && contents(path + "/e") == "6\n" && contents(path + "/f") == text)
    }

    private func entries(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    private func contents(_ path: String) throws -> String {
        String(decoding: try FileReading.read(path, limit: 1 << 20), as: UTF8.self)
    }

    private func links(_ file: String) -> Int {
        var info = stat()
        return stat(file, &info) == 0 ? Int(info.st_nlink) : -1
    }
}

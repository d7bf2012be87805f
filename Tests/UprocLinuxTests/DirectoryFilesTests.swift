import Foundation
import Glibc
import Testing
import UprocLinux
import UprocTestSupport

@Suite struct DirectoryFilesTests {
    /// Regular files, by name; dot files, other kinds, files too large and
    /// files this user may not read are skipped (and counted), never an error.
    @Test func readsTheRegularFilesAndSkipsTheRest() throws {
        let directory = try TemporaryDirectory()
        try directory.write("b", "second\n")
        try directory.write("a", "first\n")
        try directory.write(".hidden", "no\n")
        try directory.write("big", String(repeating: "x", count: 100))
        #expect(mkfifo(directory.path + "/fifo", 0o644) == 0)
        #expect(mkdir(directory.path + "/sub", 0o755) == 0)
        #expect(symlink(directory.path + "/a", directory.path + "/link") == 0)
        let listing = try DirectoryFiles.read(directory.path, limit: 64)
        #expect(listing.files.map(\.name) == ["a", "b"])
        #expect(listing.files.map { String(decoding: $0.bytes, as: UTF8.self) } == ["first\n", "second\n"])
        #expect(listing.skipped == 4)
    }

    @Test func aMissingDirectoryIsAnError() {
        #expect(throws: SystemCallError.self) { try DirectoryFiles.read("/nonexistent-uproc-test", limit: 64) }
    }
}

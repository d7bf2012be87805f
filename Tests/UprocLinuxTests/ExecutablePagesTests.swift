import Foundation
import Testing
import UprocLinux

/// `ExecutablePages.release()` unmaps the executable's code and read-only
/// pages and nothing else: what was written (relocated pointers, data) stays,
/// and the code keeps running from the page cache.
@Suite(.serialized) struct ExecutablePagesTests {
    /// Resident KiB of this executable's mappings, by permissions, and how
    /// much of it is private copies (written: relocations, data). Not
    /// Private_Dirty: a file just built is dirty in the page cache.
    struct Mapping: Equatable {
        var resident = 0
        var written = 0
    }

    static func mappings() throws -> [String: Mapping] {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var result: [String: Mapping] = [:]
        var current: String?
        for line in try String(contentsOfFile: "/proc/self/smaps", encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 6, fields[0].contains("-"), !fields[0].hasSuffix(":") {
                current = String(fields[5...].joined(separator: " ")) == executable ? String(fields[1]) : nil
            } else if let current, fields.count >= 2, let kib = Int(fields[1]) {
                if fields[0] == "Rss:" { result[current, default: Mapping()].resident += kib }
                if fields[0] == "Anonymous:" { result[current, default: Mapping()].written += kib }
            }
        }
        return result
    }

    @Test func codePagesGoWrittenPagesStay() throws {
        let before = try Self.mappings()
        let code = try #require(before["r-xp"], "no code mapping of the executable: \(before)")
        #expect(code.resident >= 1024, "the test runner maps \(code.resident) KiB of its code")
        let released = try ExecutablePages.release()
        let after = try Self.mappings()
        #expect(released >= code.resident * 1024)
        // Only what ran between the two readings came back.
        #expect(try #require(after["r-xp"]).resident * 4 < code.resident, "before \(before), after \(after)")
        // Written pages (the relocated RELRO part is r--p, data rw-p) all stay.
        for (permissions, mapping) in before where mapping.written > 0 {
            #expect((after[permissions]?.written ?? 0) >= mapping.written, "\(permissions): before \(before), after \(after)")
        }
    }

    /// A page the process wrote a copy of (as a debugger's breakpoint or a
    /// uprobe does) keeps the copy: unmapping it would bring back the
    /// file's bytes. The page written is the executable's first (its ELF
    /// header), which no code runs from; the byte written is the one there.
    @Test func aPrivateCopyStays() throws {
        let line = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8).split(separator: "\n")
            .first { $0.hasSuffix(try! FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) }
        let start = try #require(line.flatMap { UInt(String($0.prefix { $0 != "-" }), radix: 16) })
        let page = try #require(UnsafeMutablePointer<UInt8>(bitPattern: start))
        let permissions = try #require(line?.split(separator: " ").dropFirst().first)
        let protection = PROT_READ | (permissions.contains("x") ? PROT_EXEC : 0)
        #expect(mprotect(page, 4096, protection | PROT_WRITE) == 0)
        let byte = page[8]
        page[8] = ~byte
        page[8] = byte
        #expect(mprotect(page, 4096, protection) == 0)
        #expect(try Self.isPrivateCopy(start))
        try ExecutablePages.release()
        #expect(try Self.isPrivateCopy(start))
    }

    /// Present and not a file page, in /proc/self/pagemap.
    static func isPrivateCopy(_ address: UInt) throws -> Bool {
        let pagemap = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/pagemap"))
        defer { try? pagemap.close() }
        try pagemap.seek(toOffset: UInt64(address / 4096 * 8))
        let bytes = try #require(try pagemap.read(upToCount: 8))
        let entry = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        return entry >> 63 & 1 == 1 && entry >> 61 & 1 == 0
    }
}

import Glibc
import Testing
import UprocLinux

// glibc declares these only under _XOPEN_SOURCE, which the Glibc module lacks.
@_silgen_name("posix_openpt") private func openPseudoTerminal(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func grantPseudoTerminal(_ fd: Int32) -> Int32
@_silgen_name("unlockpt") private func unlockPseudoTerminal(_ fd: Int32) -> Int32
@_silgen_name("ptsname_r") private func pseudoTerminalName(_ fd: Int32, _ buffer: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32

/// On a pseudo-terminal of its own: keys one at a time without echo while
/// `RawTerminal` lives, the mode restored after.
@Suite struct TerminalTests {
    @Test func rawModeReadsSingleKeysAndRestoresTheMode() throws {
        let master = openPseudoTerminal(O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(master >= 0)
        defer { close(master) }
        try #require(grantPseudoTerminal(master) == 0 && unlockPseudoTerminal(master) == 0)
        var buffer = [CChar](repeating: 0, count: 128)
        try #require(pseudoTerminalName(master, &buffer, buffer.count) == 0)
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(slave >= 0)
        defer { close(slave) }
        #expect(Terminal.isTerminal(slave) && !Terminal.isTerminal(-1))

        var before = termios()
        tcgetattr(slave, &before)
        #expect(before.c_lflag & tcflag_t(ICANON) != 0)
        let raw = try RawTerminal(slave)
        var during = termios()
        tcgetattr(slave, &during)
        #expect(during.c_lflag & tcflag_t(ICANON | ECHO) == 0)

        #expect(Terminal.readKey(slave, waitingMilliseconds: 20) == nil)
        _ = write(master, "q", 1)
        // No Enter needed: the key arrives alone.
        #expect(Terminal.readKey(slave, waitingMilliseconds: 2_000) == UInt8(ascii: "q"))

        raw.restore()
        var after = termios()
        tcgetattr(slave, &after)
        #expect(after.c_lflag == before.c_lflag)
    }
}

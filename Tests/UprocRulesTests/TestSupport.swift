@testable import UprocRules

/// Config text with positions marked in it: `⟨^⟩` marks a position (and is
/// removed), `⟨xNN⟩` stands for the raw byte NN, so tests can hold NUL,
/// control and invalid UTF-8 bytes and never count columns by hand.
struct Marked: CustomStringConvertible, Sendable {
    let written: String
    let bytes: [UInt8]
    /// 1-based (line, column) of each `⟨^⟩`, in order.
    let marks: [Position]

    struct Position: Hashable, Sendable, CustomStringConvertible {
        var line: Int
        var column: Int
        var description: String { "\(line):\(column)" }
    }

    init(_ written: String) {
        self.written = written
        var bytes: [UInt8] = []
        var marks: [Position] = []
        var line = 1
        var lineStart = 0
        var rest = Substring(written)
        while let first = rest.first {
            if rest.hasPrefix("⟨^⟩") {
                marks.append(Position(line: line, column: bytes.count - lineStart + 1))
                rest = rest.dropFirst(3)
            } else if rest.hasPrefix("⟨x"), let close = rest.firstIndex(of: "⟩") {
                let hex = rest[rest.index(rest.startIndex, offsetBy: 2)..<close]
                bytes.append(UInt8(hex, radix: 16)!)
                rest = rest[rest.index(after: close)...]
            } else {
                bytes += Array(String(first).utf8)
                if first == "\n" || first == "\r\n" {
                    line += 1
                    lineStart = bytes.count
                }
                rest = rest.dropFirst()
            }
        }
        self.bytes = bytes
        self.marks = marks
    }

    var source: SourceFile { SourceFile(path: "conf", bytes: bytes) }
    var description: String { written.debugDescription }
}

enum Fixture {
    static let accounts = StaticAccounts(
        users: ["root": 0, "alice": 1000, "bob-smith": 1001, "1password": 999, "nobody": 65534],
        groups: ["root": 0, "backup": 34, "wheel": 10, "users": 100])
    static let compiler = RuleCompiler(accounts: accounts)

    static func compile(_ text: String) -> Compilation {
        compiler.compile(SourceFile(path: "conf", text: text))
    }
}

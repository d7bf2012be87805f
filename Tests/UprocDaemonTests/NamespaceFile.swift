/// The namespace file format: PIDs in ascending order, decimal, each followed by "\n".
enum NamespaceFile {
    /// The PIDs of `text`, or nil when `text` breaks the format.
    static func parse(_ text: String) -> [Int32]? {
        if text.isEmpty { return [] }
        guard text.hasSuffix("\n") else { return nil }
        var pids: [Int32] = []
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            guard let first = line.first, first != UInt8(ascii: "0"),
                  line.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let pid = Int32(String(decoding: line, as: UTF8.self)),
                  pid > (pids.last ?? 0)
            else { return nil }
            pids.append(pid)
        }
        return pids
    }
}

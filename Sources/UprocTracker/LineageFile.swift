import UprocRules

/// What the daemon keeps of the lineage across its restarts, in a file of
/// its directory: the processes in a tree namespace, the exited processes
/// (ghosts) that still link a live one to its ancestors, and the processes
/// whose parent `/proc` no longer shows (reparented), each live one with
/// its start time, so that a restart or `uproc-kill` tells it from a later
/// process that got its PID.
///
/// The text, one record a line, fields separated by one space:
///
///     uproc-lineage 1 WRITTEN
///     t N NAME                      a rule's tree namespace, numbered N
///     d N NAME TEMPLATE             a dynamic tree namespace and its template's text
///     p PID START PARENT TREES      a live process
///     g PID PARENT COMM             an exited ancestor
///
/// `WRITTEN` and `START` are clock ticks after boot (`START` is field 22 of
/// `/proc/PID/stat`); `PARENT` is the number of another `p` or `g` record
/// (numbered together from 0 in file order), or `-` when the parent is
/// what `/proc` says (alive, or unknown); `TREES` is a comma-separated
/// list of `t`/`d` numbers, or `-`. A `TEMPLATE` and a `COMM` are
/// percent-encoded (`NameEncoding`), so no field holds a space.
package struct LineageSnapshot: Hashable, Sendable {
    package struct Tree: Hashable, Sendable {
        package var name: String
        /// The text of the dynamic template that made it; nil for a rule's.
        package var template: String?

        package init(name: String, template: String? = nil) {
            self.name = name
            self.template = template
        }
    }

    package struct Record: Hashable, Sendable {
        package var pid: Int32
        /// Clock ticks after boot when it started; nil for an exited one.
        package var start: UInt64?
        /// Index of its parent's record, or nil (as `/proc` says).
        package var parent: Int?
        /// Indices into `trees` (live records only).
        package var trees: [Int]
        /// An exited one's name.
        package var comm: [UInt8]

        package init(pid: Int32, start: UInt64?, parent: Int?, trees: [Int] = [], comm: [UInt8] = []) {
            self.pid = pid
            self.start = start
            self.parent = parent
            self.trees = trees
            self.comm = comm
        }

        package var exited: Bool { start == nil }
    }

    /// Clock ticks after boot when it was taken.
    package var written: UInt64
    package var trees: [Tree]
    package var records: [Record]

    package init(written: UInt64, trees: [Tree] = [], records: [Record] = []) {
        self.written = written
        self.trees = trees
        self.records = records
    }

    /// The live record of the process `pid` started at `start`: how a
    /// reader tells the process from a later one with its PID.
    package func record(pid: Int32, start: UInt64) -> Int? {
        records.firstIndex { $0.pid == pid && $0.start == start }
    }

    /// Whether record `index` is in the tree namespace called `name`.
    package func record(_ index: Int, isIn name: String) -> Bool {
        records[index].trees.contains { trees[$0].name == name }
    }

    /// Record `index` and its ancestors on file, nearest first.
    package func ancestry(of index: Int) -> [Int] {
        var chain = [index]
        var current = records[index].parent
        while let parent = current, !chain.contains(parent) {
            chain.append(parent)
            current = records[parent].parent
        }
        return chain
    }

    package func encode() -> [UInt8] {
        var out = Array("uproc-lineage 1 \(written)".utf8)
        out.append(UInt8(ascii: "\n"))
        for (index, tree) in trees.enumerated() {
            if let template = tree.template {
                out += Array("d \(index) \(tree.name) ".utf8) + NameEncoding.encoded(Array(template.utf8))
            } else {
                out += Array("t \(index) \(tree.name)".utf8)
            }
            out.append(UInt8(ascii: "\n"))
        }
        for record in records {
            let parent = record.parent.map(String.init) ?? "-"
            if let start = record.start {
                let trees = record.trees.isEmpty ? "-" : record.trees.map(String.init).joined(separator: ",")
                out += Array("p \(record.pid) \(start) \(parent) \(trees)".utf8)
            } else {
                out += Array("g \(record.pid) \(parent) ".utf8) + (record.comm.isEmpty ? Array("-".utf8) : NameEncoding.encoded(record.comm))
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Reads what `encode` wrote; anything else is an error naming the
    /// line (the daemon then starts from `/proc` alone and says so).
    package static func decode(_ bytes: [UInt8]) throws(LineageFileError) -> LineageSnapshot {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.last?.isEmpty == true else { throw .malformed(line: max(1, lines.count), "the file does not end with a line end") }
        lines.removeLast()
        guard let header = lines.first else { throw .malformed(line: 1, "empty file") }
        let head = header.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard head.count == 3, head[0].elementsEqual("uproc-lineage".utf8) else { throw .malformed(line: 1, "not a lineage file") }
        guard head[1].elementsEqual("1".utf8) else { throw .unsupportedVersion(String(decoding: head[1], as: UTF8.self)) }
        guard let written = DecimalText.parse(head[2]) else { throw .malformed(line: 1, "bad time") }
        var snapshot = LineageSnapshot(written: written)
        for (offset, line) in lines.dropFirst().enumerated() {
            let number = offset + 2
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map(Array.init)
            func fail(_ reason: String) -> LineageFileError { .malformed(line: number, reason) }
            switch fields.first.map({ String(decoding: $0, as: UTF8.self) }) {
            case "t", "d":
                let dynamic = fields[0] == [UInt8(ascii: "d")]
                guard fields.count == (dynamic ? 4 : 3) else { throw fail("expected \(dynamic ? 4 : 3) fields") }
                guard DecimalText.parse(fields[1]) == UInt64(snapshot.trees.count) else { throw fail("trees out of order") }
                guard NamespaceName.problem(with: fields[2]) == nil else { throw fail("invalid namespace name") }
                let name = String(decoding: fields[2], as: UTF8.self)
                let template = dynamic ? String(decoding: NameEncoding.decoded(fields[3]), as: UTF8.self) : nil
                snapshot.trees.append(Tree(name: name, template: template))
            case "p":
                guard fields.count == 5 else { throw fail("expected 5 fields") }
                guard let pid = DecimalText.parse(fields[1]).flatMap({ Int32(exactly: $0) }), pid > 0 else { throw fail("bad PID") }
                guard let start = DecimalText.parse(fields[2]) else { throw fail("bad start time") }
                var trees: [Int] = []
                if fields[4] != [UInt8(ascii: "-")] {
                    for tree in fields[4].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                        guard let index = DecimalText.parse(tree).map(Int.init), index < snapshot.trees.count else {
                            throw fail("bad tree number")
                        }
                        trees.append(index)
                    }
                }
                snapshot.records.append(Record(pid: pid, start: start, parent: try parent(fields[3], line: number), trees: trees))
            case "g":
                guard fields.count == 4 else { throw fail("expected 4 fields") }
                guard let pid = DecimalText.parse(fields[1]).flatMap({ Int32(exactly: $0) }), pid > 0 else { throw fail("bad PID") }
                let comm = fields[3] == [UInt8(ascii: "-")] ? [] : NameEncoding.decoded(fields[3])
                snapshot.records.append(Record(pid: pid, start: nil, parent: try parent(fields[2], line: number), comm: comm))
            default:
                throw fail("unknown record")
            }
        }
        for (index, record) in snapshot.records.enumerated() {
            if let parent = record.parent, parent >= snapshot.records.count || parent == index {
                throw .malformed(line: snapshot.trees.count + index + 2, "parent record \(parent) does not exist")
            }
        }
        return snapshot
    }

    private static func parent(_ field: [UInt8], line: Int) throws(LineageFileError) -> Int? {
        if field == [UInt8(ascii: "-")] { return nil }
        guard let value = DecimalText.parse(field).map(Int.init) else { throw .malformed(line: line, "bad parent") }
        return value
    }
}

/// Why a lineage file could not be read.
package enum LineageFileError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformed(line: Int, String)
    case unsupportedVersion(String)

    package var description: String {
        switch self {
        case .malformed(let line, let reason): "line \(line): \(reason)"
        case .unsupportedVersion(let version): "version \(version) is not one this uproc reads"
        }
    }
}

/// How `uproc-top` lays out a frame.
package struct TopOptions: Hashable, Sendable {
    /// The column rows are sorted by (`--sort`).
    package var sort: TopSortKey
    /// At most this many rows (`-n`); nil: all.
    package var limit: Int?
    /// The terminal's width in columns; nil: as wide as the table is.
    package var width: Int?

    package init(sort: TopSortKey = .cpu, limit: Int? = nil, width: Int? = nil) {
        self.sort = sort
        self.limit = limit
        self.width = width
    }
}

/// One frame of `uproc-top`: a summary line, the column titles, one row per
/// namespace. Fits `width`: names are cut (a `+` marks the cut) down to 12
/// characters, then columns go, least telling first (EXITS, FAILED,
/// WRITE/s, READ/s, PROCS, MEM) but never the one sorted by, and names get
/// what the columns left, cut further if need be.
package enum TopTable {
    package enum Column: CaseIterable, Sendable {
        case processes, cpu, memory, read, write, exits, failed

        var title: String {
            switch self {
            case .processes: return "PROCS"
            case .cpu: return "CPU%"
            case .memory: return "MEM"
            case .read: return "READ/s"
            case .write: return "WRITE/s"
            case .exits: return "EXITS"
            case .failed: return "FAILED"
            }
        }

        var width: Int {
            switch self {
            case .processes, .cpu, .memory, .exits, .failed: return 6
            case .read, .write: return 7
            }
        }

        func cell(_ row: TopRow) -> String {
            switch self {
            case .processes: return TopUnits.count(UInt64(max(row.processes, 0)))
            case .cpu: return row.cpuPercent.map(TopUnits.percent) ?? "-"
            case .memory: return TopUnits.bytes(Double(row.residentBytes))
            case .read: return row.readPerSecond.map(TopUnits.bytes) ?? "-"
            case .write: return row.writePerSecond.map(TopUnits.bytes) ?? "-"
            case .exits: return TopUnits.count(row.exits)
            case .failed: return TopUnits.count(row.failures)
            }
        }

        /// The column `key` sorts by, if it has one.
        init?(sortedBy key: TopSortKey) {
            switch key {
            case .cpu: self = .cpu
            case .mem: self = .memory
            case .read: self = .read
            case .write: self = .write
            case .procs: self = .processes
            case .exits: self = .exits
            case .failed: self = .failed
            case .name: return nil
            }
        }
    }

    static let nameTitle = "NAMESPACE"
    /// Names are cut to this before any column goes.
    static let shortestName = 12
    /// The order columns go in when the width is short.
    static let dropOrder: [Column] = [.exits, .failed, .write, .read, .processes, .memory, .cpu]

    /// `rows` sorted by `options.sort`, at most `options.limit` of them.
    package static func arrange(_ rows: [TopRow], _ options: TopOptions) -> [TopRow] {
        let sorted = rows.sorted(by: options.sort.ordered)
        guard let limit = options.limit else { return sorted }
        return Array(sorted.prefix(max(limit, 0)))
    }

    /// The frame's lines (no line longer than `options.width`).
    package static func render(_ rows: [TopRow], _ options: TopOptions) -> [String] {
        let shown = arrange(rows, options)
        var columns = Column.allCases
        let longest = max(nameTitle.count, shown.map { $0.name.count }.max() ?? 0)
        var nameWidth = longest
        if let width = options.width {
            func cells() -> Int { columns.reduce(0) { $0 + 1 + $1.width } }
            if nameWidth + cells() > width { nameWidth = max(shortestName, width - cells()) }
            let kept = Column(sortedBy: options.sort)
            for column in dropOrder where nameWidth + cells() > width && column != kept {
                columns.removeAll { $0 == column }
            }
            // What the columns left free goes to the names again.
            nameWidth = max(1, min(longest, width - cells()))
        }
        var lines = [summary(rows)]
        lines.append(line(pad(nameTitle, nameWidth), columns.map { ($0.title, $0.width) }))
        for row in shown {
            lines.append(line(pad(cut(row.name, nameWidth), nameWidth), columns.map { ($0.cell(row), $0.width) }))
        }
        guard let width = options.width else { return lines }
        return lines.map { $0.count > width ? String($0.prefix(width)) : $0 }
    }

    /// The first line: totals over every namespace read (not only those shown).
    package static func summary(_ rows: [TopRow]) -> String {
        let processes = rows.reduce(0) { $0 + $1.processes }
        let cpu = rows.reduce(0.0) { $0 + ($1.cpuPercent ?? 0) }
        let exits = rows.reduce(UInt64(0)) { $0 &+ $1.exits }
        let failures = rows.reduce(UInt64(0)) { $0 &+ $1.failures }
        var text = "\(rows.count) namespace\(rows.count == 1 ? "" : "s"), \(processes) process\(processes == 1 ? "" : "es"), "
            + "CPU \(TopUnits.percent(cpu))%, exits \(exits) (\(failures) failed)"
        if rows.contains(where: { !$0.exact }) {
            text += "; without exit records: processes shorter than an interval are not counted"
        }
        return text
    }

    private static func line(_ name: String, _ cells: [(String, Int)]) -> String {
        var text = name
        for (cell, width) in cells {
            text += " "
            text += String(repeating: " ", count: max(width - cell.count, 0)) + cell
        }
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// `name` in `width` characters; a `+` marks a cut (as `top` does).
    /// Control characters show as `?` (a file name could hold them).
    static func cut(_ name: String, _ width: Int) -> String {
        let printable = String(name.map { $0.isASCII && ($0.asciiValue! < 0x20 || $0.asciiValue! == 0x7F) ? "?" : $0 })
        guard printable.count > width else { return printable }
        return String(printable.prefix(max(width - 1, 0))) + "+"
    }
}

import UprocAccounting

/// What `uproc-top` makes of the accounting files it read.
package enum TopFrame {
    /// One row per file that holds an accounting file's text (its name is
    /// the namespace's); the number of files that do not.
    package static func rows(_ files: [(name: String, bytes: [UInt8])]) -> (rows: [TopRow], unreadable: Int) {
        var rows: [TopRow] = []
        var unreadable = 0
        for file in files {
            if let snapshot = try? AccountingFile.decode(file.bytes) {
                rows.append(TopRow(name: file.name, snapshot: snapshot))
            } else {
                unreadable += 1
            }
        }
        return (rows, unreadable)
    }

    /// The lines of one frame: the table, and a last line when some files
    /// could not be read or none were there.
    package static func lines(_ files: [(name: String, bytes: [UInt8])], skipped: Int, options: TopOptions) -> [String] {
        let (rows, unreadable) = rows(files)
        var lines = TopTable.render(rows, options)
        if files.isEmpty && skipped == 0 {
            lines.append("no accounting files: is uprocd running, with this directory?")
        } else if unreadable + skipped > 0 {
            let note = "\(unreadable + skipped) accounting file\(unreadable + skipped == 1 ? "" : "s") not shown "
                + "(not readable by this user, or not uprocd's)"
            lines.append(options.width.map { String(note.prefix($0)) } ?? note)
        }
        return lines
    }
}

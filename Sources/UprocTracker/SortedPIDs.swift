/// A namespace's members: ascending PIDs, each once. PIDs mostly grow, so the
/// common insert is an append and the common exit of a young process removes
/// near the end; binary search handles the rest.
extension Array where Element == Int32 {
    /// Inserts `pid` in order. Returns false when it was already present.
    @inlinable
    mutating func insertSorted(_ pid: Int32) -> Bool {
        guard let last, last >= pid else {
            append(pid)
            return true
        }
        if last == pid { return false }
        let index = sortedInsertionIndex(of: pid)
        if self[index] == pid { return false }
        insert(pid, at: index)
        return true
    }

    /// Removes `pid`. Returns false when it was not present.
    @inlinable
    mutating func removeSorted(_ pid: Int32) -> Bool {
        guard let last else { return false }
        if last == pid {
            removeLast()
            return true
        }
        if last < pid { return false }
        let index = sortedInsertionIndex(of: pid)
        guard self[index] == pid else { return false }
        remove(at: index)
        return true
    }

    /// The first index whose element is not less than `pid`.
    @inlinable
    func sortedInsertionIndex(of pid: Int32) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = Int(bitPattern: UInt(bitPattern: low &+ high) &>> 1)
            if self[middle] < pid {
                low = middle &+ 1
            } else {
                high = middle
            }
        }
        return low
    }
}

extension Array where Element == Int32 {
    /// Whether the ascending array holds `pid`.
    @inlinable
    func sortedContains(_ pid: Int32) -> Bool {
        guard let last, last >= pid else { return false }
        return self[sortedInsertionIndex(of: pid)] == pid
    }
}

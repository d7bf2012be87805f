import UprocRules

extension Tracker {
    /// Like `drainChanged`, but `body` decides per namespace: it returns
    /// true when it published the members, false to keep the namespace
    /// changed for a later drain (the daemon holds back a file written less
    /// than `--min-interval` ago, or one whose write failed).
    public mutating func publishChanged(
        _ body: (NamespaceID, UnsafeBufferPointer<Int32>) -> Bool
    ) {
        var kept = 0
        for position in dirty.indices {
            let index = Int(dirty[position])
            guard namespaces[index].isChanged else {
                namespaces[index].markPublished()
                continue
            }
            let published = namespaces[index].members.withUnsafeBufferPointer { body(NamespaceID(index), $0) }
            if published {
                namespaces[index].markPublished()
            } else {
                dirty[kept] = dirty[position]
                kept &+= 1
            }
        }
        dirty.removeLast(dirty.count - kept)
    }
}

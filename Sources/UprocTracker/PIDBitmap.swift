/// One bit per PID, for facts the tracker's table does not hold (an
/// inherited identity not yet verified, a process that may have threads).
/// PIDs are at most `pid_max` (4,194,304): 512 KB at the very worst, 4 KB
/// at the default 32,768; it grows to the largest PID set, no allocation
/// per event once grown.
package struct PIDBitmap: Sendable {
    @usableFromInline var words: [UInt64] = []

    package init() {}

    @inlinable
    package subscript(pid: Int32) -> Bool {
        get {
            let word = Int(UInt32(bitPattern: pid) &>> 6)
            return word < words.count && words[word] & (1 &<< UInt64(pid & 63)) != 0
        }
        set {
            guard pid > 0 else { return }
            let word = Int(UInt32(bitPattern: pid) &>> 6)
            if word >= words.count {
                guard newValue else { return }
                words.append(contentsOf: repeatElement(0, count: max(word &+ 1, words.count &* 2) &- words.count))
            }
            if newValue {
                words[word] |= 1 &<< UInt64(pid & 63)
            } else {
                words[word] &= ~(1 &<< UInt64(pid & 63))
            }
        }
    }
}

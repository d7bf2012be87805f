// Builds generic netlink datagrams as the kernel's taskstats family and
// its controller send them (nlmsghdr 16 bytes, genlmsghdr 4, nested
// attributes, struct taskstats), so the decoder is tested without the kernel.

public enum TaskStatsDatagrams {
    /// The fields of a `struct taskstats` the decoder reads, at the
    /// kernel's offsets; `size` 560 is version 16's (Linux 6.18).
    public struct Stats: Sendable {
        public var version: UInt16 = 16
        public var exitCode: UInt32 = 0
        public var flag: UInt8 = 0
        public var runtime: UInt64 = 0
        public var comm: String = ""
        public var uid: UInt32 = 0
        public var gid: UInt32 = 0
        public var pid: UInt32 = 0
        public var parentPID: UInt32 = 0
        public var beginSeconds: UInt32 = 0
        public var elapsed: UInt64 = 0
        public var userTime: UInt64 = 0
        public var systemTime: UInt64 = 0
        public var highWaterRSS: UInt64 = 0
        public var readBytes: UInt64 = 0
        public var writeBytes: UInt64 = 0
        public var beginSeconds64: UInt64 = 0
        public var tgid: UInt32 = 0
        public var size = 560

        public init() {}

        public var bytes: [UInt8] {
            var bytes = [UInt8](repeating: 0, count: max(size, 400))
            func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
                bytes.replaceSubrange(offset..<(offset + MemoryLayout<T>.size), with: le(value))
            }
            put(version, at: 0)
            put(exitCode, at: 4)
            bytes[8] = flag
            put(runtime, at: 72)
            let name = Array(comm.utf8.prefix(31))
            bytes.replaceSubrange(80..<(80 + name.count), with: name)
            put(uid, at: 120)
            put(gid, at: 124)
            put(pid, at: 128)
            put(parentPID, at: 132)
            put(beginSeconds, at: 136)
            put(elapsed, at: 144)
            put(userTime, at: 152)
            put(systemTime, at: 160)
            put(highWaterRSS, at: 200)
            put(readBytes, at: 248)
            put(writeBytes, at: 256)
            put(beginSeconds64, at: 344)
            put(tgid, at: 368)
            return Array(bytes.prefix(size))
        }
    }

    /// One exit record: `AGGR_PID {PID, STATS}`, and `AGGR_TGID {TGID, STATS}`
    /// when `group` is given.
    public static func record(family: UInt16, pid: UInt32, _ task: Stats, group: (tgid: UInt32, stats: Stats)? = nil,
                              sequence: UInt32 = 0) -> [UInt8] {
        var attributes = attribute(4, attribute(1, le(pid)) + attribute(3, task.bytes))
        if let group { attributes += attribute(5, attribute(2, le(group.tgid)) + attribute(3, group.stats.bytes)) }
        return message(type: family, command: 2, attributes: attributes, sequence: sequence)
    }

    /// The controller's answer to CTRL_CMD_GETFAMILY.
    public static func familyAnswer(id: UInt16, name: String = "TASKSTATS", sequence: UInt32 = 1) -> [UInt8] {
        let attributes = attribute(2, Array(name.utf8) + [0]) + attribute(1, le(id)) + attribute(3, le(UInt32(1)))
        return message(type: 0x10, command: 1, attributes: attributes, sequence: sequence)
    }

    /// NLMSG_ERROR answering the request numbered `sequence` (`errno` 0: an acknowledgement).
    public static func error(sequence: UInt32, errno: Int32) -> [UInt8] {
        var request: [UInt8] = le(UInt32(36)) + le(UInt16(0x10)) + le(UInt16(5)) + le(sequence) + le(UInt32(4242))
        request = le(Int32(-errno)) + request
        return le(UInt32(16 + request.count)) + le(UInt16(2)) + le(UInt16(0)) + le(sequence) + le(UInt32(0)) + request
    }

    /// A netlink attribute, padded to 4 bytes.
    public static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var bytes = le(UInt16(4 + payload.count)) + le(type) + payload
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    public static func message(type: UInt16, command: UInt8, attributes: [UInt8], sequence: UInt32 = 0) -> [UInt8] {
        let body = [command, 1, 0, 0] + attributes
        return le(UInt32(16 + body.count)) + le(type) + le(UInt16(0)) + le(sequence) + le(UInt32(0)) + body
    }

    /// Bytes from hex digits (whitespace ignored): captured datagrams.
    public static func hex(_ text: String) -> [UInt8] {
        let digits = text.utf8.compactMap { byte -> UInt8? in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

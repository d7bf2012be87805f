// Builds proc-connector datagrams byte by byte, as the kernel lays them out
// (nlmsghdr 16 bytes, cn_msg 20, proc_event 40), so the decoder is tested
// without the kernel.

public enum Datagrams {
    public static let fork: UInt32 = 0x0000_0001
    public static let exec: UInt32 = 0x0000_0002
    public static let uid: UInt32 = 0x0000_0004
    public static let gid: UInt32 = 0x0000_0040
    public static let sid: UInt32 = 0x0000_0080
    public static let comm: UInt32 = 0x0000_0200
    public static let exit: UInt32 = 0x8000_0000
    public static let none: UInt32 = 0

    /// One netlink message holding one proc event; `data` is `event_data`,
    /// padded to the kernel's 24 bytes.
    public static func message(what: UInt32, timestamp: UInt64 = 0, data: [UInt8],
                        connector: (UInt32, UInt32) = (1, 1), type: UInt16 = 3, ack: UInt32 = 0) -> [UInt8] {
        var event: [UInt8] = []
        event += le(what)
        event += le(UInt32(0))  // cpu
        event += le(timestamp)
        var payload = data
        while payload.count < 24 { payload.append(0) }
        event += payload
        var cn: [UInt8] = []
        cn += le(connector.0) + le(connector.1)
        cn += le(UInt32(7)) + le(ack)  // seq, ack
        cn += le(UInt16(event.count)) + le(UInt16(0))
        cn += event
        var header: [UInt8] = []
        header += le(UInt32(16 + cn.count))
        header += le(type) + le(UInt16(0))
        header += le(UInt32(0)) + le(UInt32(0))
        return header + cn
    }

    public static func ints(_ values: Int32...) -> [UInt8] {
        values.flatMap { le(UInt32(bitPattern: $0)) }
    }

    public static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

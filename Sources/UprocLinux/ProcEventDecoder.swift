import UprocRules

/// Decodes proc-connector datagrams from raw bytes (the imported structs
/// lose `cn_msg.data[]`), so tests can feed hand-made or captured bytes.
public enum ProcEventDecoder {
    // Offsets from the kernel's headers, pinned by _Static_assert in CLinuxProc.h.
    @usableFromInline static let nlmsghdrSize = 16
    @usableFromInline static let cnMsgSize = 20
    @usableFromInline static let eventDataOffset = 16  // in proc_event
    static let nlmsgDone: UInt16 = 3
    static let nlmsgMinType: UInt16 = 0x10
    static let cnIdxProc: UInt32 = 1
    static let cnValProc: UInt32 = 1

    /// Decodes one netlink datagram (possibly several `nlmsghdr`s) and calls
    /// `body` for each proc event in it. Never allocates; ignores what it
    /// does not know (other connectors, SID/PTRACE/COREDUMP events, netlink
    /// control messages); never traps on malformed or truncated input.
    @inline(__always)
    public static func decode(_ datagram: UnsafeRawBufferPointer, _ body: (ProcEvent) -> Void) {
        decodeMessages(datagram) { event, _ in body(event) }
    }

    /// As `decode`, also passing each message's `cn_msg.ack` (the kernel
    /// answers a control message with that message's `ack + 1`).
    internal static func decodeMessages(_ datagram: UnsafeRawBufferPointer, _ body: (ProcEvent, UInt32) -> Void) {
        var offset = 0
        let total = datagram.count
        while total - offset >= nlmsghdrSize {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let type = datagram.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            guard length >= nlmsghdrSize, length <= total - offset else { return }
            // The connector marks its messages NLMSG_DONE; NOOP/ERROR/OVERRUN are netlink's own.
            if type == nlmsgDone || type >= nlmsgMinType {
                decodeConnectorMessage(datagram, from: offset + nlmsghdrSize, to: offset + length, body)
            }
            // NLMSG_ALIGN; a length near Int.max cannot reach here (length <= total).
            offset += (length + 3) & ~3
        }
    }

    private static func decodeConnectorMessage(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, _ body: (ProcEvent, UInt32) -> Void
    ) {
        guard end - start >= cnMsgSize else { return }
        let index = bytes.loadUnaligned(fromByteOffset: start, as: UInt32.self)
        let value = bytes.loadUnaligned(fromByteOffset: start + 4, as: UInt32.self)
        guard index == cnIdxProc, value == cnValProc else { return }
        let acknowledgement = bytes.loadUnaligned(fromByteOffset: start + 12, as: UInt32.self)
        let payloadLength = Int(bytes.loadUnaligned(fromByteOffset: start + 16, as: UInt16.self))
        let event = start + cnMsgSize
        // Trust the smaller of what cn_msg claims and what arrived.
        let available = min(payloadLength, end - event)
        guard available >= eventDataOffset else { return }
        let what = bytes.loadUnaligned(fromByteOffset: event, as: UInt32.self)
        let timestamp = bytes.loadUnaligned(fromByteOffset: event + 8, as: UInt64.self)
        let data = event + eventDataOffset
        let dataLength = available - eventDataOffset

        @inline(__always) func u32(_ at: Int) -> UInt32 {
            bytes.loadUnaligned(fromByteOffset: data + at, as: UInt32.self)
        }
        @inline(__always) func i32(_ at: Int) -> Int32 {
            bytes.loadUnaligned(fromByteOffset: data + at, as: Int32.self)
        }

        let kind: ProcEvent.Kind
        switch what {
        case 0x0000_0000:
            guard dataLength >= 4 else { return }
            kind = .ack(error: i32(0))
        case 0x0000_0001:
            guard dataLength >= 16 else { return }
            kind = .fork(parentPID: i32(0), parentTGID: i32(4), childPID: i32(8), childTGID: i32(12))
        case 0x0000_0002:
            guard dataLength >= 8 else { return }
            kind = .exec(pid: i32(0), tgid: i32(4))
        case 0x0000_0004:
            guard dataLength >= 16 else { return }
            kind = .uid(pid: i32(0), tgid: i32(4), ruid: u32(8), euid: u32(12))
        case 0x0000_0040:
            guard dataLength >= 16 else { return }
            kind = .gid(pid: i32(0), tgid: i32(4), rgid: u32(8), egid: u32(12))
        case 0x0000_0200:
            guard dataLength >= 24 else { return }
            let name = UnsafeRawBufferPointer(rebasing: bytes[(data + 8)..<(data + 24)])
            kind = .comm(pid: i32(0), tgid: i32(4), comm: Comm(name))
        case 0x8000_0000:
            guard dataLength >= 8 else { return }
            kind = .exit(pid: i32(0), tgid: i32(4))
        default:
            return
        }
        body(ProcEvent(timestamp: timestamp, kind: kind), acknowledgement)
    }
}

import UprocRules

/// Decodes proc-connector datagrams from raw bytes (the imported structs
/// lose `cn_msg.data[]`), so tests can feed hand-made or captured bytes.
package enum ProcEventDecoder {
    /// Decodes one netlink datagram (possibly several `nlmsghdr`s) and calls
    /// `body` for each proc event in it. Never allocates; ignores what it
    /// does not know (other connectors, SID/PTRACE/COREDUMP events, netlink
    /// control messages); never traps on malformed or truncated input.
    @inline(__always)
    package static func decode(_ datagram: UnsafeRawBufferPointer, _ body: (ProcEvent) -> Void) {
        decodeMessages(datagram) { event, _ in body(event) }
    }

    /// As `decode`, also passing each message's `cn_msg.ack` (the kernel
    /// answers a control message with that message's `ack + 1`).
    package static func decodeMessages(_ datagram: UnsafeRawBufferPointer, _ body: (ProcEvent, UInt32) -> Void) {
        var offset = 0
        let total = datagram.count
        while total - offset >= KernelABI.nlmsghdrSize {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset + KernelABI.nlmsgLengthOffset, as: UInt32.self))
            let type = datagram.loadUnaligned(fromByteOffset: offset + KernelABI.nlmsgTypeOffset, as: UInt16.self)
            guard length >= KernelABI.nlmsghdrSize, length <= total - offset else { return }
            // The connector marks its messages NLMSG_DONE; NOOP/ERROR/OVERRUN are netlink's own.
            if type == KernelABI.nlmsgDone || type >= KernelABI.nlmsgMinType {
                decodeConnectorMessage(datagram, from: offset + KernelABI.nlmsghdrSize, to: offset + length, body)
            }
            // A length near Int.max cannot reach here (length <= total).
            offset += KernelABI.nlmsgAlign(length)
        }
    }

    private static func decodeConnectorMessage(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, _ body: (ProcEvent, UInt32) -> Void
    ) {
        guard end - start >= KernelABI.cnMsgSize else { return }
        let index = bytes.loadUnaligned(fromByteOffset: start + KernelABI.cnIndexOffset, as: UInt32.self)
        let value = bytes.loadUnaligned(fromByteOffset: start + KernelABI.cnValueOffset, as: UInt32.self)
        guard index == KernelABI.cnIdxProc, value == KernelABI.cnValProc else { return }
        let acknowledgement = bytes.loadUnaligned(fromByteOffset: start + KernelABI.cnAcknowledgementOffset, as: UInt32.self)
        let payloadLength = Int(bytes.loadUnaligned(fromByteOffset: start + KernelABI.cnLengthOffset, as: UInt16.self))
        let event = start + KernelABI.cnMsgSize
        // Trust the smaller of what cn_msg claims and what arrived.
        let available = min(payloadLength, end - event)
        guard available >= KernelABI.eventDataOffset else { return }
        let what = bytes.loadUnaligned(fromByteOffset: event + KernelABI.eventWhatOffset, as: UInt32.self)
        let timestamp = bytes.loadUnaligned(fromByteOffset: event + KernelABI.eventTimestampOffset, as: UInt64.self)
        let data = event + KernelABI.eventDataOffset
        let dataLength = available - KernelABI.eventDataOffset

        @inline(__always) func u32(_ at: Int) -> UInt32 {
            bytes.loadUnaligned(fromByteOffset: data + at, as: UInt32.self)
        }
        @inline(__always) func i32(_ at: Int) -> Int32 {
            bytes.loadUnaligned(fromByteOffset: data + at, as: Int32.self)
        }

        let kind: ProcEvent.Kind
        var exitDetail: ExitDetail?
        switch what {
        case KernelABI.What.none:
            guard dataLength >= 4 else { return }
            kind = .ack(error: i32(0))
        case KernelABI.What.fork:
            guard dataLength >= 16 else { return }
            kind = .fork(parentPID: i32(0), parentTGID: i32(4), childPID: i32(8), childTGID: i32(12))
        case KernelABI.What.exec:
            guard dataLength >= 8 else { return }
            kind = .exec(pid: i32(0), tgid: i32(4))
        case KernelABI.What.uid:
            guard dataLength >= 16 else { return }
            kind = .uid(pid: i32(0), tgid: i32(4), ruid: u32(8), euid: u32(12))
        case KernelABI.What.gid:
            guard dataLength >= 16 else { return }
            kind = .gid(pid: i32(0), tgid: i32(4), rgid: u32(8), egid: u32(12))
        case KernelABI.What.comm:
            let commEnd = KernelABI.commOffset + KernelABI.commLength
            guard dataLength >= commEnd else { return }
            let name = UnsafeRawBufferPointer(rebasing: bytes[(data + KernelABI.commOffset)..<(data + commEnd)])
            kind = .comm(pid: i32(0), tgid: i32(4), comm: Comm(name))
        case KernelABI.What.exit:
            guard dataLength >= 8 else { return }
            kind = .exit(pid: i32(0), tgid: i32(4))
            if dataLength >= KernelABI.exitSignalOffset + 4 {
                exitDetail = ExitDetail(status: WaitStatus(u32(KernelABI.exitCodeOffset)),
                                        parentSignal: i32(KernelABI.exitSignalOffset))
            }
        default:
            return
        }
        body(ProcEvent(timestamp: timestamp, kind: kind, exitDetail: exitDetail), acknowledgement)
    }
}

import CLinuxProc
import Glibc
import SystemPackage
import UprocEvents

/// The kernel's process-event stream: a netlink connector socket bound to
/// the proc connector's multicast group. Owns its socket; confined to the
/// loop thread.
package final class ProcConnector {
    package let fileDescriptor: Int32
    /// The socket's netlink port ID (`nl_pid`), as the kernel assigned it.
    package let portID: UInt32
    /// The receive buffer the kernel granted (getsockopt: twice what was asked).
    package let receiveBufferSize: Int
    package private(set) var statistics = ProcConnectorStatistics()

    /// Every datagram, event or acknowledgement, arrives here.
    private let batch = DatagramBatch()
    private var nextTag: UInt32

    /// Opens and binds the socket and sizes its receive buffer; no events
    /// arrive until `subscribe`. Asks with SO_RCVBUFFORCE (root may exceed
    /// `net.core.rmem_max`) and falls back to SO_RCVBUF.
    package init(receiveBufferSize requested: Int) throws(ProcConnectorError) {
        let fd: Int32
        do {
            fd = try syscall("socket", subject: "NETLINK_CONNECTOR") {
                socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                       KernelABI.netlinkConnector)
            }.get()
        } catch { throw .system(error) }
        var ownsSocket = true
        defer { if ownsSocket { closeDescriptor(fd) } }

        var size = Int32(clamping: requested)
        let length = socklen_t(MemoryLayout<Int32>.size)
        if case .failure = syscall("setsockopt", { setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) }) {
            do {
                _ = try syscall("setsockopt", subject: "SO_RCVBUF") { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, length) }.get()
            } catch { throw .system(error) }
        }

        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = KernelABI.cnIdxProc
        address.nl_pid = 0  // let the kernel pick a unique port
        let addressLength = socklen_t(MemoryLayout<sockaddr_nl>.size)
        do {
            _ = try syscall("bind", subject: "CN_IDX_PROC") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, addressLength) }
                }
            }.get()
        } catch { throw .system(error) }

        var bound = sockaddr_nl()
        var boundLength = addressLength
        do {
            _ = try syscall("getsockname") {
                withUnsafeMutablePointer(to: &bound) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &boundLength) }
                }
            }.get()
        } catch { throw .system(error) }

        var granted: Int32 = 0
        var grantedLength = length
        _ = syscall("getsockopt", subject: "SO_RCVBUF") { getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &grantedLength) }

        fileDescriptor = fd
        portID = bound.nl_pid
        receiveBufferSize = Int(granted)
        // Answers to control messages go to every listener; ours carry our
        // tag + 1. Port IDs are unique per socket and the multiplication is
        // a bijection, so two sockets start far apart.
        nextTag = bound.nl_pid &* 0x9E37_79B1
        ownsSocket = false
    }

    deinit {
        closeDescriptor(fileDescriptor)
    }

    /// Asks the kernel for events and reports how it will deliver them.
    ///
    /// The kernel answers a control message with a PROC_EVENT_NONE ack, but
    /// (6.6+) that ack passes through the socket's own event filter, so a
    /// filtered subscription is never acknowledged. Hence: first the 8-byte
    /// `proc_input` form asking for all types (acknowledged on 6.6+, silently
    /// ignored before), then — if acknowledged — the filter for `types`;
    /// otherwise the classic 4-byte form. No answer to either means the
    /// kernel ignores us (non-initial user or PID namespace).
    ///
    /// Events read while waiting are discarded: callers scan `/proc` after
    /// subscribing, which covers them.
    package func subscribe(to types: ProcEventTypes = .tracking,
                          acknowledgementTimeoutMilliseconds timeout: Int32 = 250)
        throws(ProcConnectorError) -> SubscriptionMode
    {
        let probe = try send(operation: KernelABI.procCnMcastListen, filter: KernelABI.What.all)
        if let error = awaitAcknowledgement(tag: probe, timeout: timeout) {
            guard error == 0 else { throw .refused(errno: Errno(rawValue: error)) }
            _ = try send(operation: KernelABI.procCnMcastListen, filter: types.rawValue)
            // Whatever is queued now predates the filter.
            discardQueued()
            return .filtered
        }
        let classic = try send(operation: KernelABI.procCnMcastListen, filter: nil)
        guard let error = awaitAcknowledgement(tag: classic, timeout: timeout) else { throw .noAcknowledgement }
        guard error == 0 else { throw .refused(errno: Errno(rawValue: error)) }
        return .unfiltered
    }

    /// Tells the kernel to stop sending (PROC_CN_MCAST_IGNORE); best effort.
    /// On 6.6+ this socket then gets nothing; before 6.6 it only lowers the
    /// kernel's listener count, and the socket still receives while others
    /// listen: close it (drop the object) to be sure.
    package func unsubscribe() {
        _ = try? send(operation: KernelABI.procCnMcastIgnore, filter: nil)
    }

    /// Reads every queued datagram (until EAGAIN) into one reusable batch
    /// and passes each decoded event to `body`. Drops datagrams not sent by
    /// the kernel. ENOBUFS sets `overrun` and reading goes on: what is still
    /// queued is valid. Any other receive error ends the drain and is
    /// returned in `error` (events before it were delivered).
    ///
    /// Stops after the batch that ends `budget` nanoseconds after the start,
    /// with `more` set: events arriving as fast as they are handled must not
    /// keep a caller from its other work (the daemon's files). The socket is
    /// then still readable.
    @discardableResult
    package func drain(budget: UInt64 = .max, _ body: (ProcEvent) -> Void) -> DrainResult {
        var result = DrainResult()
        defer { statistics.events += result.events }
        let deadline = budget == .max ? UInt64.max : MonotonicClock.nanoseconds() &+ budget
        while true {
            let outcome = receiveBatch { datagram in
                ProcEventDecoder.decode(datagram) { event in
                    result.events += 1
                    body(event)
                }
            }
            switch outcome {
            case .full: break
            case .overrun: result.overrun = true
            case .emptied: return result
            case .failed(let error):
                result.error = error
                return result
            }
            if deadline != .max && MonotonicClock.nanoseconds() >= deadline {
                result.more = true
                return result
            }
        }
    }

    // MARK: - internals

    private enum BatchOutcome {
        /// The batch was full: more may be queued.
        case full
        /// The socket is empty (a short batch, or EAGAIN).
        case emptied
        /// ENOBUFS: the kernel dropped messages; what is queued is valid.
        case overrun
        case failed(SystemCallError)

        var mayHaveMore: Bool {
            switch self {
            case .full, .overrun: return true
            case .emptied, .failed: return false
            }
        }
    }

    /// One `recvmmsg`: passes each datagram the kernel sent to `body` and
    /// counts the rest. The one receive path, for events and acknowledgements.
    private func receiveBatch(_ body: (UnsafeRawBufferPointer) -> Void) -> BatchOutcome {
        switch batch.receive(from: fileDescriptor) {
        case .received(let count):
            for index in 0..<count {
                // Only the kernel (port 0) may speak for the proc connector.
                guard batch.senderPort(index) == 0 else {
                    statistics.foreignDatagrams += 1
                    continue
                }
                statistics.datagrams += 1
                body(batch.datagram(index))
            }
            // A short batch emptied the socket; anything newer wakes the
            // (level-triggered) loop again, so skip the EAGAIN call.
            return count < batch.capacity ? .emptied : .full
        case .overrun:
            statistics.overruns += 1
            return .overrun
        case .empty:
            return .emptied
        case .failed(let error):
            return .failed(error)
        }
    }

    /// Sends one control message; `filter` nil sends the classic 4-byte form.
    /// Returns the tag its acknowledgement will carry.
    private func send(operation: UInt32, filter: UInt32?) throws(ProcConnectorError) -> UInt32 {
        let tag = nextTag
        nextTag &+= 1
        let payload = filter == nil ? 4 : KernelABI.procInputSize
        let cn = KernelABI.nlmsghdrSize
        let total = cn + KernelABI.cnMsgSize + payload
        let result: Result<Int, SystemCallError> = withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { message in
            message.initializeMemory(as: UInt8.self, repeating: 0)
            message.storeBytes(of: UInt32(total), toByteOffset: KernelABI.nlmsgLengthOffset, as: UInt32.self)
            message.storeBytes(of: KernelABI.nlmsgDone, toByteOffset: KernelABI.nlmsgTypeOffset, as: UInt16.self)
            message.storeBytes(of: portID, toByteOffset: KernelABI.nlmsgPortOffset, as: UInt32.self)
            message.storeBytes(of: KernelABI.cnIdxProc, toByteOffset: cn + KernelABI.cnIndexOffset, as: UInt32.self)
            message.storeBytes(of: KernelABI.cnValProc, toByteOffset: cn + KernelABI.cnValueOffset, as: UInt32.self)
            message.storeBytes(of: tag, toByteOffset: cn + KernelABI.cnSequenceOffset, as: UInt32.self)
            message.storeBytes(of: tag, toByteOffset: cn + KernelABI.cnAcknowledgementOffset, as: UInt32.self)
            message.storeBytes(of: UInt16(payload), toByteOffset: cn + KernelABI.cnLengthOffset, as: UInt16.self)
            // proc_input { mcast_op, event_type } or the bare op
            let input = cn + KernelABI.cnMsgSize
            message.storeBytes(of: operation, toByteOffset: input, as: UInt32.self)
            if let filter { message.storeBytes(of: filter, toByteOffset: input + 4, as: UInt32.self) }

            var kernel = sockaddr_nl()
            kernel.nl_family = sa_family_t(AF_NETLINK)
            return syscall("sendto", subject: "proc connector") {
                withUnsafePointer(to: &kernel) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fileDescriptor, message.baseAddress, total, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                    }
                }
            }
        }
        switch result {
        case .success: return tag
        case .failure(let error): throw .system(error)
        }
    }

    /// Waits for the ack of the message tagged `tag`; its errno, or nil on timeout.
    private func awaitAcknowledgement(tag: UInt32, timeout: Int32) -> Int32? {
        let deadline = MonotonicClock.nanoseconds() + UInt64(max(timeout, 0)) * 1_000_000
        var answer: Int32?
        while true {
            var outcome: BatchOutcome
            repeat {
                outcome = receiveBatch { datagram in
                    ProcEventDecoder.decodeMessages(datagram) { event, ack in
                        if case .ack(let error) = event.kind, ack == tag &+ 1 { answer = error }
                    }
                }
                if let answer { return answer }
            } while outcome.mayHaveMore
            let now = MonotonicClock.nanoseconds()
            guard now < deadline else { return nil }
            var poller = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            _ = syscall("poll", subject: "proc connector") { poll(&poller, 1, remaining) }
        }
    }

    /// Waits up to `milliseconds` for a datagram; true when one is queued.
    /// The corresponding C function is `poll`.
    package func waitReadable(milliseconds: Int32) -> Bool {
        var poller = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let ready = syscall("poll", subject: "proc connector") { poll(&poller, 1, milliseconds) }
        if case .success(let count) = ready { return count > 0 }
        return false
    }

    private func discardQueued() {
        while receiveBatch({ _ in }).mayHaveMore {}
    }
}

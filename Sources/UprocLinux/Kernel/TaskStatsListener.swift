import CLinuxProc
import Glibc
import SystemPackage
import UprocEvents

/// The kernel's exit records (taskstats): a generic netlink socket
/// registered for the records of tasks exiting on every possible CPU.
/// Non-blocking and close-on-exec; the loop watches `fileDescriptor`. Owns
/// its socket; confined to the loop thread.
///
/// Every task's exit in the system is sent here (threads too): the caller
/// keeps what concerns it. Registering needs CAP_NET_ADMIN in the initial
/// user namespace (`TaskStatsError.isNotPermitted` otherwise).
package final class TaskStatsListener {
    package let fileDescriptor: Int32
    /// The socket's netlink port ID, as the kernel assigned it: records are sent to it.
    package let portID: UInt32
    /// The taskstats family's generic netlink ID (the controller assigns it at boot).
    package private(set) var family: UInt16
    /// The CPUs registered for, as the kernel's CPU list syntax (`0-3`).
    package let cpuList: String
    /// The receive buffer the kernel granted.
    package let receiveBufferSize: Int
    package private(set) var statistics = TaskStatsStatistics()

    /// Records are about 600 bytes, 1,200 with a group's totals.
    private let batch = DatagramBatch(capacity: 32, slotSize: 4096)
    private var nextSequence: UInt32
    private var registered = false

    /// Opens the socket, sizes its receive buffer (SO_RCVBUFFORCE, else
    /// SO_RCVBUF), asks the controller for the taskstats family and
    /// registers for the exit records of `cpuList` (default: every
    /// possible CPU). Waits up to `timeout` ms for each answer.
    package init(receiveBufferSize requested: Int, cpuList: String? = nil, timeout: Int32 = 1000) throws(TaskStatsError) {
        let fd: Int32
        do {
            fd = try syscall("socket", subject: "NETLINK_GENERIC") {
                socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                       TaskStatsABI.netlinkGeneric)
            }.get()
        } catch { throw .system(error) }
        var ownsSocket = true
        defer { if ownsSocket { closeDescriptor(fd) } }

        var size = Int32(clamping: requested)
        let length = socklen_t(MemoryLayout<Int32>.size)
        if case .failure = syscall("setsockopt", { setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) }) {
            do {
                try syscall("setsockopt", subject: "SO_RCVBUF") { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, length) }.get()
            } catch { throw .system(error) }
        }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let addressLength = socklen_t(MemoryLayout<sockaddr_nl>.size)
        do {
            try syscall("bind", subject: "NETLINK_GENERIC") {
                withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, addressLength) } }
            }.get()
        } catch { throw .system(error) }
        var bound = sockaddr_nl()
        var boundLength = addressLength
        do {
            try syscall("getsockname") {
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
        nextSequence = bound.nl_pid &* 0x9E37_79B1
        self.cpuList = cpuList ?? Self.possibleCPUs()
        family = 0
        // From here on `deinit` closes the socket.
        ownsSocket = false

        let lookUp = try send(family: TaskStatsABI.controllerID, command: TaskStatsABI.controllerGetFamily, version: 1,
                              attribute: TaskStatsABI.controllerFamilyName, value: Array(TaskStatsABI.familyName.utf8))
        var familyID: UInt16?
        let answer = awaitAnswer(sequence: lookUp, timeout: timeout) { message in
            if case .family(let id) = message { familyID = id }
            return familyID != nil
        }
        if let familyID {
            family = familyID
        } else if case .refused(let errno) = answer, errno == .noSuchFileOrDirectory {
            throw .familyMissing
        } else {
            throw answer ?? .noAnswer
        }
        let registration = try send(family: family, command: TaskStatsABI.commandGet, version: TaskStatsABI.familyVersion,
                                    attribute: TaskStatsABI.registerCPUMask, value: Array(self.cpuList.utf8))
        switch awaitAnswer(sequence: registration, timeout: timeout, { _ in false }) {
        case .refused(let errno)? where errno.rawValue == 0: registered = true
        case let failure?: throw failure
        case nil: throw .noAnswer
        }
    }

    deinit {
        // Best effort: the kernel also drops a listener whose socket is gone
        // (at its next record for it).
        if registered {
            _ = try? send(family: family, command: TaskStatsABI.commandGet, version: TaskStatsABI.familyVersion,
                          attribute: TaskStatsABI.deregisterCPUMask, value: Array(cpuList.utf8))
        }
        closeDescriptor(fileDescriptor)
    }

    /// Reads every queued datagram (until EAGAIN) and passes each exit
    /// record to `body`. Drops datagrams not sent by the kernel. ENOBUFS
    /// sets `overrun` and reading goes on (what is still queued is valid);
    /// it is counted, never fatal. Stops after the batch that ends `budget`
    /// ns after the start, with `more` set.
    @discardableResult
    package func drain(budget: UInt64 = .max, _ body: (TaskExitRecord) -> Void) -> TaskStatsDrainResult {
        var result = TaskStatsDrainResult()
        defer { statistics.records += result.records }
        let deadline = budget == .max ? UInt64.max : MonotonicClock.nanoseconds() &+ budget
        let family = self.family
        while true {
            let outcome = receiveBatch { datagram in
                TaskStatsDecoder.decode(datagram, family: family) { message in
                    if case .record(let record) = message {
                        result.records += 1
                        body(record)
                    }
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

    /// The CPUs the kernel may ever run tasks on, from
    /// `/sys/devices/system/cpu/possible` (`0-3`), else 0 to the number of
    /// configured CPUs less one: records are sent only to listeners
    /// registered for the CPU the task exits on.
    package static func possibleCPUs(path: String = "/sys/devices/system/cpu/possible") -> String {
        if let text = try? FileReading.read(path, limit: 4096) {
            let list = text.filter { $0 != UInt8(ascii: "\n") }
            if !list.isEmpty, list.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "-") }) {
                return String(decoding: list, as: UTF8.self)
            }
        }
        return "0-\(max(sysconf(Int32(_SC_NPROCESSORS_CONF)), 1) - 1)"
    }

    // MARK: - internals

    private enum BatchOutcome {
        case full
        case emptied
        case overrun
        case failed(SystemCallError)

        var mayHaveMore: Bool {
            switch self {
            case .full, .overrun: return true
            case .emptied, .failed: return false
            }
        }
    }

    /// One `recvmmsg`: passes each datagram the kernel sent to `body`.
    private func receiveBatch(_ body: (UnsafeRawBufferPointer) -> Void) -> BatchOutcome {
        switch batch.receive(from: fileDescriptor) {
        case .received(let count):
            for index in 0..<count {
                guard batch.senderPort(index) == 0 else {
                    statistics.foreignDatagrams += 1
                    continue
                }
                statistics.datagrams += 1
                body(batch.datagram(index))
            }
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

    /// Sends one request asking for an acknowledgement; returns its sequence number.
    private func send(family: UInt16, command: UInt8, version: UInt8, attribute: UInt16, value: [UInt8])
        throws(TaskStatsError) -> UInt32
    {
        let sequence = nextSequence
        nextSequence &+= 1
        let result: Result<Int, SystemCallError>? = withUnsafeTemporaryAllocation(
            byteCount: TaskStatsRequest.capacity, alignment: 8
        ) { message in
            guard let length = TaskStatsRequest.build(
                into: message, family: family, command: command, version: version, sequence: sequence, port: portID,
                attributeType: attribute, value: value, nulTerminated: true) else { return nil }
            var kernel = sockaddr_nl()
            kernel.nl_family = sa_family_t(AF_NETLINK)
            return syscall("sendto", subject: "taskstats") {
                withUnsafePointer(to: &kernel) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fileDescriptor, message.baseAddress, length, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                    }
                }
            }
        }
        switch result {
        case .success?: return sequence
        case .failure(let error)?: throw .system(error)
        case nil: throw .system(SystemCallError(call: "sendto", subject: "taskstats", errno: Errno(rawValue: E2BIG)))
        }
    }

    /// Reads answers until `done` accepts a message or the request tagged
    /// `sequence` is acknowledged (then `.refused(errno)`, errno 0 for
    /// success), or `timeout` ms pass (nil). Records read meanwhile are
    /// dropped: nothing is registered yet, or the caller has just asked.
    private func awaitAnswer(sequence: UInt32, timeout: Int32, _ done: (TaskStatsMessage) -> Bool) -> TaskStatsError? {
        let deadline = MonotonicClock.nanoseconds() + UInt64(max(timeout, 0)) * 1_000_000
        var answer: TaskStatsError?
        var finished = false
        let family = self.family
        while true {
            var outcome: BatchOutcome
            repeat {
                outcome = receiveBatch { datagram in
                    TaskStatsDecoder.decode(datagram, family: family) { message in
                        guard !finished else { return }
                        if done(message) {
                            finished = true
                        } else if case .acknowledgement(sequence, let error) = message {
                            answer = .refused(errno: Errno(rawValue: error))
                            finished = true
                        }
                    }
                }
                if finished { return answer }
            } while outcome.mayHaveMore
            let now = MonotonicClock.nanoseconds()
            guard now < deadline else { return nil }
            var poller = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            _ = syscall("poll", subject: "taskstats") { poll(&poller, 1, remaining) }
        }
    }
}

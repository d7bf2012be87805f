import UprocRules

/// What one generic netlink message to a taskstats listener says.
package enum TaskStatsMessage: Hashable, Sendable {
    /// A task's exit record.
    case record(TaskExitRecord)
    /// The controller's answer naming the taskstats family's ID.
    case family(id: UInt16)
    /// The answer to a request that asked for one (`NLM_F_ACK`) or failed:
    /// `error` 0 for success, else a positive errno; `sequence` is the
    /// request's.
    case acknowledgement(sequence: UInt32, error: Int32)
}

/// Decodes generic netlink datagrams from the kernel's taskstats family
/// and its controller, from raw bytes, so tests feed hand-made or captured
/// datagrams without the kernel. Never allocates; ignores what it does not
/// know; never traps on malformed or truncated input.
package enum TaskStatsDecoder {
    /// Calls `body` for each message of `datagram` (several `nlmsghdr`s
    /// may share one). `family` is the taskstats family's ID (0 while it is
    /// not known: records are then ignored).
    package static func decode(_ datagram: UnsafeRawBufferPointer, family: UInt16, _ body: (TaskStatsMessage) -> Void) {
        var offset = 0
        let total = datagram.count
        while total - offset >= KernelABI.nlmsghdrSize {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset + KernelABI.nlmsgLengthOffset, as: UInt32.self))
            guard length >= KernelABI.nlmsghdrSize, length <= total - offset else { return }
            let type = datagram.loadUnaligned(fromByteOffset: offset + KernelABI.nlmsgTypeOffset, as: UInt16.self)
            let payload = offset + KernelABI.nlmsghdrSize
            let end = offset + length
            if type == TaskStatsABI.nlmsgError {
                if end - payload >= TaskStatsABI.errorSize {
                    let error = datagram.loadUnaligned(fromByteOffset: payload, as: Int32.self)
                    // The request's own header follows the error.
                    let sequence = datagram.loadUnaligned(
                        fromByteOffset: payload + 4 + TaskStatsABI.nlmsgSequenceOffset, as: UInt32.self)
                    body(.acknowledgement(sequence: sequence, error: error == Int32.min ? Int32.max : -error))
                }
            } else if type == TaskStatsABI.controllerID {
                if let id = familyID(datagram, from: payload, to: end) { body(.family(id: id)) }
            } else if family != 0 && type == family {
                if let record = record(datagram, from: payload, to: end) { body(.record(record)) }
            }
            offset += KernelABI.nlmsgAlign(length)
        }
    }

    /// Calls `body` with the type (flags masked off) and payload range of
    /// each attribute in `start..<end`; stops at the first malformed one.
    @inline(__always)
    static func forEachAttribute(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int,
                                 _ body: (UInt16, Range<Int>) -> Void) {
        var offset = start
        while end - offset >= TaskStatsABI.attributeHeaderSize {
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let type = bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & TaskStatsABI.attributeTypeMask
            guard length >= TaskStatsABI.attributeHeaderSize, length <= end - offset else { return }
            body(type, (offset + TaskStatsABI.attributeHeaderSize)..<(offset + length))
            offset += TaskStatsABI.attributeAlign(length)
        }
    }

    /// The family ID in a controller answer about the taskstats family.
    private static func familyID(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> UInt16? {
        guard end - start >= TaskStatsABI.genericHeaderSize,
              bytes[start] == TaskStatsABI.controllerNewFamily else { return nil }
        var id: UInt16?
        var named = false
        forEachAttribute(bytes, from: start + TaskStatsABI.genericHeaderSize, to: end) { type, range in
            switch type {
            case TaskStatsABI.controllerFamilyID where range.count >= 2:
                id = bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt16.self)
            case TaskStatsABI.controllerFamilyName:
                // NUL-terminated.
                let name = TaskStatsABI.familyName.utf8
                named = range.count >= name.count && zip(name, bytes[range]).allSatisfy { $0 == $1 }
                    && (range.count == name.count || bytes[range.lowerBound + name.count] == 0)
            default:
                break
            }
        }
        return named ? id : nil
    }

    /// An exit record: `TASKSTATS_TYPE_AGGR_PID {PID, STATS}` and, with the
    /// last thread of a group that had several, `AGGR_TGID {TGID, STATS}`.
    private static func record(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> TaskExitRecord? {
        guard end - start >= TaskStatsABI.genericHeaderSize, bytes[start] == TaskStatsABI.commandNew else { return nil }
        var task: (pid: Int32, stats: Range<Int>)?
        var group: (tgid: Int32, stats: Range<Int>)?
        forEachAttribute(bytes, from: start + TaskStatsABI.genericHeaderSize, to: end) { type, range in
            guard type == TaskStatsABI.typeAggregatePID || type == TaskStatsABI.typeAggregateTGID else { return }
            var id: Int32?
            var stats: Range<Int>?
            forEachAttribute(bytes, from: range.lowerBound, to: range.upperBound) { inner, innerRange in
                switch inner {
                case TaskStatsABI.typePID, TaskStatsABI.typeTGID:
                    if innerRange.count >= 4 { id = bytes.loadUnaligned(fromByteOffset: innerRange.lowerBound, as: Int32.self) }
                case TaskStatsABI.typeStats:
                    stats = innerRange
                default:
                    break
                }
            }
            guard let id, let stats else { return }
            if type == TaskStatsABI.typeAggregatePID { task = (id, stats) } else { group = (id, stats) }
        }
        guard let task, task.stats.count >= TaskStatsABI.Stats.flag + 1 else { return nil }
        let stats = Fields(bytes: bytes, range: task.stats)
        var record = TaskExitRecord(
            version: stats.u16(TaskStatsABI.Stats.version), pid: task.pid,
            tgid: Int32(bitPattern: stats.u32(TaskStatsABI.Stats.tgid)),
            parentTGID: Int32(bitPattern: stats.u32(TaskStatsABI.Stats.parentPID)),
            status: WaitStatus(stats.u32(TaskStatsABI.Stats.exitCode)),
            flags: stats.u8(TaskStatsABI.Stats.flag),
            uid: stats.u32(TaskStatsABI.Stats.uid), gid: stats.u32(TaskStatsABI.Stats.gid),
            comm: stats.comm(),
            beginSeconds: stats.u64(TaskStatsABI.Stats.beginSeconds64) != 0
                ? stats.u64(TaskStatsABI.Stats.beginSeconds64) : UInt64(stats.u32(TaskStatsABI.Stats.beginSeconds)),
            elapsedMicroseconds: stats.u64(TaskStatsABI.Stats.elapsed),
            task: stats.figures())
        if let group {
            record.group = Fields(bytes: bytes, range: group.stats).figures()
            if record.tgid == 0 { record.tgid = group.tgid }
        }
        return record
    }

    /// Fields of one `struct taskstats`; a field past its end (an older
    /// kernel's shorter struct) reads as 0.
    private struct Fields {
        let bytes: UnsafeRawBufferPointer
        let range: Range<Int>

        func u8(_ offset: Int) -> UInt8 {
            offset + 1 <= range.count ? bytes[range.lowerBound + offset] : 0
        }
        func u16(_ offset: Int) -> UInt16 {
            offset + 2 <= range.count ? bytes.loadUnaligned(fromByteOffset: range.lowerBound + offset, as: UInt16.self) : 0
        }
        func u32(_ offset: Int) -> UInt32 {
            offset + 4 <= range.count ? bytes.loadUnaligned(fromByteOffset: range.lowerBound + offset, as: UInt32.self) : 0
        }
        func u64(_ offset: Int) -> UInt64 {
            offset + 8 <= range.count ? bytes.loadUnaligned(fromByteOffset: range.lowerBound + offset, as: UInt64.self) : 0
        }
        func comm() -> Comm {
            let start = TaskStatsABI.Stats.comm
            guard start + TaskStatsABI.Stats.commLength <= range.count else { return Comm() }
            let base = range.lowerBound + start
            return Comm(UnsafeRawBufferPointer(rebasing: bytes[base..<(base + TaskStatsABI.Stats.commLength)]))
        }
        func figures() -> TaskStatsFigures {
            TaskStatsFigures(
                runtimeNanoseconds: u64(TaskStatsABI.Stats.runtime),
                userSampleMicroseconds: u64(TaskStatsABI.Stats.userTime),
                systemSampleMicroseconds: u64(TaskStatsABI.Stats.systemTime),
                readBytes: u64(TaskStatsABI.Stats.readBytes),
                writeBytes: u64(TaskStatsABI.Stats.writeBytes),
                highWaterResidentKiB: u64(TaskStatsABI.Stats.highWaterRSS))
        }
    }
}

/// Builds the generic netlink requests a taskstats listener sends.
package enum TaskStatsRequest {
    /// The largest request built here (a CPU list of a few hundred bytes fits).
    package static let capacity = 1024

    /// Writes one request into `buffer` (zeroed first): `command` of
    /// `family` with one attribute of `attributeType` holding `value` (a
    /// C string gets its NUL from `nulTerminated`), asking for an
    /// acknowledgement. Returns its length, or nil when it does not fit.
    package static func build(into buffer: UnsafeMutableRawBufferPointer, family: UInt16, command: UInt8, version: UInt8,
                              sequence: UInt32, port: UInt32, attributeType: UInt16, value: some Collection<UInt8>,
                              nulTerminated: Bool) -> Int? {
        let valueLength = value.count + (nulTerminated ? 1 : 0)
        let attributeLength = TaskStatsABI.attributeHeaderSize + valueLength
        let total = KernelABI.nlmsghdrSize + TaskStatsABI.genericHeaderSize + TaskStatsABI.attributeAlign(attributeLength)
        guard total <= buffer.count, attributeLength <= Int(UInt16.max) else { return nil }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        buffer.storeBytes(of: UInt32(total), toByteOffset: KernelABI.nlmsgLengthOffset, as: UInt32.self)
        buffer.storeBytes(of: family, toByteOffset: KernelABI.nlmsgTypeOffset, as: UInt16.self)
        buffer.storeBytes(of: TaskStatsABI.flagRequest | TaskStatsABI.flagAcknowledge,
                          toByteOffset: TaskStatsABI.nlmsgFlagsOffset, as: UInt16.self)
        buffer.storeBytes(of: sequence, toByteOffset: TaskStatsABI.nlmsgSequenceOffset, as: UInt32.self)
        buffer.storeBytes(of: port, toByteOffset: KernelABI.nlmsgPortOffset, as: UInt32.self)
        let generic = KernelABI.nlmsghdrSize
        buffer[generic] = command
        buffer[generic + 1] = version
        let attribute = generic + TaskStatsABI.genericHeaderSize
        buffer.storeBytes(of: UInt16(attributeLength), toByteOffset: attribute, as: UInt16.self)
        buffer.storeBytes(of: attributeType, toByteOffset: attribute + 2, as: UInt16.self)
        var index = attribute + TaskStatsABI.attributeHeaderSize
        for byte in value {
            buffer[index] = byte
            index += 1
        }
        return total
    }
}

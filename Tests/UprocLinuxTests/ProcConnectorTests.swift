import CLinuxProc
import Foundation
import Glibc
import Testing
import UprocEvents
import UprocLinux
import UprocTestSupport

@Suite(.serialized, .enabled(if: Kernel.available, Kernel.reason))
struct ProcConnectorTests {
    @Test func reportsFilteredModeOnLinux6_6AndLater() throws {
        let connector = try ProcConnector(receiveBufferSize: 1 << 20)
        let mode = try connector.subscribe()
        let (major, minor) = Kernel.version
        #expect(mode == ((major, minor) >= (6, 6) ? .filtered : .unfiltered))
        #expect(connector.receiveBufferSize >= 1 << 20)  // the kernel doubles what it grants
    }

    @Test func forkExecAndExitOfARealProcessArrive() throws {
        let connector = try ProcConnector(receiveBufferSize: 4 << 20)
        _ = try connector.subscribe()
        let before = MonotonicClock.nanoseconds()
        let pid = try run("/bin/sh", ["-c", "exec /bin/true"])
        let after = MonotonicClock.nanoseconds()
        let events = collect(connector) { events in
            events.contains { if case .exit(pid, pid) = $0.kind { true } else { false } }
        }
        // Timestamps are CLOCK_MONOTONIC, comparable with MonotonicClock.
        for event in events where event.kind.involves(pid) {
            #expect(event.timestamp >= before && event.timestamp <= after)
        }
        let mine = events.filter { $0.kind.involves(pid) }.map(\.kind)
        #expect(mine.contains { if case .fork(_, _, pid, pid) = $0 { true } else { false } })
        #expect(mine.contains(.exec(pid: pid, tgid: pid)))
        #expect(mine.last == .exit(pid: pid, tgid: pid))
        #expect(connector.statistics.datagrams >= 3)
        #expect(kernelDrops(connector) == 0)
        #expect(connector.statistics.events >= 3)
    }

    /// A drain with a budget stops when it runs out, says more may be queued,
    /// and the next drain goes on where it stopped: a caller with other work
    /// (the daemon's files) is never held by a stream of events.
    @Test func aDrainStopsAtItsBudgetAndTheNextGoesOn() throws {
        let connector = try ProcConnector(receiveBufferSize: 8 << 20)
        _ = try connector.subscribe()
        let pid = try run("/bin/sh", ["-c", "for i in $(seq 300); do /bin/true; done"])
        // Let everything queue first.
        Thread.sleep(forTimeInterval: 0.2)
        var first = 0
        let slow = connector.drain(budget: 2_000_000) { _ in
            first += 1
            usleep(100)
        }
        #expect(slow.more, "a 2 ms drain of 100 µs events handled \(first) and found no more")
        #expect(slow.events == first && first > 0 && first < 300)
        var rest: [ProcEvent] = []
        var drains = 0
        while true {
            drains += 1
            let result = connector.drain(budget: 2_000_000) { rest.append($0) }
            if !result.more { break }
        }
        #expect(rest.contains { if case .exit(pid, pid) = $0.kind { true } else { false } }, "the shell's exit came after \(drains) drains")
        #expect(first + rest.count >= 900, "fork, exec and exit of 300 processes")
    }

    @Test func uidAndGidChangesArriveWithRealAndEffectiveIDs() throws {
        let connector = try ProcConnector(receiveBufferSize: 4 << 20)
        _ = try connector.subscribe()
        let pid = try run("/usr/bin/setpriv", ["--reuid=4242", "--regid=4343", "--clear-groups", "/bin/true"])
        let events = collect(connector) { events in
            events.contains { if case .exit(pid, pid) = $0.kind { true } else { false } }
        }
        let mine = events.map(\.kind).filter { $0.involves(pid) }
        #expect(mine.contains(.uid(pid: pid, tgid: pid, ruid: 4242, euid: 4242)))
        #expect(mine.contains(.gid(pid: pid, tgid: pid, rgid: 4343, egid: 4343)))
    }

    @Test func theKernelFilterDeliversOnlySubscribedTypes() throws {
        let connector = try ProcConnector(receiveBufferSize: 4 << 20)
        guard try connector.subscribe(to: [.exit]) == .filtered else {
            #expect(Kernel.version < (6, 6), "no filter on a 6.6+ kernel")
            return
        }
        let pid = try run("/bin/sh", ["-c", "exec /bin/true"])
        let events = collect(connector) { events in
            events.contains { if case .exit(pid, pid) = $0.kind { true } else { false } }
        }
        #expect(!events.isEmpty)
        let others = events.filter { if case .exit = $0.kind { false } else { true } }
        #expect(others.isEmpty, "non-exit events: \(others.prefix(5))")
    }

    @Test func afterUnsubscribingNothingArrives() throws {
        let connector = try ProcConnector(receiveBufferSize: 4 << 20)
        // Before 6.6 the socket stays in the group and hears other listeners' events.
        guard try connector.subscribe() == .filtered else { return }
        connector.unsubscribe()
        connector.drain { _ in }
        let pid = try run("/bin/sh", ["-c", "exec /bin/true"])
        usleep(50_000)
        var mine: [ProcEvent] = []
        connector.drain { if $0.kind.involves(pid) { mine.append($0) } }
        #expect(mine.isEmpty)
    }

    @Test func datagramsFromUserspaceAreDroppedAndCounted() throws {
        let connector = try ProcConnector(receiveBufferSize: 1 << 20)
        _ = try connector.subscribe(to: [.exit])
        connector.drain { _ in }
        let before = connector.statistics

        // A forged EXEC event sent by a userspace socket straight to our port.
        let forger = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 11)
        try #require(forger >= 0)
        defer { close(forger) }
        let forged = Self.execMessage(pid: 999_999)
        var target = sockaddr_nl()
        target.nl_family = sa_family_t(AF_NETLINK)
        target.nl_pid = connector.portID
        let sent = forged.withUnsafeBytes { bytes in
            withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(forger, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        #expect(sent == forged.count)

        var forgedSeen = false
        connector.drain { if case .exec(999_999, _) = $0.kind { forgedSeen = true } }
        #expect(!forgedSeen)
        #expect(connector.statistics.foreignDatagrams == before.foreignDatagrams + 1)
    }

    @Test func aTinyBufferAndABurstOfForksOverrun() throws {
        let connector = try ProcConnector(receiveBufferSize: 1)
        _ = try connector.subscribe()
        #expect(connector.receiveBufferSize < 16 * 1024)
        _ = try run("/bin/sh", ["-c", "for i in $(seq 1 200); do /bin/true; done"])
        var events = 0
        let result = connector.drain { _ in events += 1 }
        #expect(result.overrun)
        #expect(connector.statistics.overruns >= 1)
        #expect(result.error == nil)
        #expect((kernelDrops(connector) ?? 0) > 0)  // /proc/net/netlink agrees
        #expect(result.events == events)
        // Reading went on after ENOBUFS: the queued datagrams were delivered.
        #expect(events > 0)
    }

    /// The kernel's count of messages dropped for the connector's socket
    /// (the Drops column of `/proc/net/netlink`), or nil if it is not listed.
    private func kernelDrops(_ connector: ProcConnector) -> Int? {
        guard let table = try? String(contentsOfFile: "/proc/net/netlink", encoding: .utf8) else { return nil }
        // Columns: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count >= 9, fields[1] == "\(KernelABI.netlinkConnector)", fields[2] == "\(connector.portID)" else {
                continue
            }
            return Int(fields[8])
        }
        return nil
    }

    /// A well-formed proc-connector EXEC message, as the kernel would send it.
    private static func execMessage(pid: Int32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: KernelABI.nlmsghdrSize + KernelABI.cnMsgSize + KernelABI.procEventSize)
        bytes.withUnsafeMutableBytes { message in
            let cn = KernelABI.nlmsghdrSize
            let event = cn + KernelABI.cnMsgSize
            message.storeBytes(of: UInt32(message.count), toByteOffset: KernelABI.nlmsgLengthOffset, as: UInt32.self)
            message.storeBytes(of: KernelABI.nlmsgDone, toByteOffset: KernelABI.nlmsgTypeOffset, as: UInt16.self)
            message.storeBytes(of: KernelABI.cnIdxProc, toByteOffset: cn + KernelABI.cnIndexOffset, as: UInt32.self)
            message.storeBytes(of: KernelABI.cnValProc, toByteOffset: cn + KernelABI.cnValueOffset, as: UInt32.self)
            message.storeBytes(of: UInt16(KernelABI.procEventSize), toByteOffset: cn + KernelABI.cnLengthOffset, as: UInt16.self)
            message.storeBytes(of: KernelABI.What.exec, toByteOffset: event + KernelABI.eventWhatOffset, as: UInt32.self)
            message.storeBytes(of: pid, toByteOffset: event + KernelABI.eventDataOffset, as: Int32.self)
            message.storeBytes(of: pid, toByteOffset: event + KernelABI.eventDataOffset + 4, as: Int32.self)
        }
        return bytes
    }

    /// Drains until `done` holds or two seconds pass.
    private func collect(_ connector: ProcConnector, until done: ([ProcEvent]) -> Bool) -> [ProcEvent] {
        var events: [ProcEvent] = []
        let deadline = MonotonicClock.nanoseconds() + 2_000_000_000
        repeat {
            connector.drain { events.append($0) }
            if done(events) { break }
            usleep(2_000)
        } while MonotonicClock.nanoseconds() < deadline
        return events
    }
}

extension ProcEvent.Kind {
    func involves(_ pid: Int32) -> Bool {
        switch self {
        case .fork(_, _, let child, let tgid): return child == pid || tgid == pid
        case .exec(let p, let t), .uid(let p, let t, _, _), .gid(let p, let t, _, _),
             .comm(let p, let t, _), .exit(let p, let t):
            return p == pid || t == pid
        case .ack: return false
        }
    }
}

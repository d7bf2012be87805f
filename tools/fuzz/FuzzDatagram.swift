// libFuzzer target: the proc-connector datagram decoder. Never traps on any
// bytes; yields at most one event per 16 bytes (the smallest netlink header).
// Built and run by tools/fuzz/run.
import UprocEvents

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDatagram(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var events = 0
    var pids: Int64 = 0
    ProcEventDecoder.decode(UnsafeRawBufferPointer(start: start, count: count)) { event in
        events += 1
        pids &+= Int64(String(describing: event).utf8.count)
    }
    precondition(events <= count / 16, "\(events) events from \(count) bytes")
    return 0
}

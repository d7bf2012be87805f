/// How `/proc` is mounted, as far as it hides processes (`proc(5)`):
/// `hidepid=` (`off`/0, `noaccess`/1, `invisible`/2, `ptraceable`/4), the
/// `gid=` group that still sees everything, and `subset=pid`.
package struct ProcVisibility: Equatable, Sendable, CustomStringConvertible {
    package var hidepid: String
    package var gid: UInt32?
    package var subsetPID: Bool

    package init(hidepid: String = "off", gid: UInt32? = nil, subsetPID: Bool = false) {
        self.hidepid = hidepid
        self.gid = gid
        self.subsetPID = subsetPID
    }

    /// Whether users see less of other users' processes than root does.
    package var hidesProcesses: Bool { hidepid != "off" && hidepid != "0" }

    package var description: String {
        var text = "hidepid=\(hidepid)"
        if let gid { text += ",gid=\(gid)" }
        if subsetPID { text += ",subset=pid" }
        return text
    }

    /// The options of the mount at `/proc` in this process's mount namespace
    /// (`/proc/self/mountinfo`); `off` when it cannot be read.
    package static func current() -> ProcVisibility {
        guard let bytes = try? FileReading.read("/proc/self/mountinfo", limit: 16 << 20) else { return ProcVisibility() }
        return parse(mountinfo: String(decoding: bytes, as: UTF8.self))
    }

    /// The last mount at `/proc` of type proc wins (a later one hides earlier ones).
    package static func parse(mountinfo: String) -> ProcVisibility {
        var result = ProcVisibility()
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 10, fields[4] == "/proc",
                  let dash = fields.firstIndex(of: "-"), dash + 3 < fields.count, fields[dash + 1] == "proc"
            else { continue }
            var found = ProcVisibility()
            for option in fields[dash + 3].split(separator: ",") {
                if option.hasPrefix("hidepid=") {
                    found.hidepid = String(option.dropFirst("hidepid=".count))
                } else if option.hasPrefix("gid=") {
                    found.gid = UInt32(option.dropFirst("gid=".count))
                } else if option == "subset=pid" {
                    found.subsetPID = true
                }
            }
            result = found
        }
        return result
    }
}

/// Why the kernel's process events may not reach this process, as
/// `/proc/self` shows it: they go only to the initial PID namespace, and
/// subscribing needs CAP_NET_ADMIN in the initial user namespace (root in
/// another user namespace does not have it).
package enum NamespaceObstacle: Hashable, Sendable, CustomStringConvertible {
    /// A non-initial PID namespace: the `NSpid:` line of `/proc/self/status`.
    case pidNamespace(nspid: String)
    /// A non-initial user namespace: the fields of `/proc/self/uid_map`.
    case userNamespace(uidMap: String)

    /// Every obstacle `/proc/self` shows, the PID namespace first.
    package static func current() -> [NamespaceObstacle] {
        [pidNamespace(), userNamespace()].compactMap { $0 }
    }

    /// Nil in the initial PID namespace (one ID on the `NSpid:` line).
    package static func pidNamespace() -> NamespaceObstacle? {
        guard let status = try? FileReading.read("/proc/self/status", limit: 16_384) else { return nil }
        let text = String(decoding: status, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }) else { return nil }
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return words.count > 2 ? .pidNamespace(nspid: words.joined(separator: " ")) : nil
    }

    /// Nil in the initial user namespace (`uid_map` is `0 0 4294967295`).
    package static func userNamespace() -> NamespaceObstacle? {
        guard let map = try? FileReading.read("/proc/self/uid_map", limit: 4096) else { return nil }
        let fields = String(decoding: map, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        guard fields != ["0", "0", "4294967295"] else { return nil }
        return .userNamespace(uidMap: fields.joined(separator: " "))
    }

    /// Where uprocd runs, e.g. `uprocd runs in a non-initial user namespace (uid_map: 0 0 1)`.
    package var place: String {
        switch self {
        case .pidNamespace(let nspid): return "uprocd runs in a non-initial PID namespace (\(nspid))"
        case .userNamespace(let map): return "uprocd runs in a non-initial user namespace (uid_map: \(map))"
        }
    }

    package var description: String {
        place + ": the kernel sends process events only to the initial one"
    }
}

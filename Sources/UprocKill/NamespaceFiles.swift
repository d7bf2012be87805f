import UprocLinux
import UprocRules
import UprocTracker

/// Reads namespace files from the daemon's directory, trusting nothing
/// anyone but root or the caller could have written.
package enum NamespaceFiles {
    /// Far above any list the kernel's PID space allows (4M PIDs of 8 bytes).
    package static let sizeLimit = 64 << 20

    /// The PIDs of each namespace in `names`, in order; every name is
    /// checked before any file is trusted, every file before any PID is used.
    package static func read(_ names: [String], directory path: String, callerUID: UInt32) throws(KillError) -> [(name: String, pids: [Int32])] {
        for name in names {
            if let problem = NamespaceName.problem(with: name) { throw .invalidNamespaceName(name, problem) }
        }
        let directory: NoFollowFile
        do {
            directory = try NoFollowFile(directory: path)
        } catch {
            throw .directoryUnusable(path: path, error)
        }
        if let problem = FileTrust.problem(with: directory.attributes, expected: .directory, callerUID: callerUID) {
            throw .directoryUntrusted(path: path, problem)
        }
        var lists: [(name: String, pids: [Int32])] = []
        for name in names {
            let file: NoFollowFile
            do {
                file = try NoFollowFile(name: name, in: directory)
            } catch where error.errno == .noSuchFileOrDirectory {
                if directory.isFlockHeld == false { throw .notServed(directory: path, name: name) }
                throw .noSuchNamespace(name: name, directory: path)
            } catch {
                throw .namespaceUnreadable(name: name, path: path + "/" + name, error)
            }
            if let problem = FileTrust.problem(with: file.attributes, expected: .regular, callerUID: callerUID) {
                throw .namespaceUntrusted(name: name, path: file.path, problem)
            }
            let bytes: [UInt8]
            do {
                bytes = try file.readAll(limit: sizeLimit)
            } catch {
                switch error {
                case .system(_, let errno):
                    throw .namespaceUnreadable(name: name, path: file.path, SystemCallError(call: "read", subject: file.path, errno: errno))
                case .tooLarge(_, let limit):
                    throw .namespaceTooLarge(name: name, path: file.path, limit: limit)
                case .notRegularFile:
                    // Not reached: FileTrust checked the type above.
                    throw .namespaceUnreadable(name: name, path: file.path, SystemCallError(call: "read", subject: file.path, errno: .invalidArgument))
                }
            }
            switch NamespaceList.parse(bytes) {
            case .success(let pids): lists.append((name, pids))
            case .failure(let problem): throw .namespaceMalformed(name: name, path: file.path, problem)
            }
        }
        return lists
    }

    /// The daemon's lineage file, when the caller may trust and read it (it
    /// is root's, mode 0600, under a daemon run by root); nil otherwise: tree
    /// members are then checked by their ancestry in `/proc` alone.
    package static func lineage(directory path: String, callerUID: UInt32) -> LineageSnapshot? {
        guard let directory = try? NoFollowFile(directory: path),
              FileTrust.problem(with: directory.attributes, expected: .directory, callerUID: callerUID) == nil,
              let file = try? NoFollowFile(name: NamespaceDirectory.lineageName, in: directory),
              FileTrust.problem(with: file.attributes, expected: .regular, callerUID: callerUID) == nil,
              let bytes = try? file.readAll(limit: 256 << 20) else { return nil }
        return try? LineageSnapshot.decode(bytes)
    }
}

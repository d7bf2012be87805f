import Foundation

/// A fresh path under /dev/shm (tmpfs), not created.
public func freshShmPath(_ label: String) -> String {
    "/dev/shm/uproc-test-\(getpid())-\(label)-\(UInt32.random(in: 0...UInt32.max))"
}

/// Removes a test directory tree (best effort).
public func removeTree(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// A private directory under `/dev/shm` (tmpfs), removed when the value goes.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        path = freshShmPath("dir")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// With `onDisk`, a directory beside the built tools instead: on the
    /// build's file system, a disk, where writes reach storage (on tmpfs
    /// `write_bytes` stays 0).
    public init(onDisk: Bool) throws {
        path = onDisk ? Tools.directory + "/uproc-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" : freshShmPath("dir")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { removeTree(path) }

    /// Writes `text` to `name` in the directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}

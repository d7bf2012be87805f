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

    deinit { removeTree(path) }

    /// Writes `text` to `name` in the directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}

import Glibc
import SystemPackage

/// The one place that turns a libc return value plus `errno` into a typed
/// result. EINTR is retried unless the caller says otherwise (never for
/// `close`: on Linux the descriptor is gone even when it reports EINTR).
/// EBADF and EFAULT mean a bug in uproc (a closed or foreign descriptor, a
/// bad pointer), never a condition to handle: they trap with the call's name.
@inline(__always)
internal func syscall<T: FixedWidthInteger>(
    _ name: StaticString,
    subject: @autoclosure () -> String = "",
    retryOnInterrupt: Bool = true,
    _ body: () -> T
) -> Result<T, SystemCallError> {
    while true {
        let result = body()
        if result != -1 { return .success(result) }
        let code = Glibc.errno
        if code == EINTR && retryOnInterrupt { continue }
        return .failure(systemCallFailure(name, subject(), code))
    }
}

/// As `syscall` for calls that return a pointer (`opendir`, `fdopendir`),
/// nil on failure.
@inline(__always)
internal func syscall(
    _ name: StaticString,
    subject: @autoclosure () -> String = "",
    _ body: () -> OpaquePointer?
) -> Result<OpaquePointer, SystemCallError> {
    while true {
        if let pointer = body() { return .success(pointer) }
        let code = Glibc.errno
        if code == EINTR { continue }
        return .failure(systemCallFailure(name, subject(), code))
    }
}

private func systemCallFailure(_ name: StaticString, _ subject: String, _ code: Int32) -> SystemCallError {
    if code == EBADF || code == EFAULT {
        preconditionFailure("\(name)\(subject.isEmpty ? "" : " " + subject): \(Errno(rawValue: code)) (a bug in uproc)")
    }
    return SystemCallError(call: "\(name)", subject: subject, errno: Errno(rawValue: code))
}

/// Closes a descriptor this process owns; errors (even EINTR) are ignored
/// because the descriptor is released either way.
@inline(__always)
internal func closeDescriptor(_ fd: Int32) {
    _ = Glibc.close(fd)
}

/// Writes all of `bytes`, continuing after partial writes and EINTR.
internal func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: StaticString = "write",
                       subject: @autoclosure () -> String = "") -> Result<Void, SystemCallError> {
    var offset = 0
    while offset < bytes.count {
        let result = syscall(name, subject: subject()) {
            Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        }
        switch result {
        case .success(let written): offset += written
        case .failure(let error): return .failure(error)
        }
    }
    return .success(())
}

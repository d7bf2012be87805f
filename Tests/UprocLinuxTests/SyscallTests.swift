import Glibc
import Testing
@testable import UprocLinux

@Suite struct SyscallTests {
    @Test func anErrorComesBackTypedWithTheCallAndSubject() {
        let result = syscall("open", subject: "/nonexistent/uproc") { open("/nonexistent/uproc", O_RDONLY | O_CLOEXEC) }
        #expect(result == .failure(SystemCallError(call: "open", subject: "/nonexistent/uproc", errno: .noSuchFileOrDirectory)))
    }

    /// A closed or foreign descriptor is a bug in uproc, not a condition to handle.
    @Test func badFileDescriptorTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = syscall("read") { Glibc.read(-1, nil, 0) }
        }
    }

    @Test func badAddressTraps() async {
        await #expect(processExitsWith: .failure) {
            let fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)
            _ = syscall("read") { Glibc.read(fd, UnsafeMutableRawPointer(bitPattern: 8), 64) }
        }
    }
}

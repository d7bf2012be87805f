import CLinuxProc

/// The pages of the executable's code and read-only data that this process
/// maps. Start-up and a reload run code the event loop never runs again
/// (argument parsing, config compiling, the built-in default, the /proc
/// scan), and the kernel maps the neighbours of every page touched (fault-
/// around, 64 KiB): unmapping them all afterwards leaves mapped only what
/// runs from then on. The pages stay in the page cache (clean, shared,
/// reclaimable) and come back, without I/O, at their next use.
package enum ExecutablePages {
    /// Unmaps them; the bytes advised. The corresponding C function is
    /// `madvise` with `MADV_DONTNEED`, over each loaded segment without
    /// write permission (never the RELRO or data segments: the dynamic
    /// linker and the program wrote those).
    @discardableResult
    package static func release() throws(SystemCallError) -> Int {
        try Int(syscall("madvise", subject: "executable") { CLinuxProc_release_executable_pages() }.get())
    }
}

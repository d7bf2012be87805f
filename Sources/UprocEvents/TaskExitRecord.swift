import UprocRules

/// The counters of one `struct taskstats`.
package struct TaskStatsFigures: Hashable, Sendable {
    /// `cpu_run_virtual_total`: the scheduler's runtime, in ns, as of its
    /// last update of the task: a task's running slice is folded in only at
    /// the next tick, switch or wake-up on its CPU, so an exit record lacks
    /// the last slice (up to one tick: 4 ms at HZ=250), and a process that
    /// never left the CPU nor saw a tick shows 0.
    package var runtimeNanoseconds: UInt64
    /// `ac_utime`, `ac_stime`: µs, a tick's worth charged to whatever task
    /// runs at each timer tick. One process's figure is off by up to a
    /// tick either way, but the error has no direction: summed over many
    /// processes it agrees with `getrusage`.
    package var userSampleMicroseconds: UInt64
    package var systemSampleMicroseconds: UInt64
    /// `read_bytes`, `write_bytes`: storage I/O, as `/proc/PID/io`.
    package var readBytes: UInt64
    package var writeBytes: UInt64
    /// `hiwater_rss`: the largest resident set, in KiB (0 in a group's totals).
    package var highWaterResidentKiB: UInt64

    package init(runtimeNanoseconds: UInt64 = 0, userSampleMicroseconds: UInt64 = 0, systemSampleMicroseconds: UInt64 = 0,
                 readBytes: UInt64 = 0, writeBytes: UInt64 = 0, highWaterResidentKiB: UInt64 = 0) {
        self.runtimeNanoseconds = runtimeNanoseconds
        self.userSampleMicroseconds = userSampleMicroseconds
        self.systemSampleMicroseconds = systemSampleMicroseconds
        self.readBytes = readBytes
        self.writeBytes = writeBytes
        self.highWaterResidentKiB = highWaterResidentKiB
    }

    /// What accounting counts: the tick samples as CPU time (they err
    /// both ways and sum right; the runtime errs low, by half a tick per
    /// short busy process on average: 5-9 % of a 20 ms one), and the I/O.
    package var usage: ResourceUsage {
        ResourceUsage(userMicroseconds: userSampleMicroseconds, systemMicroseconds: systemSampleMicroseconds,
                      readBytes: readBytes, writeBytes: writeBytes)
    }

    /// The runtime split between user and system time as the kernel
    /// splits it for `/proc` and `getrusage`: a lower bound of the CPU time
    /// (see `runtimeNanoseconds`), and the I/O.
    package var runtimeUsage: ResourceUsage {
        let cpu = CPUTime.split(runtimeNanoseconds: runtimeNanoseconds, userSamples: userSampleMicroseconds,
                                systemSamples: systemSampleMicroseconds)
        return ResourceUsage(userMicroseconds: cpu.user, systemMicroseconds: cpu.system,
                             readBytes: readBytes, writeBytes: writeBytes)
    }
}

/// One exit record from the kernel's taskstats family: what a task
/// (thread) used, sent as it exits; with the last thread of a process that
/// ever had several, also the process's totals.
///
/// Which records a process produces (Linux 6.18, checked by the tests):
/// a single-threaded process, one record with `groupEnded` and no `group`;
/// a process that had threads, one record per thread as each exits, the
/// last one (`groupEnded`, whichever thread it is: the leader may exit
/// first) carrying `group`. The group's totals hold its CPU time (exact
/// runtime and samples, every thread's, past and present) but not its I/O:
/// that is the sum of its threads' records.
package struct TaskExitRecord: Hashable, Sendable {
    /// `struct taskstats` version (16 on Linux 6.18).
    package var version: UInt16
    /// The task's ID (a thread's own for a thread), in the initial PID namespace.
    package var pid: Int32
    /// `ac_tgid`: its process; 0 before version 11 (Linux 5.17).
    package var tgid: Int32
    /// `ac_ppid`: the process's parent.
    package var parentTGID: Int32
    /// `ac_exitcode`.
    package var status: WaitStatus
    /// `ac_flag` (`AFORK`, `ASU`, `ACORE`, `AXSIG`, `AGROUP`).
    package var flags: UInt8
    /// `ac_uid`, `ac_gid`: the task's real IDs.
    package var uid: UInt32
    package var gid: UInt32
    package var comm: Comm
    /// When the task began, seconds since the epoch (`ac_btime64`, else `ac_btime`).
    package var beginSeconds: UInt64
    /// `ac_etime`: how long it lived, µs.
    package var elapsedMicroseconds: UInt64
    /// What this task used.
    package var task: TaskStatsFigures
    /// The process's totals, with the last thread of a process that had several.
    package var group: TaskStatsFigures?

    package init(version: UInt16, pid: Int32, tgid: Int32, parentTGID: Int32 = 0, status: WaitStatus = WaitStatus(0),
                 flags: UInt8 = 0, uid: UInt32 = 0, gid: UInt32 = 0, comm: Comm = Comm(), beginSeconds: UInt64 = 0,
                 elapsedMicroseconds: UInt64 = 0, task: TaskStatsFigures = TaskStatsFigures(), group: TaskStatsFigures? = nil) {
        self.version = version
        self.pid = pid
        self.tgid = tgid
        self.parentTGID = parentTGID
        self.status = status
        self.flags = flags
        self.uid = uid
        self.gid = gid
        self.comm = comm
        self.beginSeconds = beginSeconds
        self.elapsedMicroseconds = elapsedMicroseconds
        self.task = task
        self.group = group
    }

    /// This is the last task of its process: the process has ended.
    package var groupEnded: Bool { flags & TaskStatsABI.flagGroupEnded != 0 || group != nil }

    /// The process's usage at its end, when this record ends it: the CPU
    /// time of the group's totals, or, for a process that never had
    /// another thread, this task's. Its I/O is this task's only (add its
    /// other threads').
    package var processUsage: ResourceUsage {
        guard let group else { return task.usage }
        var usage = group.usage
        usage.readBytes = task.readBytes
        usage.writeBytes = task.writeBytes
        return usage
    }
}

/// What a process has used so far, as counters that only grow: CPU time
/// by mode and storage I/O (`/proc/PID/io`'s `read_bytes`/`write_bytes`).
/// A thread group's figures, whether read from `/proc` or from the
/// kernel's exit record.
package struct ResourceUsage: Hashable, Sendable {
    package var userMicroseconds: UInt64
    package var systemMicroseconds: UInt64
    package var readBytes: UInt64
    package var writeBytes: UInt64

    @inlinable
    package init(userMicroseconds: UInt64 = 0, systemMicroseconds: UInt64 = 0, readBytes: UInt64 = 0, writeBytes: UInt64 = 0) {
        self.userMicroseconds = userMicroseconds
        self.systemMicroseconds = systemMicroseconds
        self.readBytes = readBytes
        self.writeBytes = writeBytes
    }

    /// Nothing used: a process at its fork.
    package static let zero = ResourceUsage()

    /// Each counter the larger of the two: two readings of counters that
    /// only grow, taken from sources that round differently (`/proc` in
    /// clock ticks, the exit record to the microsecond), never go back.
    @inlinable
    package func latest(_ other: ResourceUsage) -> ResourceUsage {
        ResourceUsage(userMicroseconds: max(userMicroseconds, other.userMicroseconds),
                      systemMicroseconds: max(systemMicroseconds, other.systemMicroseconds),
                      readBytes: max(readBytes, other.readBytes),
                      writeBytes: max(writeBytes, other.writeBytes))
    }

    /// Two readings of one process's usage from sources that split CPU time
    /// between user and system differently (`/proc` scales the tick
    /// samples to the exact runtime, an exit record holds them as they
    /// are): the CPU time of the one with more in all, split as it splits
    /// it (a maximum mode by mode would count the difference twice: 10 %
    /// too much for short processes sampled once in their life), and each
    /// I/O counter the larger.
    @inlinable
    package func merged(_ other: ResourceUsage) -> ResourceUsage {
        let cpu = other.cpuMicroseconds > cpuMicroseconds ? other : self
        return ResourceUsage(userMicroseconds: cpu.userMicroseconds, systemMicroseconds: cpu.systemMicroseconds,
                             readBytes: max(readBytes, other.readBytes), writeBytes: max(writeBytes, other.writeBytes))
    }

    /// A namespace's counters after `previous` (what was reported): none
    /// goes below its previous value. The CPU time in all is this one's
    /// (or the previous total, if larger), split between the modes as this
    /// one splits it as far as the previous values allow; wrapping
    /// offsets that leave a mode below zero count as zero there.
    package func monotone(after previous: ResourceUsage) -> ResourceUsage {
        let rawTotal = Int64(bitPattern: userMicroseconds &+ systemMicroseconds)
        var total = previous.cpuMicroseconds
        var user = previous.userMicroseconds
        if rawTotal > 0 {
            total = max(UInt64(rawTotal), total)
            let rawUser = UInt64(min(max(Int64(bitPattern: userMicroseconds), 0), rawTotal))
            // rawUser * total / rawTotal without overflow.
            let product = rawUser.multipliedFullWidth(by: total)
            let share = UInt64(rawTotal).dividingFullWidth((high: product.high, low: product.low)).quotient
            user = min(max(share, previous.userMicroseconds), total - previous.systemMicroseconds)
        }
        return ResourceUsage(userMicroseconds: user, systemMicroseconds: total - user,
                             readBytes: max(readBytes, previous.readBytes), writeBytes: max(writeBytes, previous.writeBytes))
    }

    /// Counter by counter, wrapping: the ledger keeps offsets that are
    /// negative for a while and adds them back.
    @inlinable
    package static func &+ (a: ResourceUsage, b: ResourceUsage) -> ResourceUsage {
        ResourceUsage(userMicroseconds: a.userMicroseconds &+ b.userMicroseconds,
                      systemMicroseconds: a.systemMicroseconds &+ b.systemMicroseconds,
                      readBytes: a.readBytes &+ b.readBytes,
                      writeBytes: a.writeBytes &+ b.writeBytes)
    }

    @inlinable
    package static func &- (a: ResourceUsage, b: ResourceUsage) -> ResourceUsage {
        ResourceUsage(userMicroseconds: a.userMicroseconds &- b.userMicroseconds,
                      systemMicroseconds: a.systemMicroseconds &- b.systemMicroseconds,
                      readBytes: a.readBytes &- b.readBytes,
                      writeBytes: a.writeBytes &- b.writeBytes)
    }

    /// User plus system time.
    @inlinable
    package var cpuMicroseconds: UInt64 { userMicroseconds &+ systemMicroseconds }
}

/// The kernel's split of exact CPU time into user and system time.
package enum CPUTime {
    /// `runtime` (the scheduler's exact figure, ns) divided between user
    /// and system time in the ratio of the tick samples `user`:`system`,
    /// as the kernel's `cputime_adjust` does for `/proc/PID/stat` and
    /// `getrusage`: all of it user time when no tick hit system time, all
    /// system time when none hit user time. In microseconds.
    @inlinable
    package static func split(runtimeNanoseconds runtime: UInt64, userSamples user: UInt64, systemSamples system: UInt64)
        -> (user: UInt64, system: UInt64)
    {
        let systemShare: UInt64
        if system == 0 {
            systemShare = 0
        } else if user == 0 {
            systemShare = runtime
        } else {
            // runtime * system / (user + system) in 128 bits: no overflow.
            let total = user.addingReportingOverflow(system)
            if total.overflow {
                systemShare = runtime / 2
            } else {
                let product = runtime.multipliedFullWidth(by: system)
                systemShare = total.partialValue.dividingFullWidth((high: product.high, low: product.low)).quotient
            }
        }
        let userShare = runtime - systemShare
        return (userShare / 1000, systemShare / 1000)
    }
}

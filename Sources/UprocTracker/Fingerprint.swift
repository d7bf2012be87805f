/// What a namespace's member set looked like when it was last published,
/// compressed: every insert or remove of a PID xors the PID's mix into
/// `pending`, so a PID added then removed inside one window cancels out, and
/// the set differs from the published one exactly when the xor of the
/// symmetric difference is non-zero (a false "unchanged" needs a 64-bit
/// collision among distinct PIDs; the count check narrows it further).
@usableFromInline
struct Fingerprint {
    /// A bijection from PIDs to 64-bit values with good avalanche (the
    /// splitmix64 finalizer), so two distinct PIDs never cancel each other.
    @inlinable
    static func mix(_ pid: Int32) -> UInt64 {
        var z = UInt64(UInt32(bitPattern: pid)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }
}

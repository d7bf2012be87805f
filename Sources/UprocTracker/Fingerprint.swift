/// A bijection from PIDs to 64-bit values with good avalanche (the
/// splitmix64 finalizer). Xored over the PIDs that joined or left a
/// namespace it proves a change when non-zero; it cannot prove the absence
/// of one (four PIDs can cancel out), which the change log does.
@usableFromInline
enum Fingerprint {
    @inlinable
    static func mix(_ pid: Int32) -> UInt64 {
        var z = UInt64(UInt32(bitPattern: pid)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }
}

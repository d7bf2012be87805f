/// What the running rules were built from, to skip a reload whose input is
/// byte for byte the same (an editor's write, rename and chmod of one save;
/// a SIGHUP with nothing edited). 128 bits of SipHash under this process's
/// random seed: two different inputs collide with probability 2^-128, and
/// no one outside can aim for a collision. Keeping the bytes instead would
/// keep megabytes resident for a 100,000-rule config.
struct ConfigDigest: Hashable, Sendable {
    private var low = 0
    private var high = 0
    private var count = 0

    init() {}

    /// Feeds one input (the config's bytes; passwd and group when the rules
    /// name accounts). Inputs are length-framed: moving bytes from one to
    /// the next changes the digest.
    mutating func add(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var first = Hasher()
            first.combine(low)
            first.combine(raw.count)
            first.combine(bytes: raw)
            var second = Hasher()
            second.combine(high)
            second.combine(~raw.count)
            second.combine(bytes: raw)
            low = first.finalize()
            high = second.finalize()
        }
        count += 1
    }
}

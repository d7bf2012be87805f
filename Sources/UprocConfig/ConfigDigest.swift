/// What the running rules were built from, to skip a reload whose input is
/// byte for byte the same (an editor's write, rename and chmod of one save;
/// a SIGHUP with nothing edited). SipHash under this process's random seed,
/// plus the length: two different inputs collide with probability 2^-64,
/// and no one outside can aim for a collision. Keeping the bytes instead
/// would keep megabytes resident for a 100,000-rule config; one pass keeps
/// an unchanged reload of that config near 1 ms.
package struct ConfigDigest: Hashable, Sendable {
    private var hash = 0
    private var length = 0

    package init() {}

    /// Feeds one input (the config's bytes; passwd and group when the rules
    /// name accounts). Inputs are length-framed: moving bytes from one to
    /// the next changes the digest.
    package mutating func add(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var hasher = Hasher()
            hasher.combine(hash)
            hasher.combine(raw.count)
            hasher.combine(bytes: raw)
            hash = hasher.finalize()
        }
        length += bytes.count
    }
}

/// Where `LookupIndex` files a rule: under one key's hash table (the key of
/// the value fewest rules share), in the side list (no exact value: checked
/// on every lookup), in the general list (a key tested twice), or nowhere
/// (its group's leader stands for it, see `RuleGroups`). One byte per rule
/// while the index is built.
enum IndexSlot: UInt8 {
    // One per key, numbered as `RuleKey.index` (`CompiledRule.order` records them `+ 1`).
    case uid = 0, gid = 1, ruid = 2, rgid = 3, cmd = 4
    case grouped = 0xFD
    case general = 0xFE
    case side = 0xFF

    /// The hash table of `key`.
    init(_ key: RuleKey) { self = IndexSlot(rawValue: key.index).unsafelyUnwrapped }

    /// The key of a hash-table slot (`rawValue` 0...4).
    static func key(ofTable rawValue: UInt8) -> RuleKey {
        switch IndexSlot(rawValue: rawValue) {
        case .uid: .uid
        case .gid: .gid
        case .ruid: .ruid
        case .rgid: .rgid
        default: .cmd
        }
    }
}

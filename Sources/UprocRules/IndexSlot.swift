/// Where `LookupIndex` files a rule: under one key's hash table (the key of
/// the value fewest rules share), in the side list (no exact value: checked
/// on every lookup), or in the general list (a key tested twice). One byte
/// per rule while the index is built.
enum IndexSlot: UInt8 {
    // One per key, numbered as `CompiledRule.order` records keys (`+ 1`).
    case uid = 0, gid = 1, ruid = 2, rgid = 3, cmd = 4
    case general = 0xFE
    case side = 0xFF

    /// The hash table of `key`.
    init(_ key: RuleKey) {
        switch key {
        case .uid: self = .uid
        case .gid: self = .gid
        case .ruid: self = .ruid
        case .rgid: self = .rgid
        case .cmd: self = .cmd
        }
    }

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

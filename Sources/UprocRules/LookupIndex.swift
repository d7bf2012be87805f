/// One rule flattened for checking: which keys it tests and their values.
struct CompiledRule: Sendable {
    var keys: RuleKeys = []
    var euid: UInt32 = 0
    var egid: UInt32 = 0
    var ruid: UInt32 = 0
    var rgid: UInt32 = 0
    var comm = Comm()
    /// Index into `LookupIndex.patterns`, or -1.
    var pattern: Int32 = -1
    /// The pattern's literal first byte, or 0x100 (none): most comms fail
    /// on it before the matcher runs.
    var patternFirstByte: UInt16 = 0x100
    var patternMinimumLength: Int32 = 0
    /// Checked through `Rule.conditions` (see `LookupIndex.generalList`).
    var general = false
}

/// The hashed part of a `DecisionTable`.
struct LookupIndex: Sendable {
    private var compiled: [CompiledRule] = []
    private var patterns: [CommPattern] = []
    private var uid = OpenTable<UInt32>(capacity: 0)
    private var gid = OpenTable<UInt32>(capacity: 0)
    private var ruid = OpenTable<UInt32>(capacity: 0)
    private var rgid = OpenTable<UInt32>(capacity: 0)
    private var cmd = OpenTable<Comm>(capacity: 0)
    /// Rule indices, grouped by span.
    private var candidates: [Int32] = []
    /// Rules without an exact value: checked on every lookup.
    private(set) var sideList: [Int32] = []
    /// Rules testing one key twice, and the rules to check them against.
    private var generalList: [Int32] = []
    private var generalRules: [Rule] = []

    /// Which key each rule is indexed under (`nil`: side list).
    private static let order: [RuleKey] = [.cmd, .uid, .ruid, .gid, .rgid]

    init(rules: [Rule]) {
        compiled.reserveCapacity(rules.count)
        var multiExact = false
        for rule in rules {
            var flat = CompiledRule()
            var exact = 0
            var general = false
            for condition in rule.conditions {
                // A key tested twice (only rules built in code can): no flat
                // form, check its conditions one by one.
                if flat.keys.contains(RuleKeys(condition.key)) { general = true }
                flat.keys.insert(RuleKeys(condition.key))
                switch condition {
                case .id(let key, let value):
                    exact += 1
                    switch key {
                    case .uid: flat.euid = value
                    case .gid: flat.egid = value
                    case .ruid: flat.ruid = value
                    case .rgid: flat.rgid = value
                    case .cmd: break
                    }
                case .comm(let comm):
                    exact += 1
                    flat.comm = comm
                case .commPattern(let pattern):
                    flat.pattern = Int32(patterns.count)
                    flat.patternFirstByte = pattern.literalFirstByte.map(UInt16.init) ?? 0x100
                    flat.patternMinimumLength = Int32(pattern.minimumLength)
                    patterns.append(pattern)
                }
            }
            if exact > 1 { multiExact = true }
            if general { flat.general = true }
            compiled.append(flat)
        }
        // Only rules with several exact values need a choice: pick the
        // value fewest rules share, so candidate lists stay short.
        var shared: [Int: Int] = [:]
        if multiExact {
            for flat in compiled where Self.exactKeys(flat) > 1 {
                for key in Self.order where Self.hasExact(flat, key) {
                    shared[Self.fingerprint(flat, key), default: 0] += 1
                }
            }
        }
        var chosen: [UInt8] = []
        chosen.reserveCapacity(compiled.count)
        var perKey = [0, 0, 0, 0, 0]
        for flat in compiled {
            if flat.general {
                chosen.append(0xFE)
                continue
            }
            var best: RuleKey?
            var bestShared = Int.max
            for key in Self.order where Self.hasExact(flat, key) {
                let count = Self.exactKeys(flat) > 1 ? shared[Self.fingerprint(flat, key), default: 0] : 0
                if count < bestShared {
                    best = key
                    bestShared = count
                }
            }
            if let best {
                chosen.append(UInt8(Self.slot(best)))
                perKey[Self.slot(best)] += 1
            } else {
                chosen.append(.max)
            }
        }
        uid = OpenTable(capacity: perKey[Self.slot(.uid)])
        gid = OpenTable(capacity: perKey[Self.slot(.gid)])
        ruid = OpenTable(capacity: perKey[Self.slot(.ruid)])
        rgid = OpenTable(capacity: perKey[Self.slot(.rgid)])
        cmd = OpenTable(capacity: perKey[Self.slot(.cmd)])
        for (index, flat) in compiled.enumerated() {
            switch chosen[index] {
            case 0: uid.countOne(flat.euid)
            case 1: gid.countOne(flat.egid)
            case 2: ruid.countOne(flat.ruid)
            case 3: rgid.countOne(flat.rgid)
            case 4: cmd.countOne(flat.comm)
            case 0xFE:
                generalList.append(Int32(index))
                generalRules.append(rules[index])
            default: sideList.append(Int32(index))
            }
        }
        var end = uid.layOut(from: 0)
        end = gid.layOut(from: end)
        end = ruid.layOut(from: end)
        end = rgid.layOut(from: end)
        end = cmd.layOut(from: end)
        candidates = Array(repeating: 0, count: end)
        for (index, flat) in compiled.enumerated() {
            let position: Int
            switch chosen[index] {
            case 0: position = uid.claim(flat.euid)
            case 1: position = gid.claim(flat.egid)
            case 2: position = ruid.claim(flat.ruid)
            case 3: position = rgid.claim(flat.rgid)
            case 4: position = cmd.claim(flat.comm)
            default: continue
            }
            candidates[position] = Int32(index)
        }
        let compiled = self.compiled
        let sole = { (rule: Int32) in Self.exactKeys(compiled[Int(rule)]) == 1 && compiled[Int(rule)].pattern < 0 }
        uid.inlineSingles(candidates, isSoleCondition: sole)
        gid.inlineSingles(candidates, isSoleCondition: sole)
        ruid.inlineSingles(candidates, isSoleCondition: sole)
        rgid.inlineSingles(candidates, isSoleCondition: sole)
        cmd.inlineSingles(candidates, isSoleCondition: sole)
    }

    func forEachMatch(_ identity: ProcessIdentity, _ body: (NamespaceID) -> Void) {
        compiled.withUnsafeBufferPointer { compiled in
            candidates.withUnsafeBufferPointer { candidates in
                @inline(__always) func visit(_ span: UInt64) {
                    let count = span & 0x7FFF_FFFF
                    if count == 1 {
                        let rule = Int(truncatingIfNeeded: span >> 32)
                        if span & OpenTable<UInt32>.soleConditionFlag != 0 || holds(compiled[rule], identity) {
                            body(NamespaceID(rule))
                        }
                        return
                    }
                    var position = Int(truncatingIfNeeded: span >> 32)
                    let end = position + Int(truncatingIfNeeded: count)
                    while position < end {
                        let rule = Int(candidates[position])
                        if holds(compiled[rule], identity) { body(NamespaceID(rule)) }
                        position += 1
                    }
                }
                if !uid.isEmpty { visit(uid.span(of: identity.euid)) }
                if !gid.isEmpty { visit(gid.span(of: identity.egid)) }
                if !ruid.isEmpty { visit(ruid.span(of: identity.ruid)) }
                if !rgid.isEmpty { visit(rgid.span(of: identity.rgid)) }
                if !cmd.isEmpty { visit(cmd.span(of: identity.comm)) }
                for rule in sideList where holds(compiled[Int(rule)], identity) {
                    body(NamespaceID(Int(rule)))
                }
                for (position, rule) in generalList.enumerated()
                where generalRules[position].conditions.allSatisfy({ $0.holds(for: identity) }) {
                    body(NamespaceID(Int(rule)))
                }
            }
        }
    }

    @inline(__always)
    private func holds(_ rule: CompiledRule, _ identity: ProcessIdentity) -> Bool {
        let keys = rule.keys
        if keys.contains(.uid) && rule.euid != identity.euid { return false }
        if keys.contains(.gid) && rule.egid != identity.egid { return false }
        if keys.contains(.ruid) && rule.ruid != identity.ruid { return false }
        if keys.contains(.rgid) && rule.rgid != identity.rgid { return false }
        if rule.pattern >= 0 {
            let comm = identity.comm
            if comm.count < Int(rule.patternMinimumLength) { return false }
            if rule.patternFirstByte < 0x100 && (comm.isEmpty || UInt16(comm[0]) != rule.patternFirstByte) {
                return false
            }
            return patterns[Int(rule.pattern)].matches(identity.comm)
        }
        if keys.contains(.cmd) && rule.comm != identity.comm { return false }
        return true
    }

    private static func slot(_ key: RuleKey) -> Int {
        switch key {
        case .uid: return 0
        case .gid: return 1
        case .ruid: return 2
        case .rgid: return 3
        case .cmd: return 4
        }
    }

    private static func hasExact(_ flat: CompiledRule, _ key: RuleKey) -> Bool {
        flat.keys.contains(RuleKeys(key)) && (key != .cmd || flat.pattern < 0)
    }

    private static func exactKeys(_ flat: CompiledRule) -> Int {
        RuleKey.allCases.count { hasExact(flat, $0) }
    }

    /// Key and value in one hashable word, for counting shared values.
    private static func fingerprint(_ flat: CompiledRule, _ key: RuleKey) -> Int {
        let value: UInt64
        switch key {
        case .uid: value = UInt64(flat.euid)
        case .gid: value = UInt64(flat.egid)
        case .ruid: value = UInt64(flat.ruid)
        case .rgid: value = UInt64(flat.rgid)
        case .cmd: value = flat.comm.mixed
        }
        return Int(truncatingIfNeeded: (value &* 8) | UInt64(slot(key)))
    }
}

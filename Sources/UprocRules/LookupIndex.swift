/// One rule flattened for checking: which keys it tests and their values.
/// 40 bytes (the `Comm` first keeps the rest packed); only rules that do
/// not fit in an 8-byte head (see `LookupIndex.heads`) keep one.
struct CompiledRule: Sendable {
    var comm = Comm()
    var euid: UInt32 = 0
    var egid: UInt32 = 0
    var ruid: UInt32 = 0
    var rgid: UInt32 = 0
    /// Index into `LookupIndex.patterns`, or -1; for a general rule, its
    /// index into `LookupIndex.generalRules`.
    var pattern: Int32 = -1
    /// The keys in source order, 3 bits each (`slot + 1`, first lowest, 0
    /// ends): `rules` gives conditions back as written.
    var order: UInt16 = 0
    var keys: RuleKeys = []
    /// Checked condition by condition (see `LookupIndex.generalList`).
    var general = false

    /// The value of ID key `key` (`cmd` has none: 0, and set does nothing).
    subscript(id key: RuleKey) -> UInt32 {
        get {
            switch key {
            case .uid: euid
            case .gid: egid
            case .ruid: ruid
            case .rgid: rgid
            case .cmd: 0
            }
        }
        set {
            switch key {
            case .uid: euid = newValue
            case .gid: egid = newValue
            case .ruid: ruid = newValue
            case .rgid: rgid = newValue
            case .cmd: break
            }
        }
    }
}

/// A `cmd` glob with what rejects most comms before the matcher runs.
struct PatternEntry: Sendable {
    var pattern: CommPattern
    /// The pattern's literal first byte, or 0x100 (none).
    var firstByte: UInt16
    var minimumLength: Int32
}

/// The hashed part of a `DecisionTable`.
struct LookupIndex: Sendable {
    /// Per rule: a rule with one `uid`, `gid`, `ruid` or `rgid` condition
    /// (what large configs are made of) as `tag << 32 | value`, 8 bytes;
    /// any other as its index into `compiled` (tag 0).
    private var heads: [UInt64] = []
    /// The rules that do not fit in a head, flattened.
    private var compiled: [CompiledRule] = []
    private var patterns: [PatternEntry] = []
    private var uid = OpenTable<UInt32>(capacity: 0)
    private var gid = OpenTable<UInt32>(capacity: 0)
    private var ruid = OpenTable<UInt32>(capacity: 0)
    private var rgid = OpenTable<UInt32>(capacity: 0)
    private var cmd = OpenTable<Comm>(capacity: 0)
    /// Rule indices, grouped by span (of values shared by several rules).
    private var candidates: [Int32] = []
    /// Rules without an exact value: checked on every lookup, so their
    /// flat forms are copied side by side in `sideRules`.
    private var sideList: [Int32] = []
    private var sideRules: [CompiledRule] = []
    /// Rules testing one key twice, and the rules to check them against.
    private var generalList: [Int32] = []
    private var generalRules: [[Condition]] = []
    /// Rules with the same conditions; only each group's leader is indexed.
    /// The table takes them (`takeGroups`): lookups copy no more arrays.
    private(set) var groups = RuleGroups()

    mutating func takeGroups() -> RuleGroups {
        defer { groups = RuleGroups() }
        return groups
    }

    /// Which key each rule is indexed under (`nil`: side list).
    private static let order: [RuleKey] = [.cmd, .uid, .ruid, .gid, .rgid]

    /// Takes the conditions out of `rules` once read.
    init(_ rules: inout RuleBuilder) {
        let multiExact = flatten(rules)
        // Freed before the hash tables are allocated: lowers the peak.
        rules.dropConditions()
        groups = groupAlike()
        let chosen = chooseKeys(comparingShared: multiExact)
        sizeTables(for: chosen)
        layOut(chosen)
    }

    /// Lays down each rule's head, and a `CompiledRule` only for the rules
    /// that need one (the later passes rebuild the others from their heads):
    /// no 40-byte transient per rule. Returns whether a rule has several
    /// exact values.
    private mutating func flatten(_ rules: RuleBuilder) -> Bool {
        heads.reserveCapacity(rules.count)
        var multiExact = false
        for ruleIndex in 0..<rules.count {
            let conditions = rules.conditions(of: ruleIndex)
            var flat = CompiledRule()
            var exact = 0
            var general = false
            for (position, condition) in conditions.enumerated() where position < 5 {
                flat.order |= UInt16(IndexSlot(condition.key).rawValue + 1) << UInt16(position * 3)
            }
            for condition in conditions {
                // A key tested twice (only rules built in code can): no flat
                // form, check its conditions one by one.
                if flat.keys.contains(RuleKeys(condition.key)) { general = true }
                flat.keys.insert(RuleKeys(condition.key))
                switch condition {
                case .id(let key, let value):
                    exact += 1
                    flat[id: key] = value
                case .comm(let comm):
                    exact += 1
                    flat.comm = comm
                case .commPattern(let pattern):
                    flat.pattern = Int32(patterns.count)
                    patterns.append(PatternEntry(
                        pattern: pattern,
                        firstByte: pattern.literalFirstByte.map(UInt16.init) ?? 0x100,
                        minimumLength: Int32(pattern.minimumLength)))
                }
            }
            if exact > 1 { multiExact = true }
            if general {
                flat.general = true
                flat.pattern = Int32(generalRules.count)
                generalRules.append(Array(conditions))
            }
            appendHead(flat)
        }
        return multiExact
    }

    /// A rule testing one ID key as a head alone; any other with its
    /// `CompiledRule`.
    private mutating func appendHead(_ flat: CompiledRule) {
        guard !flat.general, let tag = Self.headTag(flat.keys), let key = Self.headKey(tag) else {
            heads.append(UInt64(compiled.count))
            compiled.append(flat)
            return
        }
        heads.append(tag << 32 | UInt64(flat[id: key]))
    }

    /// Rules with the same conditions, so that only each group's leader is
    /// indexed.
    private func groupAlike() -> RuleGroups {
        RuleGroups(count: heads.count) { [heads] rule in
            heads[rule] >> 32 != 0 ? heads[rule] : nil
        } signature: { [compiled, patterns, heads] rule in
            let flat = compiled[Int(heads[rule])]
            guard !flat.general else { return nil }
            return RuleSignature(
                keys: flat.keys.rawValue, euid: flat.euid, egid: flat.egid, ruid: flat.ruid, rgid: flat.rgid,
                comm: flat.pattern < 0 ? flat.comm : Comm(),
                pattern: flat.pattern < 0 ? nil : patterns[Int(flat.pattern)].pattern.source)
        }
    }

    /// Where each rule is indexed: a group leader under one of its exact
    /// values, the value fewest rules share (so candidate lists stay short;
    /// only rules with several exact values have a choice, and only then,
    /// `comparingShared`, are the values counted); else in the side list or
    /// the general one.
    private func chooseKeys(comparingShared: Bool) -> [IndexSlot] {
        let shared = comparingShared ? sharedValues() : [:]
        var chosen: [IndexSlot] = []
        chosen.reserveCapacity(heads.count)
        for rule in heads.indices {
            if !groups.isLeader(rule) {
                chosen.append(.grouped)
                continue
            }
            let flat = flat(rule)
            if flat.general {
                chosen.append(.general)
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
            chosen.append(best.map { IndexSlot($0) } ?? .side)
        }
        return chosen
    }

    /// How many rules with several exact values share each key and value.
    private func sharedValues() -> [Int: Int] {
        var shared: [Int: Int] = [:]
        for rule in heads.indices {
            let flat = flat(rule)
            guard Self.exactKeys(flat) > 1 else { continue }
            for key in Self.order where Self.hasExact(flat, key) {
                shared[Self.fingerprint(flat, key), default: 0] += 1
            }
        }
        return shared
    }

    /// Sizes each key's table for the rules indexed under it and counts
    /// their values; lists the side and general rules.
    private mutating func sizeTables(for chosen: [IndexSlot]) {
        var perKey = [Int](repeating: 0, count: RuleKey.allCases.count)
        for slot in chosen where slot.rawValue < perKey.count { perKey[Int(slot.rawValue)] += 1 }
        uid = OpenTable(capacity: perKey[Int(IndexSlot.uid.rawValue)])
        gid = OpenTable(capacity: perKey[Int(IndexSlot.gid.rawValue)])
        ruid = OpenTable(capacity: perKey[Int(IndexSlot.ruid.rawValue)])
        rgid = OpenTable(capacity: perKey[Int(IndexSlot.rgid.rawValue)])
        cmd = OpenTable(capacity: perKey[Int(IndexSlot.cmd.rawValue)])
        for index in heads.indices {
            let flat = flat(index)
            switch chosen[index] {
            case .uid: uid.countOne(flat.euid)
            case .gid: gid.countOne(flat.egid)
            case .ruid: ruid.countOne(flat.ruid)
            case .rgid: rgid.countOne(flat.rgid)
            case .cmd: cmd.countOne(flat.comm)
            case .general:
                generalList.append(Int32(index))
            case .side:
                sideList.append(Int32(index))
                sideRules.append(flat)
            case .grouped:
                break
            }
        }
    }

    /// Gives each table its span of `candidates` and puts each indexed rule
    /// in its value's run.
    private mutating func layOut(_ chosen: [IndexSlot]) {
        var end = uid.layOut(from: 0)
        end = gid.layOut(from: end)
        end = ruid.layOut(from: end)
        end = rgid.layOut(from: end)
        end = cmd.layOut(from: end)
        candidates = Array(repeating: 0, count: end)
        for index in heads.indices {
            let flat = flat(index)
            let rule = Int32(index)
            let sole = Self.exactKeys(flat) == 1 && flat.pattern < 0
            let position: Int?
            switch chosen[index] {
            case .uid: position = uid.claim(flat.euid, rule: rule, isSoleCondition: sole)
            case .gid: position = gid.claim(flat.egid, rule: rule, isSoleCondition: sole)
            case .ruid: position = ruid.claim(flat.ruid, rule: rule, isSoleCondition: sole)
            case .rgid: position = rgid.claim(flat.rgid, rule: rule, isSoleCondition: sole)
            case .cmd: position = cmd.claim(flat.comm, rule: rule, isSoleCondition: sole)
            case .general, .side, .grouped: continue
            }
            if let position { candidates[position] = rule }
        }
    }

    /// Rule `index` flattened: its `CompiledRule`, or one rebuilt from its
    /// head.
    private func flat(_ index: Int) -> CompiledRule {
        let head = heads[index]
        guard let key = Self.headKey(head >> 32) else { return compiled[Int(head)] }
        var flat = CompiledRule()
        flat[id: key] = UInt32(truncatingIfNeeded: head)
        flat.keys = RuleKeys(key)
        flat.order = UInt16(IndexSlot(key).rawValue + 1)
        return flat
    }

    private static var uidTag: UInt64 { 1 }
    private static var gidTag: UInt64 { 2 }
    private static var ruidTag: UInt64 { 3 }
    private static var rgidTag: UInt64 { 4 }

    /// The key a head's tag stands for; nil for tag 0 (a `CompiledRule`'s index).
    private static func headKey(_ tag: UInt64) -> RuleKey? {
        switch tag {
        case uidTag: return .uid
        case gidTag: return .gid
        case ruidTag: return .ruid
        case rgidTag: return .rgid
        default: return nil
        }
    }

    /// The head tag of a rule testing only `keys`, or nil when it needs a
    /// `CompiledRule`.
    private static func headTag(_ keys: RuleKeys) -> UInt64? {
        switch keys {
        case .uid: return uidTag
        case .gid: return gidTag
        case .ruid: return ruidTag
        case .rgid: return rgidTag
        default: return nil
        }
    }

    /// Calls `body` with the leader of each group of rules that holds for
    /// `identity` (see `RuleGroups`).
    func forEachMatchingGroup(_ identity: ProcessIdentity, _ body: (NamespaceID) -> Void) {
        heads.withUnsafeBufferPointer { heads in
            compiled.withUnsafeBufferPointer { compiled in
                candidates.withUnsafeBufferPointer { candidates in
                    @inline(__always) func visit(_ span: UInt64) {
                        let count = span & 0x7FFF_FFFF
                        if count == 1 {
                            let rule = Int(truncatingIfNeeded: span >> 32)
                            if span & UInt64(OpenTable<UInt32>.soleConditionFlag) != 0 || holds(heads[rule], identity, compiled) {
                                body(NamespaceID(rule))
                            }
                            return
                        }
                        var position = Int(truncatingIfNeeded: span >> 32)
                        let end = position + Int(truncatingIfNeeded: count)
                        while position < end {
                            let rule = Int(candidates[position])
                            if holds(heads[rule], identity, compiled) { body(NamespaceID(rule)) }
                            position += 1
                        }
                    }
                    if !uid.isEmpty { visit(uid.span(of: identity.euid)) }
                    if !gid.isEmpty { visit(gid.span(of: identity.egid)) }
                    if !ruid.isEmpty { visit(ruid.span(of: identity.ruid)) }
                    if !rgid.isEmpty { visit(rgid.span(of: identity.rgid)) }
                    // Only names of at most 15 bytes are hashed (see `Condition.comm`).
                    if !cmd.isEmpty, let comm = identity.comm.comm { visit(cmd.span(of: comm)) }
                    for (position, rule) in sideList.enumerated() where holds(sideRules[position], identity) {
                        body(NamespaceID(Int(rule)))
                    }
                    for rule in generalList where self.rule(Int(rule), holdsFor: identity) {
                        body(NamespaceID(Int(rule)))
                    }
                }
            }
        }
    }

    /// Whether rule `index` holds for `identity`.
    func rule(_ index: Int, holdsFor identity: ProcessIdentity) -> Bool {
        let head = heads[index]
        if head >> 32 == 0 {
            let rule = compiled[Int(head)]
            if rule.general {
                return generalRules[Int(rule.pattern)].allSatisfy { $0.holds(for: identity) }
            }
        }
        return compiled.withUnsafeBufferPointer { holds(head, identity, $0) }
    }

    /// Rule `index`'s conditions, in source order (allocates).
    func conditions(of index: Int) -> [Condition] {
        let head = heads[index]
        if let key = Self.headKey(head >> 32) { return [.id(key, UInt32(truncatingIfNeeded: head))] }
        let flat = compiled[Int(head)]
        if flat.general { return generalRules[Int(flat.pattern)] }
        var conditions: [Condition] = []
        var order = flat.order
        while order & 7 != 0 {
            switch IndexSlot.key(ofTable: UInt8(order & 7) - 1) {
            case .cmd:
                conditions.append(flat.pattern >= 0 ? .commPattern(patterns[Int(flat.pattern)].pattern) : .comm(flat.comm))
            case let key:
                conditions.append(.id(key, flat[id: key]))
            }
            order >>= 3
        }
        return conditions
    }

    /// Whether the rule with `head`, not a general one, holds.
    @inline(__always)
    private func holds(
        _ head: UInt64, _ identity: ProcessIdentity, _ compiled: UnsafeBufferPointer<CompiledRule>
    ) -> Bool {
        let value = UInt32(truncatingIfNeeded: head)
        switch head >> 32 {
        case Self.uidTag: return identity.euid == value
        case Self.gidTag: return identity.egid == value
        case Self.ruidTag: return identity.ruid == value
        case Self.rgidTag: return identity.rgid == value
        default: return holds(compiled[Int(value)], identity)
        }
    }

    /// Whether a flattened rule, not a general one, holds.
    @inline(__always)
    private func holds(_ rule: CompiledRule, _ identity: ProcessIdentity) -> Bool {
        let keys = rule.keys
        if keys.contains(.uid) && rule.euid != identity.euid { return false }
        if keys.contains(.gid) && rule.egid != identity.egid { return false }
        if keys.contains(.ruid) && rule.ruid != identity.ruid { return false }
        if keys.contains(.rgid) && rule.rgid != identity.rgid { return false }
        if rule.pattern >= 0 {
            let entry = patterns[Int(rule.pattern)]
            let comm = identity.comm
            if comm.count < Int(entry.minimumLength) { return false }
            if entry.firstByte < 0x100 && (comm.isEmpty || UInt16(comm[0]) != entry.firstByte) {
                return false
            }
            return entry.pattern.matches(identity.comm)
        }
        if keys.contains(.cmd) && !identity.comm.is(rule.comm) { return false }
        return true
    }

    private static func hasExact(_ flat: CompiledRule, _ key: RuleKey) -> Bool {
        flat.keys.contains(RuleKeys(key)) && (key != .cmd || flat.pattern < 0)
    }

    private static func exactKeys(_ flat: CompiledRule) -> Int {
        RuleKey.allCases.count { hasExact(flat, $0) }
    }

    /// Key and value in one hashable word, for counting shared values.
    private static func fingerprint(_ flat: CompiledRule, _ key: RuleKey) -> Int {
        let value = key == .cmd ? flat.comm.mixed : UInt64(flat[id: key])
        return Int(truncatingIfNeeded: (value &* 8) | UInt64(IndexSlot(key).rawValue))
    }
}

import Testing
import UprocAccounting
import UprocRules

@Suite struct AccountedNamespacesTests {
    static let table = DecisionTable(rules: [
        Rule(conditions: [.id(.uid, 1000)], namespace: "uid.alice"),
        Rule(conditions: [.id(.uid, 1000)], namespace: "user.alice"),
        Rule(conditions: [.id(.uid, 1001)], namespace: "uid.bob"),
        Rule(conditions: [.comm("make")], namespace: "cmd.make"),
    ])

    @Test func aGroupSharesOneSlotAndOthersHaveNone() {
        let accounted = AccountedNamespaces(table: Self.table, accounting: ["user.alice", "cmd.make"])
        let table = Self.table
        let alice = accounted.slot(of: table.id(of: "uid.alice")!)
        #expect(alice != nil && alice == accounted.slot(of: table.id(of: "user.alice")!))
        #expect(accounted.slot(of: table.id(of: "uid.bob")!) == nil)
        #expect(accounted.slotCount == 2)
        #expect(Set(accounted.namesBySlot) == [["uid.alice", "user.alice"], ["cmd.make"]])
    }

    /// New rules: a namespace they keep keeps its slot (its counters go
    /// on), one they drop retires its slot, a new one takes a free slot.
    @Test func slotsOutliveReloadsByName() {
        var accounted = AccountedNamespaces(table: Self.table, accounting: ["uid.alice", "uid.bob", "cmd.make"])
        let bob = accounted.slot(of: Self.table.id(of: "uid.bob")!)!
        let make = accounted.slot(of: Self.table.id(of: "cmd.make")!)!
        let alice = accounted.slot(of: Self.table.id(of: "uid.alice")!)!
        let newTable = DecisionTable(rules: [
            Rule(conditions: [.comm("make")], namespace: "cmd.make"),
            Rule(conditions: [.comm("cc1")], namespace: "cmd.cc1"),
            Rule(conditions: [.id(.uid, 1001)], namespace: "uid.bob"),
        ])
        let change = accounted.update(table: newTable, accounting: ["uid.bob", "cmd.make", "cmd.cc1"])
        #expect(accounted.slot(of: newTable.id(of: "uid.bob")!) == bob)
        #expect(accounted.slot(of: newTable.id(of: "cmd.make")!) == make)
        #expect(change.retired == [alice])
        #expect(change.added == [alice], "the new namespace takes the freed slot")
        #expect(accounted.slot(of: newTable.id(of: "cmd.cc1")!) == alice)
        #expect(accounted.slotCount == 3)
    }
}

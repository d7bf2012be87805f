import Testing
@testable import UprocRules

/// The compiler's flat rule collection: it grows past its first guess and
/// still finds every earlier definition.
@Suite struct RuleBuilderTests {
    @Test func growsPastItsCapacityAndFindsEveryDuplicate() {
        var builder = RuleBuilder(capacity: 0)
        for number in 0..<1000 {
            builder.conditions.append(.id(.uid, UInt32(number)))
            #expect(builder.define("n\(number)", line: number + 1) == nil)
            builder.endRule()
        }
        for number in [0, 1, 511, 999] {
            let existing = builder.define("n\(number)", line: 2000)
            #expect(existing == Int32(number))
            #expect(builder.line(of: number) == number + 1)
        }
        #expect(builder.count == 1000)
        #expect(Array(builder.conditions(of: 999)) == [.id(.uid, 999)])
    }

    @Test func tableFromCompilerMatchesTableFromRules() throws {
        let text = "uid 0 gid 5 both\ncmd bash* shells\n\nruid 3 rgid 4 cmd foo real\nuid 0 root\n"
        let compiled = RuleCompiler().compile(SourceFile(path: "t.conf", bytes: Array(text.utf8)))
        let table = try #require(compiled.table)
        let rebuilt = DecisionTable(rules: table.rules)
        #expect(table.rules.map(\.line) == [1, 2, 4, 5])
        #expect(rebuilt.rules == table.rules)
        #expect(rebuilt.namespaceNames == ["both", "shells", "real", "root"])
        #expect(table.id(of: "root") == NamespaceID(3))
    }
}

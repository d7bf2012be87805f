import Testing
import UprocAccounts
import UprocLinux
import UprocRules

/// The generator's output must compile, with the compiler `uproc-check`
/// uses, to exactly the rules it means: no error, no warning, every kept
/// account's namespace under its ID.
enum Validation {
    /// Compiles `text` and returns its diagnostics (rendered) and its rules
    /// as `key id namespace`, in source order.
    static func compile(_ text: String) -> (diagnostics: [String], rules: [String]) {
        compileWithSeverity(text).map { ($0.diagnostics.map(\.text), $0.rules) }!
    }

    static func compileWithSeverity(_ text: String) -> (diagnostics: [(severity: Diagnostic.Severity, text: String)], rules: [String])? {
        let source = SourceFile(path: "<generated>", text: text)
        let compilation = RuleCompiler(accounts: SystemAccounts()).compile(source)
        let rules = (compilation.table?.rules ?? []).map { rule in
            rule.conditions.map { condition -> String in
                switch condition {
                case .id(let key, let id): return "\(key.rawValue) \(id)"
                case .comm(let comm): return "cmd \(comm)"
                case .commPattern(let pattern): return "cmd-pattern \(String(decoding: pattern.source, as: UTF8.self))"
                }
            }.joined(separator: " ") + " " + rule.namespace
        }
        return (compilation.diagnostics.map { ($0.severity, DiagnosticRenderer.render($0, in: source)) }, rules)
    }

    /// The rule lines of generated text, as written (no quoting needed for
    /// the names these tests use).
    static func ruleLines(_ text: String) -> [String] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }
}

@Suite struct ValidationTests {
    @Test func fixtureOutputCompilesToItsRules() {
        let config = Fixtures.generate()
        let compiled = Validation.compile(config.text)
        #expect(compiled.diagnostics == [])
        #expect(compiled.rules == Validation.ruleLines(Fixtures.expectedOutput))
    }

    static let optionSets: [GeneratorOptions] = [
        GeneratorOptions(includeGroups: false), GeneratorOptions(includeUsers: false),
        GeneratorOptions(minUID: 1000, maxUID: 1001, minGID: 27, maxGID: 50),
        GeneratorOptions(userPrefix: "", groupPrefix: ""), GeneratorOptions(userPrefix: "user:", groupPrefix: "group@"),
        GeneratorOptions(minUID: 70000, minGID: 70000),
    ]

    @Test(arguments: optionSets)
    func fixtureOutputCompilesWithEveryOption(_ options: GeneratorOptions) {
        let config = Fixtures.generate(options: options)
        let compiled = Validation.compile(config.text)
        if config.userRuleCount + config.groupRuleCount > 0 {
            #expect(compiled.diagnostics == [])
        } else {
            // Nothing left to match: the compiler may warn, but never fail.
            let severities = Validation.compileWithSeverity(config.text)!.diagnostics.map(\.severity)
            #expect(!severities.contains(.error))
        }
        #expect(compiled.rules == Validation.ruleLines(config.text))
        #expect(compiled.rules.count == config.userRuleCount + config.groupRuleCount)
    }

    /// Every printable ASCII byte, at the start, inside and at the end of a
    /// name, with and without a prefix: each account is either in the
    /// output and compiles to its own name, or skipped with a warning.
    @Test(arguments: ["uid.", ""])
    func everyByteEitherCompilesToItsNameOrIsSkipped(_ prefix: String) {
        var names: [[UInt8]] = []
        for byte in UInt8(0x21)...UInt8(0x7E) where byte != UInt8(ascii: ":") && byte != UInt8(ascii: "n") {
            names += [[byte, UInt8(ascii: "n")], [UInt8(ascii: "n"), byte, UInt8(ascii: "n")], [UInt8(ascii: "n"), byte]]
        }
        names += ["ünï", "名前", "uid", "gid", "cmd", "ruid", "rgid", "UID", "1000", "0x10", "a.b", "a-b_c$"].map { Array($0.utf8) }
        // One line per account, so a warning names the account it skipped.
        let entries = names.enumerated().map {
            AccountEntry(name: $0.element, id: UInt32($0.offset), origin: AccountOrigin(source: "p", line: $0.offset + 1))
        }
        let config = Fixtures.generated(
            users: ParsedAccounts(entries: entries), groups: nil, source: .files(passwd: "p", group: "g"),
            options: GeneratorOptions(includeGroups: false, userPrefix: prefix))
        let skippedLines = Set(config.warnings.compactMap(\.origin.line))
        let expected = entries.filter { !skippedLines.contains($0.origin.line!) }.map {
            "uid \($0.id) \(prefix)\(String(decoding: $0.name, as: UTF8.self))"
        }
        #expect(config.warnings.count + config.userRuleCount == entries.count)
        let compiled = Validation.compile(config.text)
        #expect(compiled.diagnostics == [])
        #expect(compiled.rules == expected)
        // Names the language can hold must not be lost: only those with a
        // '/' and, without a prefix, those starting with '.', '#' or '"'.
        #expect(config.warnings.count == (prefix.isEmpty ? 6 : 3))
    }

    @Test func thisMachinesAccountsCompile() throws {
        let config = try StarterConfig.generate(from: .systemFiles, options: GeneratorOptions())
        #expect(config.userRuleCount > 0)
        #expect(config.groupRuleCount > 0)
        let compiled = Validation.compile(config.text)
        #expect(compiled.diagnostics == [])
        #expect(compiled.rules.count == config.userRuleCount + config.groupRuleCount)
        #expect(compiled.rules.contains("uid 0 uid.root"))
        #expect(compiled.rules.contains("gid 0 gid.root"))
    }

    @Test func theDaemonsBuiltInDefaultCompiles() throws {
        let (source, _) = try StarterConfig.systemDefault()
        let compilation = RuleCompiler(accounts: SystemAccounts()).compile(source)
        #expect(compilation.diagnostics == [])
        #expect(compilation.table?.id(of: "uid.root") != nil)
    }
}

/// `getpwent`/`getgrent` keep process-wide state: one test at a time.
@Suite(.serialized) struct NameServiceTests {
    @Test func nameServiceSeesAtLeastTheLocalFilesAndCompiles() throws {
        let nss = try StarterConfig.generate(from: .nameService, options: GeneratorOptions())
        let files = try StarterConfig.generate(from: .systemFiles, options: GeneratorOptions())
        #expect(nss.text.hasPrefix("""
            # Generated by uproc-genconf from the name service (getpwent, getgrent):
            # one namespace per user (uid.<user>) and per group (gid.<group>).
            # An account added later needs a new rule: run uproc-genconf again, or use its --template rules.

            """))
        let nssRules = Set(Validation.ruleLines(nss.text))
        let missing = Validation.ruleLines(files.text).filter { !nssRules.contains($0) }
        #expect(missing == [])
        let compiled = Validation.compile(nss.text)
        #expect(compiled.diagnostics == [])
        #expect(compiled.rules.count == nss.userRuleCount + nss.groupRuleCount)
    }
}

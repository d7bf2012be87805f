import Testing
import UprocAccounts
import UprocTestSupport

/// The shared passwd/group fixture (UprocTestSupport), and generation
/// helpers that check what they generate.
enum Fixtures {
    static let passwd = AccountsFixture.passwd
    static let group = AccountsFixture.group
    static let expectedOutput = AccountsFixture.expectedOutput
    static let expectedWarnings = AccountsFixture.expectedWarnings

    static let source = AccountsSource.files(passwd: "/fixture/passwd", group: "/fixture/group")

    static func generate(
        passwd: String = passwd, group: String = group, options: GeneratorOptions = GeneratorOptions(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> GeneratedConfig {
        generated(
            users: AccountsFile.parse(Array(passwd.utf8), path: "/fixture/passwd", kind: .user),
            groups: AccountsFile.parse(Array(group.utf8), path: "/fixture/group", kind: .group),
            source: source, options: options, sourceLocation: sourceLocation)
    }

    /// `ConfigGenerator.generate`, and every output a test looks at is
    /// also checked to compile, as `uproc-check` would, to one rule per
    /// rule line.
    static func generated(
        users: ParsedAccounts?, groups: ParsedAccounts?, source: AccountsSource, options: GeneratorOptions,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> GeneratedConfig {
        let config = ConfigGenerator.generate(users: users, groups: groups, source: source, options: options)
        let compiled = Validation.compileWithSeverity(config.text)!
        #expect(!compiled.diagnostics.contains { $0.severity == .error }, "\(compiled.diagnostics.map(\.text))", sourceLocation: sourceLocation)
        #expect(compiled.rules.count == config.userRuleCount + config.groupRuleCount, sourceLocation: sourceLocation)
        return config
    }
}

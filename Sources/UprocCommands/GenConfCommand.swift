import ArgumentParser
import SystemPackage
import UprocAccounts
import UprocRules

/// uproc-genconf: a starter config from the accounts database.
struct GenConfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uproc-genconf",
        abstract: "Write a starter uproc.conf with a namespace for every user and group.",
        discussion: """
            Prints one rule per account to standard output: "uid <uid> uid.<user>" for every \
            user, then "gid <gid> gid.<group>" for every group, each part sorted by ID then name. \
            Lines and accounts that cannot be used are skipped with a warning on standard error. \
            Typical use: uproc-genconf | sudo tee /etc/uproc.conf

            An account added later needs a new rule: run it again, or use --template, which prints \
            two template rules instead ("uid * uid.{user}", "gid * gid.{group}") whose namespaces \
            follow passwd and group.

            Exit status: 0 written (perhaps with warnings); 2 nothing written (an input file \
            cannot be read); 64 bad usage.
            """,
        version: "uproc-genconf \(uprocVersion)")

    @Option(name: .customLong("passwd"), help: ArgumentHelp("The users file ('-' for standard input).", valueName: "file"))
    var passwdFile: String?

    @Option(name: .customLong("group"), help: ArgumentHelp("The groups file ('-' for standard input).", valueName: "file"))
    var groupFile: String?

    @Flag(help: "Enumerate accounts through the name service (getpwent, getgrent), so LDAP and SSSD accounts count too.")
    var nss = false

    @Flag(help: "Only users (uid rules).")
    var usersOnly = false

    @Flag(help: "Only groups (gid rules).")
    var groupsOnly = false

    @Option(help: ArgumentHelp("Skip users with a lower UID (0 to 4294967294; e.g. 1000 to skip system accounts).", valueName: "uid"))
    var minUid: UInt32 = 0

    @Option(help: ArgumentHelp("Skip users with a higher UID (0 to 4294967294).", valueName: "uid"))
    var maxUid: UInt32 = GeneratorOptions.largestID

    @Option(help: ArgumentHelp("Skip groups with a lower GID (0 to 4294967294).", valueName: "gid"))
    var minGid: UInt32 = 0

    @Option(help: ArgumentHelp("Skip groups with a higher GID (0 to 4294967294).", valueName: "gid"))
    var maxGid: UInt32 = GeneratorOptions.largestID

    @Flag(help: "Print the account templates (uid * uid.{user}, gid * gid.{group}) instead of one rule per account.")
    var template = false

    @Option(help: ArgumentHelp("The start of every user's namespace name.", valueName: "prefix"))
    var prefixUser = GeneratorOptions.defaultUserPrefix

    @Option(help: ArgumentHelp("The start of every group's namespace name.", valueName: "prefix"))
    var prefixGroup = GeneratorOptions.defaultGroupPrefix

    var options: GeneratorOptions {
        GeneratorOptions(
            includeUsers: !groupsOnly, includeGroups: !usersOnly,
            minUID: minUid, maxUID: maxUid, minGID: minGid, maxGID: maxGid,
            userPrefix: prefixUser, groupPrefix: prefixGroup)
    }

    func validate() throws {
        if nss && (passwdFile != nil || groupFile != nil) {
            throw ValidationError("--nss enumerates the name service: it cannot be combined with --passwd or --group")
        }
        if passwdFile == "-" && groupFile == "-" && !usersOnly && !groupsOnly {
            throw ValidationError("--passwd and --group cannot both read standard input")
        }
        if let problem = options.problem { throw ValidationError(problem) }
        if template && (nss || passwdFile != nil || groupFile != nil || minUid != 0 || maxUid != GeneratorOptions.largestID
            || minGid != 0 || maxGid != GeneratorOptions.largestID) {
            throw ValidationError("--template reads no accounts: it takes no --passwd, --group, --nss or ID bounds")
        }
    }

    func run() throws {
        if template {
            try FileDescriptor.standardOutput.writeAll(ConfigGenerator.templates(options: options).utf8)
            return
        }
        let source: AccountsSource =
            nss ? .nameService : .files(passwd: passwdFile ?? "/etc/passwd", group: groupFile ?? "/etc/group")
        let config: GeneratedConfig
        do {
            config = try StarterConfig.generate(from: source, options: options)
        } catch {
            _ = try? FileDescriptor.standardError.writeAll("uproc-genconf: error: \(error)\n".utf8)
            throw ExitCode(2)
        }
        let warnings = config.warnings.map { "\($0)\n" }.joined()
        _ = try? FileDescriptor.standardError.writeAll(warnings.utf8)
        try FileDescriptor.standardOutput.writeAll(config.text.utf8)
    }
}

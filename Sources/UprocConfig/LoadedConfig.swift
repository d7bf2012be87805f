import UprocRules

/// A compiled configuration and where it came from.
package struct LoadedConfig: Sendable {
    package var table: DecisionTable
    /// A path, or `<built-in default>`.
    package var origin: String
    /// Warnings, each as `uproc-check` prints it (location, source line,
    /// caret), without the final newline.
    package var warnings: [String]
    /// Whether the rules name users or groups (`uid alice …`): then the
    /// accounts files matter to them too.
    package var namesAccounts = false
    /// The rules `uproc-genconf` prints, since no config file exists.
    package var isBuiltIn = false
    /// Of the bytes the rules were compiled from (`ConfigLoader.digest`);
    /// the daemon sets it, to skip a reload of the same input.
    package var digest = ConfigDigest()
}

/// The text to compile, before compiling it.
package struct ConfigSource {
    package var file: SourceFile
    /// The generator's warnings, for the built-in default.
    package var warnings: [String] = []
    package var isBuiltIn = false
}

/// A warning about the input of a generated config (an account the
/// built-in default left out), as `file:line` and a message: printed
/// before the compiler's diagnostics and counted with them.
package struct InputWarning: Hashable, Sendable {
    /// `file:line`, or a source without lines (`NSS passwd`).
    package var origin: String
    package var message: String

    package init(origin: String, message: String) {
        self.origin = origin
        self.message = message
    }
}

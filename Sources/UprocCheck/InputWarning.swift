/// A warning about the input of a generated config (an account the
/// built-in default left out), as `file:line` and a message: printed
/// before the compiler's diagnostics and counted with them.
public struct InputWarning: Hashable, Sendable {
    /// `file:line`, or a source without lines (`NSS passwd`).
    public var origin: String
    public var message: String

    public init(origin: String, message: String) {
        self.origin = origin
        self.message = message
    }
}

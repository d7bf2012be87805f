import Glibc

/// Reads the process environment without Foundation.
public enum ProcessEnvironment {
    /// The corresponding C function is `getenv`.
    public static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        return String(cString: pointer)
    }
}

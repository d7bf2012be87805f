import Glibc

/// Reads the process environment without Foundation.
package enum ProcessEnvironment {
    /// The corresponding C function is `getenv`.
    package static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        return String(cString: pointer)
    }
}

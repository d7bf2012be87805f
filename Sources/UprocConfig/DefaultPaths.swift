/// Where the uproc tools look when not told otherwise.
package enum DefaultPaths {
    /// The rules `uprocd` runs on when the file exists (`-c` names another).
    package static let config = "/etc/uproc.conf"
    /// The directory of namespace files `uprocd` keeps and `uproc-kill` reads (`-d` names another).
    package static let directory = "/run/uproc"
}

import Testing
import UprocLinux

@Suite struct ProcVisibilityTests {
    static let host = "22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"

    @Test func aPlainProcHidesNothing() {
        let visibility = ProcVisibility.parse(mountinfo: Self.host)
        #expect(visibility == ProcVisibility())
        #expect(!visibility.hidesProcesses)
        #expect(visibility.description == "hidepid=off")
    }

    @Test(arguments: [("invisible", true), ("2", true), ("noaccess", true), ("1", true), ("ptraceable", true),
                      ("4", true), ("off", false), ("0", false)])
    func theLastProcMountAtSlashProcWins(hidepid: String, hides: Bool) {
        let text = Self.host
            + "30 22 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n"
            + "63 45 0:39 / /proc rw,relatime - proc proc rw,gid=4254,hidepid=\(hidepid),subset=pid\n"
        let visibility = ProcVisibility.parse(mountinfo: text)
        #expect(visibility == ProcVisibility(hidepid: hidepid, gid: 4254, subsetPID: true))
        #expect(visibility.hidesProcesses == hides)
        #expect(visibility.description == "hidepid=\(hidepid),gid=4254,subset=pid")
    }

    @Test func optionalFieldsBeforeTheDashAreSkipped() {
        let text = "63 45 0:39 / /proc rw shared:5 master:3 - proc none rw,hidepid=invisible\n"
        #expect(ProcVisibility.parse(mountinfo: text) == ProcVisibility(hidepid: "invisible"))
    }
}

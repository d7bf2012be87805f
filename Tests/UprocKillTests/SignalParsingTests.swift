import Testing
import UprocKill
import UprocLinux

@Suite struct SignalParsingTests {
    @Test(arguments: [
        ("TERM", 15), ("SIGTERM", 15), ("term", 15), ("SigKill", 9), ("9", 9), ("0", 0), ("HUP", 1),
        ("USR1", 10), ("CHLD", 17), ("CLD", 17), ("IOT", 6), ("POLL", 29), ("STOP", 19),
        ("RTMIN", 34), ("RTMIN+1", 35), ("SIGRTMIN+3", 37), ("rtmax", 64), ("RTMAX-1", 63), ("RTMIN+30", 64), ("64", 64),
    ] as [(String, Int32)])
    func acceptsWhatKillAccepts(_ text: String, _ number: Int32) {
        #expect(KillSignal(text)?.number == number)
    }

    @Test(arguments: ["", "FOO", "SIG", "65", "-1", "+9", "RTMIN+31", "RTMAX-31", "RTMIN-1", "RTMAX+1", "RTMIN+", "RTMIN++1", "9x", " 9", "TERM "])
    func rejectsWhatIsNoSignal(_ text: String) {
        #expect(KillSignal(text) == nil)
    }

    @Test(arguments: [(15, "TERM"), (9, "KILL"), (34, "RTMIN"), (36, "RTMIN+2"), (63, "RTMAX-1"), (0, "0")] as [(Int32, String)])
    func printsNamesAsKillListsThem(_ number: Int32, _ name: String) {
        #expect(KillSignal(number: number).description == name)
    }

    @Test func glibcReservesTheFirstTwoRealtimeSignals() {
        // The parameterized cases above assume glibc's SIGRTMIN (34) and SIGRTMAX (64).
        #expect(SignalNames.realtimeMinimum == 34)
        #expect(SignalNames.realtimeMaximum == 64)
    }

    @Test(arguments: [
        (["-9", "a"], ["-s", "9", "a"]),
        (["-KILL", "a", "b"], ["-s", "KILL", "a", "b"]),
        (["-sigkill", "a"], ["-s", "sigkill", "a"]),
        (["-RTMIN+1", "a"], ["-s", "RTMIN+1", "a"]),
        (["-s", "HUP", "a"], ["-s", "HUP", "a"]),
        (["-d", "/x", "a"], ["-d", "/x", "a"]),
        (["-c", "c", "a"], ["-c", "c", "a"]),
        (["--dry-run", "-9", "a"], ["--dry-run", "-9", "a"]),
        (["-FOO", "a"], ["-FOO", "a"]),
        (["-", "a"], ["-", "a"]),
        (["--", "-9"], ["--", "-9"]),
        ([], []),
    ] as [([String], [String])])
    func expandsOnlyALeadingSignal(_ arguments: [String], _ expanded: [String]) {
        #expect(SignalShorthand.expand(arguments) == expanded)
    }
}

import Testing

/// End-to-end tests of the built `uprocd` against the real kernel. One daemon
/// at a time (2 cores, timing-sensitive): every nested suite runs serialized.
/// UIDs and GIDs 4200–4299 exist nowhere, so each test owns its namespaces.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct UprocdEndToEnd {}

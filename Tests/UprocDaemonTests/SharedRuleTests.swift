import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Namespaces with the same rule: one member list,
    /// one file hard-linked under every name, and each name still its own
    /// file once a reload or a repair separates it.
    @Suite struct SharedRules {
        static let names = ["g1", "g2", "g3"]

        /// (inode, link count) of `out/<name>`.
        static func inode(_ harness: Harness, _ name: String) -> (UInt64, Int)? {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: harness.out + "/" + name),
                  let inode = attributes[.systemFileNumber] as? UInt64,
                  let links = attributes[.referenceCount] as? Int
            else { return nil }
            return (inode, links)
        }

        @Test func namespacesWithOneRuleShareOneFileThroughChangesReloadsAndRepairs() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd uproctestgrp g1\nuid 4230 u\ncmd uproctestgrp g2\ncmd uproctestgrp g3\n")
            let command = try harness.link("uproctestgrp", to: "/bin/sleep")
            let daemon = try await harness.startDaemon()
            let first = try harness.spawn([command, "30"])
            let second = try harness.spawn([command, "30"])
            for name in Self.names { try await harness.waitUntil(namespace: name, is: [first.pid, second.pid].sorted()) }
            let shared = try #require(Self.inode(harness, "g1"))
            #expect(shared.1 == 3, "one file under three names")
            for name in Self.names { #expect(Self.inode(harness, name)?.0 == shared.0, "\(name) is the same file") }
            #expect(Self.inode(harness, "u")?.1 == 1)

            harness.killAndReap(first)
            for name in Self.names { try await harness.waitUntil(namespace: name, is: [second.pid]) }
            #expect(Self.inode(harness, "g3")?.1 == 3)

            // g2 gets a rule of its own: its file follows it; g1 and g3 still share theirs.
            try harness.rewriteConfig("cmd uproctestgrp g1\nuid 4230 u\ncmd uproctestgrx g2\ncmd uproctestgrp g3\n")
            daemon.signal(SIGHUP)
            try await harness.waitUntil(namespace: "g2", is: [])
            #expect(harness.pids("g1") == [second.pid])
            #expect(harness.pids("g3") == [second.pid])
            let third = try harness.spawn([command, "30"])
            for name in ["g1", "g3"] { try await harness.waitUntil(namespace: name, is: [second.pid, third.pid].sorted()) }
            #expect(harness.pids("g2") == [])
            #expect(Self.inode(harness, "g1")?.0 == Self.inode(harness, "g3")?.0)
            #expect(Self.inode(harness, "g1")?.1 == 2)

            // A deleted name comes back with the group's members.
            try FileManager.default.removeItem(atPath: harness.out + "/g3")
            try await harness.waitUntil(namespace: "g3", is: [second.pid, third.pid].sorted())
            #expect(harness.pids("g1") == [second.pid, third.pid].sorted())

            // Back to one rule for all three: one file again at the next change.
            try harness.rewriteConfig("cmd uproctestgrp g1\nuid 4230 u\ncmd uproctestgrp g2\ncmd uproctestgrp g3\n")
            daemon.signal(SIGHUP)
            for name in Self.names { try await harness.waitUntil(namespace: name, is: [second.pid, third.pid].sorted()) }
            harness.killAndReap(second)
            for name in Self.names { try await harness.waitUntil(namespace: name, is: [third.pid]) }
            #expect(Self.inode(harness, "g1")?.1 == 3)
            harness.killAndReap(third)
            try await daemon.stop()
            #expect(harness.outEntries() == nil)
        }
    }
}

import Testing
@testable import UprocDaemon

@Suite struct PublishBudgetTests {
    @Test func largeWritesTakeAtMostTheirShareOfTheTime() {
        var budget = PublishBudget()
        #expect(budget.allowsLarge(at: 1_000))
        budget.spent(40_000_000)  // 40 ms of large writes in one round
        #expect(budget.allowsLarge(at: 1_000), "under the round cap")
        budget.holdBack()
        let due = budget.endRound(at: 100_000_000)
        // 40 ms at a 40 % share: 60 ms of rest before the next large write.
        #expect(budget.largeNotBefore == 160_000_000)
        #expect(due == 160_000_000)
        #expect(!budget.allowsLarge(at: 159_999_999))
        #expect(budget.allowsLarge(at: 160_000_000))
        #expect(budget.endRound(at: 170_000_000) == nil, "nothing held back, nothing due")
    }

    @Test func aRoundStopsTakingLargeFilesAfterItsCap() {
        var budget = PublishBudget()
        budget.spent(PublishBudget.maxRound)
        #expect(!budget.allowsLarge(at: 0))
        budget.holdBack()
        #expect(budget.endRound(at: 1_000) == 1_000 + PublishBudget.maxRound * 3 / 2)
    }
}

import Testing
import UprocTestSupport
import UprocTracker

@Suite struct PIDBitmapTests {
    @Test func bitsAgreeWithASetUnderRandomSetsAndClears() {
        var random = SplitMix64(seed: 7)
        var bitmap = PIDBitmap()
        var model = Set<Int32>()
        for _ in 0..<20_000 {
            let pid = Int32(1 + random.next() % 4_194_304)
            if random.next() % 3 == 0 {
                bitmap[pid] = false
                model.remove(pid)
            } else {
                bitmap[pid] = true
                model.insert(pid)
            }
            #expect(bitmap[pid] == model.contains(pid))
        }
        for pid in model { #expect(bitmap[pid]) }
        #expect(!bitmap[0] && !bitmap[-1] && !bitmap[Int32.max])
    }
}

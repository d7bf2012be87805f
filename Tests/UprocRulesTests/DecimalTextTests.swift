import Testing
import UprocRules

@Suite struct DecimalTextTests {
    @Test(arguments: [
        ("0", UInt64(0)), ("7", 7), ("007", 7), ("4194304", 4_194_304), ("4294967295", 4_294_967_295),
        ("18446744073709551615", UInt64.max),
    ])
    func parsesDigits(text: String, value: UInt64) {
        #expect(DecimalText.parse(Array(text.utf8)) == value)
        #expect(DecimalText.parse(text.utf8) == value)
    }

    @Test(arguments: ["", "18446744073709551616", "99999999999999999999", "-1", "+1", " 1", "1 ", "1\n", "12a", "/", ":"])
    func rejectsAnythingElse(text: String) {
        #expect(DecimalText.parse(Array(text.utf8)) == nil)
    }

    @Test func parsesASliceInPlace() {
        let line = Array("Uid:\t1000\t0".utf8)
        #expect(DecimalText.parse(line[5..<9]) == 1000)
        #expect(DecimalText.parse(line[10...]) == 0)
    }

    @Test(arguments: [UInt32(0), 9, 10, 99, 100, 4_194_304, UInt32.max])
    func appendsUnsigned(value: UInt32) {
        var bytes = Array("x".utf8)
        DecimalText.append(value, to: &bytes)
        #expect(bytes == Array("x\(value)".utf8))
        #expect(DecimalText.parse(bytes.dropFirst()) == UInt64(value))
    }

    @Test(arguments: [Int32(0), 1, -1, 42, Int32.max, Int32.min])
    func appendsSigned(value: Int32) {
        var bytes: [UInt8] = []
        DecimalText.append(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == String(value))
    }

    @Test(arguments: [UInt32(0), 5, 10, 123_456, UInt32.max])
    func writesIntoAFixedBuffer(value: UInt32) {
        var buffer = [UInt8](repeating: 0xFF, count: 12)
        let count = buffer.withUnsafeMutableBufferPointer { DecimalText.write(value, to: $0.baseAddress!) }
        #expect(Array(buffer[..<count]) == Array(String(value).utf8))
        #expect(buffer[count] == 0xFF)  // nothing written past the digits
    }
}

// libFuzzer target: the config compiler and its diagnostics renderer.
// Properties checked on every input (a violation traps, so libFuzzer keeps
// the input as a crash): every diagnostic points inside the source (or just
// past a line's end), there are at most a few per input byte, and the
// rendered text stays linear in the input (bounded per diagnostic, capped
// in number). Built and run by tools/fuzz/run.
import UprocRules

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let source = SourceFile(path: "fuzz.conf", bytes: bytes)
    let compilation = RuleCompiler().compile(source)

    // Line lengths without the line end (and a CR before it), as the compiler sees them.
    var lengths: [Int] = []
    var lineStart = 0
    for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: "\n") {
        var end = index
        if end > lineStart && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        lengths.append(end - lineStart)
        lineStart = index + 1
    }
    for diagnostic in compilation.diagnostics {
        let line = diagnostic.location.line
        precondition(line >= 1 && line <= lengths.count, "line \(line) of \(lengths.count)")
        let column = diagnostic.location.column
        precondition(column >= 1 && column <= lengths[line - 1] + 1, "column \(column) of \(lengths[line - 1])")
    }
    precondition(compilation.diagnostics.count <= 2 * bytes.count + 2, "\(compilation.diagnostics.count) diagnostics")
    precondition((compilation.table == nil) == (compilation.errorCount > 0))
    let rendered = DiagnosticRenderer.render(compilation.diagnostics, in: source)
    precondition(rendered.utf8.count <= 10 * bytes.count + 20 * 1024, "\(rendered.utf8.count) bytes rendered")
    return 0
}

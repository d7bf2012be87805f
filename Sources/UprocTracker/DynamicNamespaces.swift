import UprocRules

/// The namespaces dynamic templates make (`cmd "*" cmd.{cmd}`, the numeric
/// names of account templates): each is made with its first member and
/// removed with its last, numbered after the table's namespaces. At most
/// `capacity` exist at once (`--max-namespaces` less the table's own): past
/// it a process is not listed in the template's namespace and the refusal
/// is counted, so a fork bomb of random command names cannot grow memory
/// without bound.
///
/// A removed namespace's ID is reused only after the next drain, so a
/// publisher never sees one ID stand for two names in one window.
@usableFromInline
struct DynamicNamespaces: Sendable {
    /// The first dynamic ID (the table's namespace count).
    @usableFromInline let base: Int
    let capacity: Int
    /// Per dynamic ID − base.
    private(set) var names: [String] = []
    /// The names' bytes, the key of `ids`.
    private var keys: [[UInt8]] = []
    private(set) var templates: [Int32] = []
    /// Per namespace, the one user whose processes alone it holds, or `UInt32.max`.
    private(set) var readers: [UInt32] = []
    private(set) var live: [Bool] = []
    /// Whether a drain offered it to the publisher (a file may exist).
    private(set) var offered: [Bool] = []
    private var ids: [[UInt8]: Int32] = [:]
    private var free: [Int32] = []
    /// Removed since the last drain: reusable after it.
    private var retired: [Int32] = []
    /// Names whose files must go (removed after a drain offered them).
    private(set) var removedNames: [String] = []
    private(set) var liveCount = 0
    /// Processes not listed in a template's namespace because of the cap,
    /// since start; and the templates that hit it since `takeCapped`.
    private(set) var refusals = 0
    private var capped: Set<Int> = []

    init(base: Int, capacity: Int) {
        self.base = base
        self.capacity = max(0, capacity)
    }

    /// The live namespace called `name`, or nil.
    func id(named name: [UInt8]) -> Int32? { ids[name] }

    func isLive(_ id: Int) -> Bool { id >= base && id - base < live.count && live[id - base] }

    func name(of id: Int) -> String { names[id - base] }

    func template(of id: Int) -> Int { Int(templates[id - base]) }

    func reader(of id: Int) -> UInt32? { readers[id - base] == .max ? nil : readers[id - base] }

    /// Makes the namespace `name` of `template`; nil at the cap (counted).
    mutating func make(_ name: [UInt8], template: Int, reader: UInt32? = nil) -> Int32? {
        guard liveCount < capacity else {
            refusals &+= 1
            capped.insert(template)
            return nil
        }
        let text = String(decoding: name, as: UTF8.self)
        let id: Int32
        if let reused = free.popLast() {
            id = reused
            let index = Int(id) - base
            names[index] = text
            keys[index] = name
            templates[index] = Int32(template)
            readers[index] = reader ?? .max
            live[index] = true
            offered[index] = false
        } else {
            id = Int32(base + names.count)
            names.append(text)
            keys.append(name)
            templates.append(Int32(template))
            readers.append(reader ?? .max)
            live.append(true)
            offered.append(false)
        }
        // A name whose file is still to be removed is made again: its file
        // stays (and is rewritten), it is not removed.
        if let pending = removedNames.firstIndex(of: text) {
            removedNames.remove(at: pending)
            offered[Int(id) - base] = true
        }
        ids[name] = id
        liveCount += 1
        return id
    }

    /// Counts a process refused for the cap without trying to make a name.
    mutating func refuse(_ template: Int) {
        refusals &+= 1
        capped.insert(template)
    }

    /// Removes a namespace whose last member left.
    mutating func remove(_ id: Int) {
        let index = id - base
        guard live[index] else { return }
        live[index] = false
        ids[keys[index]] = nil
        if offered[index] { removedNames.append(names[index]) }
        liveCount -= 1
        retired.append(Int32(id))
    }

    mutating func markOffered(_ id: Int) { offered[id - base] = true }

    /// After a drain: removed IDs may be reused.
    mutating func releaseRetired() {
        free += retired
        retired.removeAll(keepingCapacity: true)
    }

    mutating func takeRemovedNames() -> [String] {
        defer { removedNames.removeAll() }
        return removedNames
    }

    /// The templates that hit the cap since the last call.
    mutating func takeCapped() -> [Int] {
        defer { capped.removeAll() }
        return capped.sorted()
    }

    /// Every dynamic ID ever given (live or not), for sizing.
    var endID: Int { base + names.count }

    /// Names to remove on behalf of an earlier registry (new rules).
    mutating func inheritRemovals(_ names: [String]) {
        removedNames += names
    }
}

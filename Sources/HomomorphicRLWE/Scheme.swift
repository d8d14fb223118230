import Foundation

/// The operations a homomorphic evaluator needs, common to ``BFV``, ``CKKS`` and the plaintext
/// twins ``BFVTwin`` and ``CKKSTwin`` (same semantics without encryption, for fast tests of the
/// layers above). Higher layers are written once, generic over this protocol.
///
/// Conventions: `multiply(_:_:)` of two ciphertexts returns a 3-component result that must be
/// relinearized before another product or a rotation (the twins enforce this too); additions
/// and ``dotProducts(_:weights:outputs:)`` accept 3-component operands, so a square feeding a
/// linear layer can be relinearized after the sum. ``rescale(_:)`` is CKKS rescaling, BFV
/// modulus switching. ``remainingBits(_:)`` is the estimated noise budget (BFV) or precision
/// (CKKS) of a ciphertext; operations throw before it runs out.
public protocol HomomorphicScheme: AnyObject, Sendable {
    associatedtype Value: Sendable
    associatedtype Plaintext: Sendable
    associatedtype Ciphertext: Sendable

    /// Number of SIMD slots.
    var slotCount: Int { get }
    /// Upper bound on the threads batch operations use.
    var maxConcurrency: Int { get }

    func encode(_ values: [Value]) throws(RLWEError) -> Plaintext
    func decode(_ plaintext: Plaintext) throws(RLWEError) -> [Value]
    func encrypt(_ plaintext: Plaintext) throws(RLWEError) -> Ciphertext
    func encrypt(batch: [Plaintext]) throws(RLWEError) -> [Ciphertext]
    func decrypt(_ ciphertext: Ciphertext) throws(RLWEError) -> Plaintext

    func add(_ a: Ciphertext, _ b: Ciphertext) throws(RLWEError) -> Ciphertext
    func subtract(_ a: Ciphertext, _ b: Ciphertext) throws(RLWEError) -> Ciphertext
    func negate(_ a: Ciphertext) throws(RLWEError) -> Ciphertext
    func add(_ a: Ciphertext, _ p: Plaintext) throws(RLWEError) -> Ciphertext
    func multiply(_ a: Ciphertext, _ p: Plaintext) throws(RLWEError) -> Ciphertext
    func multiply(_ a: Ciphertext, scalar: Int64) throws(RLWEError) -> Ciphertext
    func multiply(_ a: Ciphertext, _ b: Ciphertext) throws(RLWEError) -> Ciphertext
    func square(_ a: Ciphertext) throws(RLWEError) -> Ciphertext
    func relinearize(_ a: Ciphertext) throws(RLWEError) -> Ciphertext
    func rescale(_ a: Ciphertext) throws(RLWEError) -> Ciphertext
    func rotate(_ a: Ciphertext, by steps: Int) throws(RLWEError) -> Ciphertext
    func dotProducts(_ cts: [Ciphertext], weights: [Int64], outputs: Int) throws(RLWEError) -> [Ciphertext]
    func remainingBits(_ a: Ciphertext) -> Double
}

extension HomomorphicScheme {
    /// Encodes and encrypts.
    public func encrypt(values: [Value]) throws(RLWEError) -> Ciphertext { try encrypt(try encode(values)) }
    /// Decrypts and decodes.
    public func decrypt(values ciphertext: Ciphertext) throws(RLWEError) -> [Value] { try decode(try decrypt(ciphertext)) }

    /// Applies `body` to every item on at most ``maxConcurrency`` threads (for example the
    /// squares of a layer's ciphertexts: `try scheme.batch(cts) { try scheme.square($0) }`).
    /// Results keep the order of `items`; the first error is rethrown.
    public func batch<T: Sendable, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) throws(RLWEError) -> R) throws(RLWEError) -> [R] {
        let slots = ResultSlots<R>(items.count)
        try parallelFor(items.count, maxConcurrency: maxConcurrency) { (i: Int) throws(RLWEError) in slots.set(i, try body(items[i])) }
        return slots.values.map { $0! }
    }
}

extension BFV: HomomorphicScheme {
    public typealias Value = Int64
    public typealias Plaintext = BFVPlaintext
    public typealias Ciphertext = RLWECiphertext
    /// Rotates both rows (``rotateRows(_:by:)``).
    public func rotate(_ a: RLWECiphertext, by steps: Int) throws(RLWEError) -> RLWECiphertext { try rotateRows(a, by: steps) }
    /// Modulus switching (``modSwitchDown(_:)``).
    public func rescale(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext { try modSwitchDown(a) }
    public func remainingBits(_ a: RLWECiphertext) -> Double { estimatedNoiseBudget(a) }
}

extension CKKS: HomomorphicScheme {
    public typealias Value = Double
    public typealias Plaintext = CKKSPlaintext
    public typealias Ciphertext = RLWECiphertext
    /// Encodes at the default scale and the top level.
    public func encode(_ values: [Double]) throws(RLWEError) -> CKKSPlaintext { try encode(values, scale: nil, level: nil) }
    public func remainingBits(_ a: RLWECiphertext) -> Double { estimatedPrecision(a) }
}

// MARK: - Plaintext twins

/// A "ciphertext" of a plaintext twin: the slot values in the clear, with the size and level
/// bookkeeping of a real ciphertext so that misuse (a product of unrelinearized operands,
/// a rescale at the last level) fails in the twin as it would under encryption.
public struct TwinCiphertext<Value: Sendable>: Sendable {
    public internal(set) var values: [Value]
    public internal(set) var size: Int
    public internal(set) var level: Int
}

/// A plaintext of a twin scheme.
public struct TwinPlaintext<Value: Sendable>: Sendable {
    public let values: [Value]
}

/// The plaintext twin of ``BFV``: exact arithmetic modulo `t` on `slotCount` signed slots
/// (2 rows for rotations), no encryption, no noise.
public final class BFVTwin: HomomorphicScheme, @unchecked Sendable {
    public typealias Value = Int64
    public let slotCount: Int
    public let plaintextModulus: UInt64
    public let levels: Int
    public let maxConcurrency: Int

    public init(slotCount: Int, plaintextModulus: UInt64, levels: Int = 1, maxConcurrency: Int = 1) throws(RLWEError) {
        guard slotCount >= 2, slotCount % 2 == 0 else { throw .invalidArgument("slot count must be even and at least 2") }
        guard plaintextModulus >= 2, plaintextModulus < 1 << 62 else { throw .invalidArgument("plaintext modulus out of range") }
        guard levels >= 1, maxConcurrency >= 1 else { throw .invalidArgument("levels and maxConcurrency must be positive") }
        self.slotCount = slotCount
        self.plaintextModulus = plaintextModulus
        self.levels = levels
        self.maxConcurrency = maxConcurrency
    }

    /// The twin of a BFV instance (same slots, t and levels).
    public convenience init(_ bfv: BFV) throws(RLWEError) {
        try self.init(slotCount: bfv.slotCount, plaintextModulus: bfv.plaintextModulus, levels: bfv.context.topLevel,
                      maxConcurrency: bfv.maxConcurrency)
    }

    var t: Int128 { Int128(plaintextModulus) }
    func reduce(_ x: Int128) -> Int64 {
        var r = x % t
        if r < 0 { r += t }
        return Int64(r > t / 2 ? r - t : r)
    }

    public func encode(_ values: [Int64]) throws(RLWEError) -> TwinPlaintext<Int64> {
        guard values.count <= slotCount else { throw .invalidArgument("\(values.count) values for \(slotCount) slots") }
        return TwinPlaintext(values: (values + [Int64](repeating: 0, count: slotCount - values.count)).map { reduce(Int128($0)) })
    }
    public func decode(_ p: TwinPlaintext<Int64>) throws(RLWEError) -> [Int64] { p.values }
    public func encrypt(_ p: TwinPlaintext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> {
        guard p.values.count == slotCount else { throw .parameterMismatch("plaintext of another slot count") }
        return TwinCiphertext(values: p.values, size: 2, level: levels)
    }
    public func encrypt(batch: [TwinPlaintext<Int64>]) throws(RLWEError) -> [TwinCiphertext<Int64>] {
        var out: [TwinCiphertext<Int64>] = []
        for p in batch { out.append(try encrypt(p)) }
        return out
    }
    public func decrypt(_ c: TwinCiphertext<Int64>) throws(RLWEError) -> TwinPlaintext<Int64> { TwinPlaintext(values: c.values) }

    func zipCheck(_ a: TwinCiphertext<Int64>, _ b: TwinCiphertext<Int64>) throws(RLWEError) {
        guard a.level == b.level else { throw .parameterMismatch("levels \(a.level) and \(b.level)") }
    }
    public func add(_ a: TwinCiphertext<Int64>, _ b: TwinCiphertext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> {
        try zipCheck(a, b)
        return TwinCiphertext(values: zip(a.values, b.values).map { reduce(Int128($0) + Int128($1)) }, size: max(a.size, b.size), level: a.level)
    }
    public func subtract(_ a: TwinCiphertext<Int64>, _ b: TwinCiphertext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> {
        try zipCheck(a, b)
        return TwinCiphertext(values: zip(a.values, b.values).map { reduce(Int128($0) - Int128($1)) }, size: max(a.size, b.size), level: a.level)
    }
    public func negate(_ a: TwinCiphertext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> {
        var r = a; r.values = a.values.map { reduce(-Int128($0)) }; return r
    }
    public func add(_ a: TwinCiphertext<Int64>, _ p: TwinPlaintext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> {
        var r = a; r.values = zip(a.values, p.values).map { reduce(Int128($0) + Int128($1)) }; return r
    }
    public func multiply(_ a: TwinCiphertext<Int64>, _ p: TwinPlaintext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> {
        var r = a; r.values = zip(a.values, p.values).map { reduce(Int128($0) * Int128($1)) }; return r
    }
    public func multiply(_ a: TwinCiphertext<Int64>, scalar s: Int64) throws(RLWEError) -> TwinCiphertext<Int64> {
        var r = a; r.values = a.values.map { reduce(Int128($0) * Int128(s)) }; return r
    }
    public func multiply(_ a: TwinCiphertext<Int64>, _ b: TwinCiphertext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> {
        try zipCheck(a, b)
        guard a.size == 2, b.size == 2 else { throw .invalidArgument("relinearize before multiplying") }
        return TwinCiphertext(values: zip(a.values, b.values).map { reduce(Int128($0) * Int128($1)) }, size: 3, level: a.level)
    }
    public func square(_ a: TwinCiphertext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> { try multiply(a, a) }
    public func relinearize(_ a: TwinCiphertext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> { var r = a; r.size = 2; return r }
    public func rescale(_ a: TwinCiphertext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> {
        guard a.level > 1 else { throw .levelExhausted }
        var r = a; r.level -= 1; return r
    }
    public func rotate(_ a: TwinCiphertext<Int64>, by steps: Int) throws(RLWEError) -> TwinCiphertext<Int64> {
        guard a.size == 2 else { throw .invalidArgument("relinearize before rotating") }
        let half = slotCount / 2
        let k = ((steps % half) + half) % half
        var r = a
        r.values = (0..<slotCount).map { i in a.values[(i / half) * half + (i % half + k) % half] }
        return r
    }
    /// Swaps the two rows.
    public func swapRows(_ a: TwinCiphertext<Int64>) throws(RLWEError) -> TwinCiphertext<Int64> {
        var r = a
        r.values = Array(a.values[(slotCount / 2)...] + a.values[..<(slotCount / 2)])
        return r
    }
    public func dotProducts(_ cts: [TwinCiphertext<Int64>], weights: [Int64], outputs: Int) throws(RLWEError) -> [TwinCiphertext<Int64>] {
        guard let first = cts.first else { throw .invalidArgument("empty dot product") }
        guard outputs >= 1, weights.count == outputs * cts.count else { throw .invalidArgument("expected \(outputs) × \(cts.count) weights, got \(weights.count)") }
        for w in weights where w.magnitude >= 1 << 31 { throw .invalidArgument("weight \(w) does not fit in 31 bits") }
        for c in cts where c.level != first.level || c.size != first.size { throw .parameterMismatch("dot product operands of different levels or sizes") }
        return (0..<outputs).map { o in
            let v = (0..<slotCount).map { j in
                reduce(cts.indices.reduce(Int128(0)) { ($0 + Int128(weights[o * cts.count + $1]) * Int128(cts[$1].values[j])) % t })
            }
            return TwinCiphertext(values: v, size: first.size, level: first.level)
        }
    }
    public func remainingBits(_ a: TwinCiphertext<Int64>) -> Double { .infinity }
}

/// The plaintext twin of ``CKKS``: real slot values in double precision, no encryption.
public final class CKKSTwin: HomomorphicScheme, @unchecked Sendable {
    public typealias Value = Double
    public let slotCount: Int
    public let levels: Int
    public let maxConcurrency: Int

    public init(slotCount: Int, levels: Int, maxConcurrency: Int = 1) throws(RLWEError) {
        guard slotCount >= 1, levels >= 1, maxConcurrency >= 1 else { throw .invalidArgument("slot count, levels and maxConcurrency must be positive") }
        self.slotCount = slotCount
        self.levels = levels
        self.maxConcurrency = maxConcurrency
    }

    /// The twin of a CKKS instance.
    public convenience init(_ ckks: CKKS) throws(RLWEError) {
        try self.init(slotCount: ckks.slotCount, levels: ckks.context.topLevel, maxConcurrency: ckks.maxConcurrency)
    }

    public func encode(_ values: [Double]) throws(RLWEError) -> TwinPlaintext<Double> {
        guard values.count <= slotCount else { throw .invalidArgument("\(values.count) values for \(slotCount) slots") }
        return TwinPlaintext(values: values + [Double](repeating: 0, count: slotCount - values.count))
    }
    public func decode(_ p: TwinPlaintext<Double>) throws(RLWEError) -> [Double] { p.values }
    public func encrypt(_ p: TwinPlaintext<Double>) throws(RLWEError) -> TwinCiphertext<Double> {
        guard p.values.count == slotCount else { throw .parameterMismatch("plaintext of another slot count") }
        return TwinCiphertext(values: p.values, size: 2, level: levels)
    }
    public func encrypt(batch: [TwinPlaintext<Double>]) throws(RLWEError) -> [TwinCiphertext<Double>] {
        var out: [TwinCiphertext<Double>] = []
        for p in batch { out.append(try encrypt(p)) }
        return out
    }
    public func decrypt(_ c: TwinCiphertext<Double>) throws(RLWEError) -> TwinPlaintext<Double> { TwinPlaintext(values: c.values) }
    public func add(_ a: TwinCiphertext<Double>, _ b: TwinCiphertext<Double>) throws(RLWEError) -> TwinCiphertext<Double> {
        guard a.level == b.level else { throw .parameterMismatch("levels \(a.level) and \(b.level)") }
        return TwinCiphertext(values: zip(a.values, b.values).map(+), size: max(a.size, b.size), level: a.level)
    }
    public func subtract(_ a: TwinCiphertext<Double>, _ b: TwinCiphertext<Double>) throws(RLWEError) -> TwinCiphertext<Double> {
        guard a.level == b.level else { throw .parameterMismatch("levels \(a.level) and \(b.level)") }
        return TwinCiphertext(values: zip(a.values, b.values).map(-), size: max(a.size, b.size), level: a.level)
    }
    public func negate(_ a: TwinCiphertext<Double>) throws(RLWEError) -> TwinCiphertext<Double> { var r = a; r.values = a.values.map { -$0 }; return r }
    public func add(_ a: TwinCiphertext<Double>, _ p: TwinPlaintext<Double>) throws(RLWEError) -> TwinCiphertext<Double> {
        var r = a; r.values = zip(a.values, p.values).map(+); return r
    }
    public func multiply(_ a: TwinCiphertext<Double>, _ p: TwinPlaintext<Double>) throws(RLWEError) -> TwinCiphertext<Double> {
        var r = a; r.values = zip(a.values, p.values).map(*); return r
    }
    public func multiply(_ a: TwinCiphertext<Double>, scalar s: Int64) throws(RLWEError) -> TwinCiphertext<Double> {
        var r = a; r.values = a.values.map { $0 * Double(s) }; return r
    }
    public func multiply(_ a: TwinCiphertext<Double>, _ b: TwinCiphertext<Double>) throws(RLWEError) -> TwinCiphertext<Double> {
        guard a.level == b.level else { throw .parameterMismatch("levels \(a.level) and \(b.level)") }
        guard a.size == 2, b.size == 2 else { throw .invalidArgument("relinearize before multiplying") }
        return TwinCiphertext(values: zip(a.values, b.values).map(*), size: 3, level: a.level)
    }
    public func square(_ a: TwinCiphertext<Double>) throws(RLWEError) -> TwinCiphertext<Double> { try multiply(a, a) }
    public func relinearize(_ a: TwinCiphertext<Double>) throws(RLWEError) -> TwinCiphertext<Double> { var r = a; r.size = 2; return r }
    public func rescale(_ a: TwinCiphertext<Double>) throws(RLWEError) -> TwinCiphertext<Double> {
        guard a.level > 1 else { throw .levelExhausted }
        var r = a; r.level -= 1; return r
    }
    public func rotate(_ a: TwinCiphertext<Double>, by steps: Int) throws(RLWEError) -> TwinCiphertext<Double> {
        guard a.size == 2 else { throw .invalidArgument("relinearize before rotating") }
        let k = ((steps % slotCount) + slotCount) % slotCount
        var r = a
        r.values = (0..<slotCount).map { a.values[($0 + k) % slotCount] }
        return r
    }
    public func dotProducts(_ cts: [TwinCiphertext<Double>], weights: [Int64], outputs: Int) throws(RLWEError) -> [TwinCiphertext<Double>] {
        guard let first = cts.first else { throw .invalidArgument("empty dot product") }
        guard outputs >= 1, weights.count == outputs * cts.count else { throw .invalidArgument("expected \(outputs) × \(cts.count) weights, got \(weights.count)") }
        for w in weights where w.magnitude >= 1 << 31 { throw .invalidArgument("weight \(w) does not fit in 31 bits") }
        return (0..<outputs).map { o in
            let v = (0..<slotCount).map { j in cts.indices.reduce(0.0) { $0 + Double(weights[o * cts.count + $1]) * cts[$1].values[j] } }
            return TwinCiphertext(values: v, size: first.size, level: first.level)
        }
    }
    public func remainingBits(_ a: TwinCiphertext<Double>) -> Double { .infinity }
}

import CCryptoCore

/// A residue number system: `k` distinct NTT-friendly primes `q_0 … q_{k-1}` of one ring degree,
/// with their NTT plans and the CRT constants of `Q = ∏ q_i`.
public final class RNSBase: @unchecked Sendable {
    /// The ring degree `n`.
    public let degree: Int
    /// The primes.
    public let moduli: [Modulus]
    /// One NTT plan per prime.
    public let plans: [NTTPlan]
    let crt: OpaquePointer

    /// Builds the base. Every prime must satisfy the conditions of ``NTTPlan`` and the primes
    /// must be distinct.
    public init(degree: Int, moduli: [UInt64]) throws(CryptoCoreError) {
        guard !moduli.isEmpty else { throw .invalidArgument("an RNS base needs at least one prime") }
        guard Set(moduli).count == moduli.count else { throw .invalidArgument("RNS primes must be distinct") }
        var plans: [NTTPlan] = []
        for q in moduli { plans.append(try NTTPlan(degree: degree, modulus: q)) }
        var c: OpaquePointer?
        let status = moduli.withUnsafeBufferPointer { ccc_rns_base_create(&c, $0.baseAddress, $0.count) }
        try CryptoCoreError.check(status, "RNS base")
        crt = c!
        self.degree = degree
        self.plans = plans
        self.moduli = plans.map(\.modulus)
    }

    deinit { ccc_rns_base_destroy(crt) }

    /// Number of primes `k`.
    public var count: Int { moduli.count }

    /// Number of 64-bit words that hold any value below `Q`.
    public var productWords: Int { ccc_rns_base_words(crt) }

    /// `Q = ∏ q_i` as little-endian 64-bit words.
    public var productWordsLE: [UInt64] {
        var out = [UInt64](repeating: 0, count: productWords)
        out.withUnsafeMutableBufferPointer { ccc_rns_base_product(crt, $0.baseAddress) }
        return out
    }

    /// Whether two bases have the same degree and primes in the same order.
    public func isCompatible(with other: RNSBase) -> Bool {
        self === other || (degree == other.degree && moduli == other.moduli)
    }
}

/// The representation a polynomial is in: coefficients, or NTT evaluations.
public protocol PolynomialFormat: Sendable {}
/// Coefficient representation.
public enum Coefficient: PolynomialFormat {}
/// Evaluation (NTT) representation: products are pointwise.
public enum Evaluation: PolynomialFormat {}

/// A polynomial of `Z_Q[X]/(X^n + 1)` in RNS form: `k` rows of `n` residues, row `i` modulo
/// `q_i`, all in `[0, q_i)`. The format (``Coefficient`` or ``Evaluation``) is part of the type,
/// so a product of coefficient-form polynomials does not compile.
public struct RNSPolynomial<Format: PolynomialFormat>: @unchecked Sendable {
    /// The base the residues belong to.
    public let base: RNSBase
    @usableFromInline var storage: WordBuffer

    /// Residues, prime-major: `data[i * n + j]` is coefficient `j` modulo `q_i` (a copy).
    public var data: [UInt64] { Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count)) }

    /// The zero polynomial.
    public init(zeroIn base: RNSBase) {
        self.base = base
        self.storage = WordBuffer(count: base.count * base.degree)
    }

    /// Read-only access to the residues (prime-major, `k·n` words).
    @inlinable public func withResidues<R>(_ body: (UnsafeBufferPointer<UInt64>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count)) }
    }

    /// Mutable access to the residues; the caller keeps every residue below its prime.
    @inlinable public mutating func withMutableResidues<R>(_ body: (UnsafeMutableBufferPointer<UInt64>) throws -> R) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) { try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count)) }
    }

    @usableFromInline mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// A polynomial from residues (prime-major, `k·n` values, each below its prime).
    public init(base: RNSBase, residues: [UInt64]) throws(CryptoCoreError) {
        guard residues.count == base.count * base.degree else {
            throw .sizeMismatch(expected: base.count * base.degree, actual: residues.count)
        }
        for i in 0..<base.count {
            let q = base.moduli[i].value
            for j in 0..<base.degree where residues[i * base.degree + j] >= q {
                throw .invalidArgument("residue \(residues[i * base.degree + j]) not below \(q)")
            }
        }
        self.base = base
        self.storage = WordBuffer(copying: residues)
    }

    /// The polynomial with the given signed integer coefficients (`n` values), reduced mod each prime.
    public init(base: RNSBase, signedCoefficients c: [Int64]) throws(CryptoCoreError) where Format == Coefficient {
        guard c.count == base.degree else { throw .sizeMismatch(expected: base.degree, actual: c.count) }
        self.init(zeroIn: base)
        let n = base.degree, p = storage.pointer
        for (i, m) in base.moduli.enumerated() {
            for j in 0..<n { p[i * n + j] = m.reduce(signed: c[j]) }
        }
    }

    /// A uniformly random polynomial (each residue uniform modulo its prime).
    public init<R: CryptoRandomSource>(uniformIn base: RNSBase, using rng: inout R) {
        self.init(zeroIn: base)
        let n = base.degree, p = storage.pointer
        for (i, m) in base.moduli.enumerated() {
            for j in 0..<n { p[i * n + j] = rng.uniform(below: m.value) }
        }
    }

    /// Ring degree `n`.
    public var degree: Int { base.degree }

    /// Row `i` (residues modulo `q_i`).
    public func residues(_ i: Int) -> [UInt64] {
        withResidues { Array($0[(i * degree)..<((i + 1) * degree)]) }
    }

    @inline(__always)
    func checkSameBase(_ other: RNSPolynomial) throws(CryptoCoreError) {
        guard base.isCompatible(with: other.base) else { throw .parameterMismatch("polynomials of different RNS bases") }
    }

    typealias Kernel2 = (UnsafeMutablePointer<UInt64>, UnsafePointer<UInt64>, UnsafePointer<UInt64>, UInt64, Int) -> Void

    /// Applies a row kernel `(out, a, b, n, primeIndex)` to every row.
    @inline(__always)
    mutating func apply(_ other: RNSPolynomial, _ kernel: Kernel2) {
        let n = degree
        let k = base.count
        makeUnique()
        let po = storage.pointer
        withExtendedLifetime(other.storage) {
            let pb = other.storage.pointer
            for i in 0..<k { kernel(po + i * n, UnsafePointer(po + i * n), pb + i * n, UInt64(n), i) }
        }
    }

    /// `self += other`.
    public mutating func add(_ other: RNSPolynomial) throws(CryptoCoreError) {
        try checkSameBase(other)
        let mods = base.moduli
        apply(other) { o, a, b, n, i in ccc_poly_add(o, a, b, n, mods[i].value) }
    }

    /// `self -= other`.
    public mutating func subtract(_ other: RNSPolynomial) throws(CryptoCoreError) {
        try checkSameBase(other)
        let mods = base.moduli
        apply(other) { o, a, b, n, i in ccc_poly_sub(o, a, b, n, mods[i].value) }
    }

    /// `self = -self`.
    public mutating func negate() {
        let n = degree
        let mods = base.moduli
        makeUnique()
        let p = storage.pointer
        for i in 0..<mods.count { ccc_poly_neg(p + i * n, p + i * n, UInt64(n), mods[i].value) }
    }

    /// Multiplies by a signed integer scalar.
    public mutating func multiply(byScalar s: Int64) {
        let n = degree
        let mods = base.moduli
        makeUnique()
        let p = storage.pointer
        for i in 0..<mods.count {
            let w = mods[i].reduce(signed: s)
            ccc_poly_mul_scalar(p + i * n, p + i * n, w, UInt64(n), mods[i].value)
        }
    }

    public static func + (a: RNSPolynomial, b: RNSPolynomial) throws(CryptoCoreError) -> RNSPolynomial {
        var r = a; try r.add(b); return r
    }
    public static func - (a: RNSPolynomial, b: RNSPolynomial) throws(CryptoCoreError) -> RNSPolynomial {
        var r = a; try r.subtract(b); return r
    }
    public static prefix func - (a: RNSPolynomial) -> RNSPolynomial { var r = a; r.negate(); return r }

    /// Multiply-accumulate with signed word weights (`|w| < 2^31`, the fixed-point weights of a
    /// neural layer): `Σ weights[i] · polynomials[i]`, reduced once per coefficient. Works in
    /// either format (the map is linear). Variable time in the weights, not in the polynomials.
    public static func dotProduct(_ polynomials: [RNSPolynomial], weights: [Int64]) throws(CryptoCoreError) -> RNSPolynomial {
        guard let first = polynomials.first else { throw .invalidArgument("empty dot product") }
        return try matrixProduct(polynomials, weights: weights, outputs: 1, base: first.base)[0]
    }

    /// `outputs` multiply-accumulates at once: output `o` is `Σ_i weights[o·count + i] · polynomials[i]`
    /// (row-major weight matrix, `|w| < 2^31`). The inputs are read once for all outputs.
    /// `kernel` forces an implementation (for comparisons); by default the fastest allowed runs.
    public static func matrixProduct(_ polynomials: [RNSPolynomial], weights: [Int64], outputs: Int,
                                     base: RNSBase, kernel: Kernel? = nil) throws(CryptoCoreError) -> [RNSPolynomial] {
        if let kernel, ccc_poly_dot_small_kernels() & (1 << UInt32(kernel.rawValue)) == 0 {
            throw .invalidArgument("kernel \(kernel) is not available for the multiply-accumulate on this CPU")
        }
        let count = polynomials.count
        guard outputs >= 0, weights.count == outputs * count else {
            throw .sizeMismatch(expected: outputs * count, actual: weights.count)
        }
        for p in polynomials where !p.base.isCompatible(with: base) {
            throw .parameterMismatch("polynomials of different RNS bases")
        }
        for w in weights where w.magnitude >= 1 << 31 {
            throw .invalidArgument("weight \(w) does not fit in 31 bits; use the general dot product")
        }
        let results = (0..<outputs).map { _ in RNSPolynomial(zeroIn: base) }
        guard outputs > 0 else { return results }
        let n = base.degree
        var status = CCC_OK
        withExtendedLifetime((polynomials, results)) {
            var rowInputs = [UnsafePointer<UInt64>?](repeating: nil, count: count)
            var rowOutputs = [UnsafeMutablePointer<UInt64>?](repeating: nil, count: outputs)
            for (i, m) in base.moduli.enumerated() {
                for t in 0..<count { rowInputs[t] = UnsafePointer(polynomials[t].storage.pointer + i * n) }
                for o in 0..<outputs { rowOutputs[o] = results[o].storage.pointer + i * n }
                let s = withUnsafePointer(to: m.raw) { mp in
                    if let kernel {
                        ccc_poly_matvec_small_kernel(rowOutputs, outputs, rowInputs, weights, count, UInt64(n), mp, 0, kernel.raw)
                    } else {
                        ccc_poly_matvec_small(rowOutputs, outputs, rowInputs, weights, count, UInt64(n), mp, 0)
                    }
                }
                if s != CCC_OK { status = s }
            }
        }
        try CryptoCoreError.check(status, "multiply-accumulate")
        return results
    }
}

extension RNSPolynomial where Format == Coefficient {
    /// The forward NTT of every row.
    public func forwardNTT() -> RNSPolynomial<Evaluation> {
        let out = RNSPolynomial<Evaluation>(base: base, storage: storage.copy())
        let n = degree, p = out.storage.pointer
        for (i, plan) in base.plans.enumerated() { plan.forward(p + i * n) }
        return out
    }

    /// The CRT composition of every coefficient: `n` values in `[0, Q)`, each as
    /// ``RNSBase/productWords`` little-endian 64-bit words.
    public func composeCRT() -> [[UInt64]] {
        let words = base.productWords
        let n = degree
        var flat = [UInt64](repeating: 0, count: words * n)
        let status = flat.withUnsafeMutableBufferPointer { out in
            withResidues { ccc_rns_compose(base.crt, out.baseAddress, words, $0.baseAddress, UInt64(n)) }
        }
        precondition(status == CCC_OK, "residues are reduced by construction")
        return (0..<n).map { Array(flat[($0 * words)..<(($0 + 1) * words)]) }
    }

    /// The polynomial whose coefficients are the given non-negative integers (little-endian
    /// 64-bit words each, any length), reduced modulo every prime.
    public init(base: RNSBase, wordsLE values: [[UInt64]]) throws(CryptoCoreError) {
        guard values.count == base.degree else { throw .sizeMismatch(expected: base.degree, actual: values.count) }
        let words = max(1, values.map(\.count).max() ?? 1)
        var flat = [UInt64](repeating: 0, count: words * values.count)
        for (j, v) in values.enumerated() { for (w, x) in v.enumerated() { flat[j * words + w] = x } }
        self.init(zeroIn: base)
        let n = base.degree
        let status = ccc_rns_decompose(base.crt, storage.pointer, flat, words, UInt64(n))
        try CryptoCoreError.check(status, "RNS decomposition")
    }
}

extension RNSPolynomial where Format == Evaluation {
    /// The inverse NTT of every row.
    public func inverseNTT() -> RNSPolynomial<Coefficient> {
        let out = RNSPolynomial<Coefficient>(base: base, storage: storage.copy())
        let n = degree, p = out.storage.pointer
        for (i, plan) in base.plans.enumerated() { plan.inverse(p + i * n) }
        return out
    }

    /// `self *= other` pointwise (a ring product, since both are NTT evaluations).
    public mutating func multiply(_ other: RNSPolynomial) throws(CryptoCoreError) {
        try checkSameBase(other)
        let mods = base.moduli
        apply(other) { o, a, b, n, i in withUnsafePointer(to: mods[i].raw) { ccc_poly_mul(o, a, b, n, $0) } }
    }

    /// `self += a * b` pointwise.
    public mutating func multiplyAdd(_ a: RNSPolynomial, _ b: RNSPolynomial) throws(CryptoCoreError) {
        try checkSameBase(a)
        try checkSameBase(b)
        let n = degree
        let mods = base.moduli
        makeUnique()
        let po = storage.pointer
        withExtendedLifetime((a.storage, b.storage)) {
            for i in 0..<mods.count {
                withUnsafePointer(to: mods[i].raw) {
                    ccc_poly_mul_add(po + i * n, a.storage.pointer + i * n, b.storage.pointer + i * n, UInt64(n), $0)
                }
            }
        }
    }

    public static func * (a: RNSPolynomial, b: RNSPolynomial) throws(CryptoCoreError) -> RNSPolynomial {
        var r = a; try r.multiply(b); return r
    }
}

extension RNSPolynomial {
    init(base: RNSBase, storage: WordBuffer) {
        self.base = base
        self.storage = storage
    }
}

/// A heap buffer of 64-bit words, 64-byte aligned (for the SIMD kernels), zero-initialised.
/// Value semantics come from the copy-on-write owners.
@usableFromInline final class WordBuffer: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<UInt64>
    @usableFromInline let count: Int

    init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 8, alignment: 64)
        pointer = raw.bindMemory(to: UInt64.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    convenience init(copying values: [UInt64]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    @usableFromInline func copy() -> WordBuffer {
        let c = WordBuffer(count: count)
        c.pointer.update(from: pointer, count: count)
        return c
    }

    deinit { pointer.deallocate() }
}

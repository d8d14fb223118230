import CCryptoCore
import CryptoCore
import Foundation

/// A BFV plaintext: `n` coefficients modulo `t`.
public struct BFVPlaintext: Sendable, Equatable {
    /// Coefficients in `[0, t)`.
    public let coefficients: [UInt64]
    /// Identifier of the parameters.
    public let parameterHash: UInt64
}

/// The BFV scheme (Brakerski 2012, Fan–Vercauteren 2012) in full RNS.
///
/// - Encoding: SIMD batching (``encode(_:)``): a prime `t ≡ 1 mod 2n` gives `n` slots arranged
///   as 2 rows of `n/2`; ``rotateRows(_:by:)`` rotates both rows, ``swapRows(_:)`` swaps them.
///   Values are signed: `v` is stored as `v mod t` and decoded to `(-t/2, t/2]`.
/// - Multiplication: HPS (Halevi–Polyakov–Shoup, eprint 2018/117): extension to an auxiliary
///   base R with the floating-point corrected fast base conversion, tensor product in NTT form
///   modulo Q·R, `round(t·x/Q)` with the fractional parts in 128-bit fixed point, and
///   conversion back from R to Q. See DESIGN.md.
/// - Noise: each ciphertext carries an estimate; an operation whose estimated budget would
///   drop to zero throws ``RLWEError/noiseBudgetExhausted(remainingBits:)``,
///   ``noiseBudget(of:)`` measures the exact invariant-noise budget with the secret key.
///
/// A scheme instance holds the keys it was given: a client has the secret key (and may hold
/// the public key), an evaluator holds the public key and the evaluation keys. Operations that
/// need a missing key throw ``RLWEError/missingKey(_:)``.
public final class BFV: @unchecked Sendable {
    public let context: RLWEContext
    public let secretKey: SecretKey?
    public let publicKey: PublicKey?
    public let evaluationKeys: EvaluationKeys?
    /// Upper bound on the threads the batch operations of this instance use.
    public let maxConcurrency: Int

    let n: Int
    let t: UInt64

    public init(context: RLWEContext, secretKey: SecretKey? = nil, publicKey: PublicKey? = nil,
                evaluationKeys: EvaluationKeys? = nil, maxConcurrency: Int = 1) throws(RLWEError) {
        guard context.parameters.scheme == .bfv else { throw .parameterMismatch("a BFV instance needs BFV parameters") }
        guard maxConcurrency >= 1 else { throw .invalidArgument("maxConcurrency must be at least 1") }
        if let k = secretKey, k.parameterHash != context.parameterHash { throw .parameterMismatch("secret key of another parameter set") }
        if let k = publicKey, k.parameterHash != context.parameterHash { throw .parameterMismatch("public key of another parameter set") }
        if let k = evaluationKeys, k.parameterHash != context.parameterHash { throw .parameterMismatch("evaluation keys of another parameter set") }
        self.context = context
        self.secretKey = secretKey
        self.publicKey = publicKey
        self.evaluationKeys = evaluationKeys
        self.maxConcurrency = maxConcurrency
        n = context.n
        t = context.parameters.plaintextModulus
    }

    /// Number of slots (`n`).
    public var slotCount: Int { n }
    /// The plaintext modulus.
    public var plaintextModulus: UInt64 { t }

    // MARK: Encoding

    /// Batch-encodes up to `n` signed values (missing slots are 0): slot `i < n/2` is row 0,
    /// column `i`; slot `n/2 + i` is row 1, column `i`.
    public func encode(_ values: [Int64]) throws(RLWEError) -> BFVPlaintext {
        guard let plan = context.tPlan else { throw .invalidParameters("t = \(t) is not a prime ≡ 1 mod 2n: no batching") }
        guard values.count <= n else { throw .invalidArgument("\(values.count) values for \(n) slots") }
        var eval = [UInt64](repeating: 0, count: n)
        let tm = plan.modulus
        for (i, v) in values.enumerated() { eval[context.slotToIndex[i]] = tm.reduce(signed: v) }
        eval.withUnsafeMutableBufferPointer { plan.inverse($0.baseAddress!) }
        return BFVPlaintext(coefficients: eval, parameterHash: context.parameterHash)
    }

    /// Decodes the `n` slots as signed values in `(-t/2, t/2]`.
    public func decode(_ plaintext: BFVPlaintext) throws(RLWEError) -> [Int64] {
        guard let plan = context.tPlan else { throw .invalidParameters("t = \(t) is not a prime ≡ 1 mod 2n: no batching") }
        try check(plaintext)
        var eval = plaintext.coefficients
        eval.withUnsafeMutableBufferPointer { plan.forward($0.baseAddress!) }
        return (0..<n).map { centered(eval[context.slotToIndex[$0]]) }
    }

    /// A plaintext with the given polynomial coefficients (signed, reduced mod t; at most n).
    public func plaintext(coefficients values: [Int64]) throws(RLWEError) -> BFVPlaintext {
        guard values.count <= n else { throw .invalidArgument("\(values.count) coefficients for degree \(n)") }
        var c = [UInt64](repeating: 0, count: n)
        for (i, v) in values.enumerated() {
            let r = UInt64(v.magnitude % t)
            c[i] = v < 0 && r != 0 ? t - r : r
        }
        return BFVPlaintext(coefficients: c, parameterHash: context.parameterHash)
    }

    /// A plaintext from coefficients already in `[0, t)` (validated).
    public func plaintext(residues: [UInt64]) throws(RLWEError) -> BFVPlaintext {
        guard residues.count == n else { throw .invalidArgument("\(residues.count) coefficients for degree \(n)") }
        for v in residues where v >= t { throw .invalidArgument("coefficient \(v) not below t = \(t)") }
        return BFVPlaintext(coefficients: residues, parameterHash: context.parameterHash)
    }

    @inline(__always) func centered(_ x: UInt64) -> Int64 { x > t / 2 ? -Int64(t - x) : Int64(x) }

    func check(_ p: BFVPlaintext) throws(RLWEError) {
        guard p.parameterHash == context.parameterHash, p.coefficients.count == n else {
            throw .parameterMismatch("plaintext of another parameter set")
        }
    }

    // MARK: Encryption

    /// `round(Q_l·m/t)` added to the rows of `poly` (level l): `floor(Q/t)·m + round((Q mod t)·m/t)`.
    func addScaledMessage(_ poly: inout RNSPolynomial<Coefficient>, _ m: [UInt64], negate: Bool = false) {
        let l = poly.base.count
        let lv = context.bfvLevels[l - 1]
        let r = lv.qModT, half = t / 2
        let rShoup = t.dividingFullWidth((r, 0)).quotient   // floor(r 2^64 / t), r < t
        var extra = [UInt64](repeating: 0, count: n)
        for j in 0..<n {
            let mj = m[j]
            let hi = rShoup.multipliedFullWidth(by: mj).high
            var rem = r &* mj &- hi &* t
            var quot = hi
            if rem >= t { rem -= t; quot += 1 }
            extra[j] = quot + (rem >= t - half ? 1 : 0)   // round(r m / t); ties up
        }
        let tmp = Words(n)
        poly.withMutableResidues { rows in
            m.withUnsafeBufferPointer { mp in
                extra.withUnsafeBufferPointer { ep in
                    for i in 0..<l {
                        let q = context.primes[i], row = rows.baseAddress! + i * n
                        ccc_poly_mul_scalar(tmp.p, mp.baseAddress!, lv.delta[i], UInt64(n), q)
                        withUnsafePointer(to: context.mods[i]) { md in
                            // extra < t may exceed q: reduce then add.
                            let red = Words(n)
                            ccc_rlwe_reduce_row(red.p, ep.baseAddress!, UInt64(n), md)
                            ccc_poly_add(tmp.p, tmp.p, red.p, UInt64(n), q)
                        }
                        if negate { ccc_poly_sub(row, row, tmp.p, UInt64(n), q) } else { ccc_poly_add(row, row, tmp.p, UInt64(n), q) }
                    }
                }
            }
        }
    }

    /// Encrypts with the public key if the instance has one, else with the secret key (then
    /// the ciphertext is seeded: its `c1` serializes as a 32-byte seed).
    public func encrypt(_ plaintext: BFVPlaintext) throws(RLWEError) -> RLWECiphertext {
        try check(plaintext)
        if publicKey != nil { return try encryptPublic(plaintext) }
        return try encryptSecret(plaintext)
    }

    /// Encodes and encrypts.
    public func encrypt(_ values: [Int64]) throws(RLWEError) -> RLWECiphertext { try encrypt(try encode(values)) }

    /// Public-key encryption: `(p0·u + e0 + Δm, p1·u + e1)` with ternary `u`.
    public func encryptPublic(_ plaintext: BFVPlaintext) throws(RLWEError) -> RLWECiphertext {
        try check(plaintext)
        guard let pk = publicKey else { throw .missingKey("public key") }
        let (polys, v) = try context.encryptZeroPublic(pk)
        var c0 = polys.0
        addScaledMessage(&c0, plaintext.coefficients)
        return RLWECiphertext(polys: [c0, polys.1], scale: 1, noiseLog2Variance: v, parameterHash: context.parameterHash, seed: nil)
    }

    /// Secret-key encryption: `(-(a·s) + e + Δm, a)` with `a` expanded from a fresh seed.
    public func encryptSecret(_ plaintext: BFVPlaintext) throws(RLWEError) -> RLWECiphertext {
        try check(plaintext)
        guard let sk = secretKey else { throw .missingKey("secret key") }
        var c = try context.encryptZeroSecret(sk, seed: nil)
        addScaledMessage(&c.polys[0], plaintext.coefficients)
        return c
    }

    /// Encrypts many plaintexts on at most ``maxConcurrency`` threads.
    public func encrypt(batch: [BFVPlaintext]) throws(RLWEError) -> [RLWECiphertext] {
        let slots = ResultSlots<RLWECiphertext>(batch.count)
        try parallelFor(batch.count, maxConcurrency: maxConcurrency) { (i: Int) throws(RLWEError) in slots.set(i, try self.encrypt(batch[i])) }
        return slots.values.map { $0! }
    }

    // MARK: Decryption

    /// Decrypts. Throws ``RLWEError/noiseBudgetExhausted(remainingBits:)`` when the ciphertext's
    /// noise estimate says the result is unreliable (use ``decryptVerified(_:)`` for the exact check).
    public func decrypt(_ ct: RLWECiphertext) throws(RLWEError) -> BFVPlaintext {
        try context.check(ct)
        guard let sk = secretKey else { throw .missingKey("secret key") }
        let est = estimatedNoiseBudget(ct)
        guard est > 0 else { throw .noiseBudgetExhausted(remainingBits: est) }
        let x = try context.phase(ct, sk)
        let l = ct.level
        var out = [UInt64](repeating: 0, count: n)
        let scratch = Words(l * n)
        x.withResidues { xr in
            out.withUnsafeMutableBufferPointer { o in
                context.bfvLevels[l - 1].decrypt.run(o.baseAddress!, inQ: xr.baseAddress!, inR: nil, n: n, scratch: scratch.p)
            }
        }
        return BFVPlaintext(coefficients: out, parameterHash: context.parameterHash)
    }

    /// Decrypts many ciphertexts on at most ``maxConcurrency`` threads.
    public func decrypt(batch: [RLWECiphertext]) throws(RLWEError) -> [BFVPlaintext] {
        let slots = ResultSlots<BFVPlaintext>(batch.count)
        try parallelFor(batch.count, maxConcurrency: maxConcurrency) { (i: Int) throws(RLWEError) in slots.set(i, try self.decrypt(batch[i])) }
        return slots.values.map { $0! }
    }

    /// Decrypts and decodes.
    public func decryptValues(_ ct: RLWECiphertext) throws(RLWEError) -> [Int64] { try decode(try decrypt(ct)) }

    /// Decrypts after measuring the exact invariant-noise budget; throws
    /// ``RLWEError/decryptionFailed(noiseBudget:)`` when it is exhausted.
    public func decryptVerified(_ ct: RLWECiphertext) throws(RLWEError) -> BFVPlaintext {
        let b = try noiseBudget(of: ct)
        guard b > 0 else { throw .decryptionFailed(noiseBudget: b) }
        guard let sk = secretKey else { throw .missingKey("secret key") }
        let x = try context.phase(ct, sk)
        var out = [UInt64](repeating: 0, count: n)
        let scratch = Words(ct.level * n)
        x.withResidues { xr in
            out.withUnsafeMutableBufferPointer { o in
                context.bfvLevels[ct.level - 1].decrypt.run(o.baseAddress!, inQ: xr.baseAddress!, inR: nil, n: n, scratch: scratch.p)
            }
        }
        return BFVPlaintext(coefficients: out, parameterHash: context.parameterHash)
    }

    /// The exact invariant-noise budget in bits (SEAL's definition: `bits(Q) - bits(‖[t·(c0 + c1 s)]_Q‖∞) - 1`,
    /// at least 0). Needs the secret key. Never send it to the evaluator.
    public func noiseBudget(of ct: RLWECiphertext) throws(RLWEError) -> Int {
        try context.check(ct)
        guard let sk = secretKey else { throw .missingKey("secret key") }
        var x = try context.phase(ct, sk)
        x.multiply(byScalar: Int64(bitPattern: t))   // t < 2^61: positive
        let words = x.composeCRT()
        let Q = x.base.productWordsLE
        var maxBits = 0
        for v in words {
            // centred magnitude: min(v, Q - v)
            let neg = Self.sub(Q, v)
            let m = Self.less(neg, v) ? neg : v
            maxBits = max(maxBits, Self.bitLength(m))
        }
        return max(0, Self.bitLength(Q) - maxBits - 1)
    }

    static func bitLength(_ w: [UInt64]) -> Int {
        for i in stride(from: w.count - 1, through: 0, by: -1) where w[i] != 0 { return 64 * i + 64 - w[i].leadingZeroBitCount }
        return 0
    }
    static func less(_ a: [UInt64], _ b: [UInt64]) -> Bool {
        for i in stride(from: max(a.count, b.count) - 1, through: 0, by: -1) {
            let x = i < a.count ? a[i] : 0, y = i < b.count ? b[i] : 0
            if x != y { return x < y }
        }
        return false
    }
    static func sub(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out = a, borrow: UInt64 = 0
        for i in 0..<a.count {
            let y = i < b.count ? b[i] : 0
            let (d1, o1) = a[i].subtractingReportingOverflow(y)
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            out[i] = d2
            borrow = (o1 || o2) ? 1 : 0
        }
        return out
    }

    /// The noise budget estimated from the ciphertext's tracked noise (bits; no key needed):
    /// `log2(Q) - 1 - log2(t · 7σ) - 1`. Conservative: at most the exact budget except with
    /// negligible probability.
    public func estimatedNoiseBudget(_ ct: RLWECiphertext) -> Double {
        let sigma = ct.noiseLog2Variance / 2
        return context.logQ(ct.level) - 1 - log2(Double(t)) - (sigma + log2(7.0)) - 1
    }

    func guardBudget(_ ct: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        let b = estimatedNoiseBudget(ct)
        guard b > 0 else { throw .noiseBudgetExhausted(remainingBits: b) }
        return ct
    }

    // MARK: Arithmetic

    public func add(_ a: RLWECiphertext, _ b: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try guardBudget(try context.addPolys(a, b, subtract: false))
    }

    public func subtract(_ a: RLWECiphertext, _ b: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try guardBudget(try context.addPolys(a, b, subtract: true))
    }

    public func negate(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a)
        var r = a
        for i in 0..<r.size { r.polys[i].negate() }
        r.seed = nil
        return r
    }

    /// `a + p`.
    public func add(_ a: RLWECiphertext, _ p: BFVPlaintext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a); try check(p)
        var r = a
        addScaledMessage(&r.polys[0], p.coefficients)
        r.noiseLog2Variance = logAdd(a.noiseLog2Variance, 0)
        r.seed = nil
        return try guardBudget(r)
    }

    /// `a - p`.
    public func subtract(_ a: RLWECiphertext, _ p: BFVPlaintext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a); try check(p)
        var r = a
        addScaledMessage(&r.polys[0], p.coefficients, negate: true)
        r.noiseLog2Variance = logAdd(a.noiseLog2Variance, 0)
        r.seed = nil
        return try guardBudget(r)
    }

    /// `a · s` for a signed integer scalar (every slot multiplied by `s mod t`).
    public func multiply(_ a: RLWECiphertext, scalar s: Int64) throws(RLWEError) -> RLWECiphertext {
        try context.check(a)
        // The centred representative of s mod t gives the same plaintext with the least noise.
        let red = Int64(s.magnitude % t)
        let sc = centered(UInt64(s < 0 && red != 0 ? Int64(t) - red : red))
        var r = a
        for i in 0..<r.size { r.polys[i].multiply(byScalar: sc) }
        let w = max(1, Double(sc.magnitude))
        r.noiseLog2Variance = logAdd(a.noiseLog2Variance + 2 * log2(w), 2 * log2(w) - 2)
        r.seed = nil
        return try guardBudget(r)
    }

    /// `a · p` (slot-wise product for batched plaintexts, ring product in general).
    public func multiply(_ a: RLWECiphertext, _ p: BFVPlaintext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a); try check(p)
        let l = a.level
        // Lift p centred to Q_l, NTT.
        var lifted = [UInt64](repeating: 0, count: l * n)
        var norm2 = 0.0
        for j in 0..<n {
            let c = centered(p.coefficients[j]); norm2 += Double(c) * Double(c)
        }
        lifted.withUnsafeMutableBufferPointer { lp in
            for i in 0..<l {
                let q = context.primes[i]
                let row = lp.baseAddress! + i * n
                for j in 0..<n {
                    let c = centered(p.coefficients[j])
                    let mag = c.magnitude
                    let r = mag < q ? mag : mag % q
                    row[j] = c < 0 && r != 0 ? q - r : r
                }
                context.plans[i].forward(row, lazy: true)
            }
        }
        var r = a
        for k in 0..<r.size {
            r.polys[k].withMutableResidues { rows in
                lifted.withUnsafeBufferPointer { lp in
                    for i in 0..<l {
                        let row = rows.baseAddress! + i * n
                        context.plans[i].forward(row, lazy: true)
                        withUnsafePointer(to: context.mods[i]) { m in ccc_poly_mul(row, row, lp.baseAddress! + i * n, UInt64(n), m) }
                        context.plans[i].inverse(row)
                    }
                }
            }
        }
        let ln = log2(max(norm2, 1))
        r.noiseLog2Variance = logAdd(a.noiseLog2Variance + ln, ln - 2)
        r.seed = nil
        return try guardBudget(r)
    }

    /// Ciphertext product (3 components; call ``relinearize(_:)`` or use ``multiplyRelinearize(_:_:)``).
    public func multiply(_ a: RLWECiphertext, _ b: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a); try context.check(b)
        guard a.size == 2, b.size == 2 else { throw .invalidArgument("relinearize before multiplying") }
        guard a.level == b.level else { throw .parameterMismatch("levels \(a.level) and \(b.level)") }
        return try guardBudget(try context.bfvMultiply(a, b))
    }

    /// `a²` (3 components), cheaper than ``multiply(_:_:)`` with itself.
    public func square(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a)
        guard a.size == 2 else { throw .invalidArgument("relinearize before squaring") }
        return try guardBudget(try context.bfvMultiply(a, a))
    }

    /// Relinearizes a 3-component ciphertext (needs the relinearization key).
    public func relinearize(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try guardBudget(try context.relinearize(a, keys: evaluationKeys))
    }

    /// Product followed by relinearization.
    public func multiplyRelinearize(_ a: RLWECiphertext, _ b: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try relinearize(try multiply(a, b))
    }

    /// Modulus switching: drops the last ciphertext prime (`c ↦ round(c / q_last)`), which
    /// keeps the invariant noise and makes later operations cheaper.
    public func modSwitchDown(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        var r = try context.dropLastPrime(a)
        let ql = log2(Double(context.primes[a.level - 1]))
        r.noiseLog2Variance = logAdd(a.noiseLog2Variance - 2 * ql, log2((1 + 2 * Double(n) / 3) / 12))
        return try guardBudget(r)
    }

    /// Rotates both rows left by `steps` (negative: right). Uses the Galois key of the rotation
    /// or composes power-of-two rotations.
    public func rotateRows(_ a: RLWECiphertext, by steps: Int) throws(RLWEError) -> RLWECiphertext {
        try guardBudget(try context.rotate(a, by: steps, keys: evaluationKeys))
    }

    /// Swaps the two rows.
    public func swapRows(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try guardBudget(try context.applyGalois(a, element: context.conjugationElement, keys: evaluationKeys))
    }

    /// The fused dot products of many ciphertexts with signed plaintext scalars
    /// (`|w| < 2^31`): output `o` is `Σ_i weights[o·count + i] · cts[i]` (row-major weights).
    /// Works on 2- and 3-component ciphertexts (a square can feed a linear layer before
    /// relinearization). Runs on at most ``maxConcurrency`` threads.
    public func dotProducts(_ cts: [RLWECiphertext], weights: [Int64], outputs: Int) throws(RLWEError) -> [RLWECiphertext] {
        let r = try context.dotProducts(cts, weights: weights, outputs: outputs, maxConcurrency: maxConcurrency)
        for c in r { _ = try guardBudget(c) }
        return r
    }
}

// MARK: - Encryption of zero and the phase, shared with CKKS

extension RLWEContext {
    /// `(p0·u + e0, p1·u + e1)` at the top level and the log2 variance of its error.
    func encryptZeroPublic(_ pk: PublicKey) throws(RLWEError) -> ((RNSPolynomial<Coefficient>, RNSPolynomial<Coefficient>), Double) {
        guard pk.parameterHash == parameterHash else { throw .parameterMismatch("public key of another parameter set") }
        var rng = Sampler.freshGenerator()
        let u = Sampler.ternary(count: n, using: &rng)
        let e0 = Sampler.centeredBinomial(count: n, using: &rng)
        let e1 = Sampler.centeredBinomial(count: n, using: &rng)
        let b = try base(L)
        var c0 = RNSPolynomial<Coefficient>(zeroIn: b), c1 = c0
        let ur = Words(n)
        c0.withMutableResidues { r0 in
            c1.withMutableResidues { r1 in
                pk.p0.withUnsafeBufferPointer { p0 in
                    pk.p1.withUnsafeBufferPointer { p1 in
                        for i in 0..<L {
                            let q = primes[i]
                            for j in 0..<n { ur.p[j] = u[j] < 0 ? q - 1 : UInt64(u[j]) }
                            plans[i].forward(ur.p, lazy: true)
                            let a = r0.baseAddress! + i * n, c = r1.baseAddress! + i * n
                            withUnsafePointer(to: mods[i]) { m in
                                ccc_poly_mul(a, ur.p, p0.baseAddress! + i * n, UInt64(n), m)
                                ccc_poly_mul(c, ur.p, p1.baseAddress! + i * n, UInt64(n), m)
                            }
                            plans[i].inverse(a)
                            plans[i].inverse(c)
                            for j in 0..<n {
                                a[j] = addSigned(a[j], e0[j], q)
                                c[j] = addSigned(c[j], e1[j], q)
                            }
                        }
                    }
                }
            }
        }
        let nd = Double(n)
        return ((c0, c1), log2(Sampler.errorVariance * (1 + 4 * nd / 3)))
    }

    /// `(-(a·s) + e, a)` at the top level with `a` from `seed` (fresh if nil).
    func encryptZeroSecret(_ sk: SecretKey, seed: [UInt8]?) throws(RLWEError) -> RLWECiphertext {
        guard sk.parameterHash == parameterHash else { throw .parameterMismatch("secret key of another parameter set") }
        var fresh = Sampler.freshGenerator()
        let seed = seed ?? fresh.bytes(32)
        let e = Sampler.centeredBinomial(count: n, using: &fresh)
        let (c0, c1) = try expandSeeded(seed: seed, level: L) { (i: Int, a: UnsafeMutablePointer<UInt64>, out: UnsafeMutablePointer<UInt64>) in
            sk.ntt.withUnsafeBufferPointer { s in
                withUnsafePointer(to: mods[i]) { m in ccc_poly_mul(out, a, s.baseAddress! + i * n, UInt64(n), m) }
            }
            plans[i].inverse(out)
            let q = primes[i]
            for j in 0..<n { out[j] = addSigned(q - out[j] == q ? 0 : q - out[j], e[j], q) }
        }
        return RLWECiphertext(polys: [c0, c1], scale: 1, noiseLog2Variance: log2(Sampler.errorVariance),
                              parameterHash: parameterHash, seed: seed)
    }

    /// Expands `a` (NTT form, uniform) from `seed` row by row, lets `fill(i, a_i, c0_i)` write
    /// row i of c0, and returns (c0, c1 = INTT(a)).
    func expandSeeded(seed: [UInt8], level: Int,
                      _ fill: (Int, UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>) -> Void) throws(RLWEError)
        -> (RNSPolynomial<Coefficient>, RNSPolynomial<Coefficient>)
    {
        var rng = try core { () throws(CryptoCoreError) in try SeededRandom(seed: seed) }
        let b = try base(level)
        var c0 = RNSPolynomial<Coefficient>(zeroIn: b), c1 = c0
        c0.withMutableResidues { r0 in
            c1.withMutableResidues { r1 in
                for i in 0..<level {
                    let a = r1.baseAddress! + i * n
                    Sampler.uniform(a, count: n, below: primes[i], using: &rng)
                    fill(i, a, r0.baseAddress! + i * n)
                    plans[i].inverse(a)
                }
            }
        }
        return (c0, c1)
    }

    /// `c0 + c1·s (+ c2·s²)` in coefficient form.
    func phase(_ ct: RLWECiphertext, _ sk: SecretKey) throws(RLWEError) -> RNSPolynomial<Coefficient> {
        guard sk.parameterHash == parameterHash else { throw .parameterMismatch("secret key of another parameter set") }
        let l = ct.level
        var x = ct.polys[0]
        let tmp = Words(n), tmp2 = Words(n)
        x.withMutableResidues { xr in
            ct.polys[1].withResidues { c1 in
                sk.ntt.withUnsafeBufferPointer { s in
                    sk.squareNTT.withUnsafeBufferPointer { s2 in
                        for i in 0..<l {
                            tmp.p.update(from: c1.baseAddress! + i * n, count: n)
                            plans[i].forward(tmp.p, lazy: true)
                            withUnsafePointer(to: mods[i]) { m in
                                ccc_poly_mul(tmp.p, tmp.p, s.baseAddress! + i * n, UInt64(n), m)
                                if ct.size == 3 {
                                    ct.polys[2].withResidues { c2 in tmp2.p.update(from: c2.baseAddress! + i * n, count: n) }
                                    plans[i].forward(tmp2.p, lazy: true)
                                    ccc_poly_mul_add(tmp.p, tmp2.p, s2.baseAddress! + i * n, UInt64(n), m)
                                }
                            }
                            plans[i].inverse(tmp.p)
                            ccc_poly_add(xr.baseAddress! + i * n, xr.baseAddress! + i * n, tmp.p, UInt64(n), primes[i])
                        }
                    }
                }
            }
        }
        return x
    }

    /// HPS multiplication: the 3-component tensor `round(t/Q · (a ⊗ b))` modulo Q_l.
    func bfvMultiply(_ a: RLWECiphertext, _ b: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        let l = a.level, lv = bfvLevels[l - 1], kr = lv.rCount, rows = l + kr
        let squaring = a.polys[0].withResidues { x in b.polys[0].withResidues { y in x.baseAddress == y.baseAddress } }
            && a.polys[1].withResidues { x in b.polys[1].withResidues { y in x.baseAddress == y.baseAddress } }
        let scratch = Words(max(l, kr) * n, zeroed: false)
        func extend(_ p: RNSPolynomial<Coefficient>) -> Words {
            let w = Words(rows * n, zeroed: false)
            p.withResidues { src in
                w.p.update(from: src.baseAddress!, count: l * n)
                lv.toR.convert(w.p + l * n, src.baseAddress!, n: n, scratch: scratch.p)
            }
            for i in 0..<l { plans[i].forward(w.p + i * n, lazy: true) }
            for k in 0..<kr { rPlans[k].forward(w.p + (l + k) * n, lazy: true) }
            return w
        }
        let a0 = extend(a.polys[0]), a1 = extend(a.polys[1])
        let (b0, b1) = squaring ? (a0, a1) : (extend(b.polys[0]), extend(b.polys[1]))
        let d0 = Words(rows * n, zeroed: false), d1 = Words(rows * n, zeroed: false), d2 = Words(rows * n, zeroed: false)
        for r in 0..<rows {
            let off = r * n
            let m = r < l ? mods[r] : rMods[r - l]
            withUnsafePointer(to: m) { mp in
                ccc_poly_mul(d0.p + off, a0.p + off, b0.p + off, UInt64(n), mp)
                ccc_poly_mul(d2.p + off, a1.p + off, b1.p + off, UInt64(n), mp)
                if squaring {
                    ccc_poly_mul(d1.p + off, a0.p + off, a1.p + off, UInt64(n), mp)
                    ccc_poly_add(d1.p + off, d1.p + off, d1.p + off, UInt64(n), m.q)
                } else {
                    ccc_poly_mul(d1.p + off, a0.p + off, b1.p + off, UInt64(n), mp)
                    ccc_poly_mul_add(d1.p + off, a1.p + off, b0.p + off, UInt64(n), mp)
                }
            }
        }
        let base = try self.base(l)
        var out: [RNSPolynomial<Coefficient>] = []
        let rbuf = Words(kr * n, zeroed: false)
        for d in [d0, d1, d2] {
            for r in 0..<rows {
                if r < l { plans[r].inverse(d.p + r * n) } else { rPlans[r - l].inverse(d.p + r * n) }
            }
            lv.multiply.run(rbuf.p, inQ: d.p, inR: d.p + l * n, n: n, scratch: scratch.p)
            var poly = RNSPolynomial<Coefficient>(zeroIn: base)
            poly.withMutableResidues { dst in lv.fromR.convert(dst.baseAddress!, rbuf.p, n: n, scratch: scratch.p) }
            out.append(poly)
        }
        // Noise (see DESIGN.md): t²·n·(Var(m)/t² + Var(k))·(V_a + V_b) + rounding.
        let nd = Double(n), td = Double(parameters.plaintextModulus)
        let growth = 2 * log2(td) + log2(nd) + log2(1.0 / 6 + 1.0 / 12 + nd / 18)
        let v = logAdd(logAdd(a.noiseLog2Variance, b.noiseLog2Variance) + growth,
                       log2((1 + 2 * nd / 3 + 4 * nd * nd / 9) / 12))
        return RLWECiphertext(polys: out, scale: 1, noiseLog2Variance: v, parameterHash: parameterHash, seed: nil)
    }
}

/// `(x + e) mod q` for `x < q` and a small signed `e`.
@inline(__always) func addSigned(_ x: UInt64, _ e: Int64, _ q: UInt64) -> UInt64 {
    if e >= 0 { let s = x + UInt64(e); return s >= q ? s - q : s }
    let m = UInt64(-e)
    return x >= m ? x - m : x + q - m
}

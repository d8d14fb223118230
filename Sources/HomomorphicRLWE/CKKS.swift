import CCryptoCore
import CryptoCore
import Foundation

/// A CKKS plaintext: an integer polynomial modulo the first `level` primes and its scale.
public struct CKKSPlaintext: Sendable {
    public let poly: RNSPolynomial<Coefficient>
    public let scale: Double
    /// Largest absolute slot value it encodes (public bound used by the precision estimate).
    public let valueBound: Double
    public let parameterHash: UInt64
    public var level: Int { poly.base.count }
}

/// The CKKS scheme (Cheon–Kim–Kim–Song 2017) in full RNS.
///
/// - Encoding: `n/2` real slots through the canonical embedding (special FFT, ``CKKSEncoder``),
///   rounded at scale Δ (default: the parameters' scale).
/// - Multiplication: tensor product in NTT form, then ``relinearize(_:)`` and ``rescale(_:)``
///   (division by the last prime with rounding: scale Δ² → Δ²/q_last).
/// - Precision: every ciphertext carries an error-variance estimate and a public bound on
///   its slot values (``valueBound`` at encryption, propagated through the operations); an
///   operation whose estimated precision falls below ``minimumPrecisionBits``, or whose values
///   could wrap around the modulus, throws ``RLWEError/precisionExhausted(remainingBits:)``.
public final class CKKS: @unchecked Sendable {
    public let context: RLWEContext
    public let secretKey: SecretKey?
    public let publicKey: PublicKey?
    public let evaluationKeys: EvaluationKeys?
    public let maxConcurrency: Int
    /// Public bound on the absolute value of the encrypted slot values.
    public let valueBound: Double
    /// Estimated bits of absolute precision below which results are refused.
    public let minimumPrecisionBits: Double

    let n: Int
    var encoder: CKKSEncoder { context.ckksEncoder! }

    public init(context: RLWEContext, secretKey: SecretKey? = nil, publicKey: PublicKey? = nil,
                evaluationKeys: EvaluationKeys? = nil, maxConcurrency: Int = 1,
                valueBound: Double = 1, minimumPrecisionBits: Double = 4) throws(RLWEError) {
        guard context.parameters.scheme == .ckks else { throw .parameterMismatch("a CKKS instance needs CKKS parameters") }
        guard maxConcurrency >= 1 else { throw .invalidArgument("maxConcurrency must be at least 1") }
        guard valueBound.isFinite, valueBound > 0 else { throw .invalidArgument("valueBound must be positive") }
        if let k = secretKey, k.parameterHash != context.parameterHash { throw .parameterMismatch("secret key of another parameter set") }
        if let k = publicKey, k.parameterHash != context.parameterHash { throw .parameterMismatch("public key of another parameter set") }
        if let k = evaluationKeys, k.parameterHash != context.parameterHash { throw .parameterMismatch("evaluation keys of another parameter set") }
        self.context = context
        self.secretKey = secretKey
        self.publicKey = publicKey
        self.evaluationKeys = evaluationKeys
        self.maxConcurrency = maxConcurrency
        self.valueBound = valueBound
        self.minimumPrecisionBits = minimumPrecisionBits
        n = context.n
    }

    /// Number of real slots (`n/2`).
    public var slotCount: Int { n / 2 }

    // MARK: Encoding

    /// Encodes up to `n/2` real values at `scale` (default: the parameters' scale) modulo the
    /// first `level` primes (default: all).
    public func encode(_ values: [Double], scale: Double? = nil, level: Int? = nil) throws(RLWEError) -> CKKSPlaintext {
        let s = scale ?? context.parameters.scale
        let l = level ?? context.L
        guard values.count <= n / 2 else { throw .invalidArgument("\(values.count) values for \(n / 2) slots") }
        guard (1...context.L).contains(l) else { throw .invalidArgument("level \(l) outside 1…\(context.L)") }
        guard s.isFinite, s >= 1 else { throw .invalidArgument("scale \(s)") }
        var re = [Double](repeating: 0, count: n / 2), im = re
        var bound = 0.0
        for (i, v) in values.enumerated() {
            guard v.isFinite else { throw .invalidArgument("non-finite value") }
            re[i] = v; bound = max(bound, abs(v))
        }
        encoder.fftSpecialInv(&re, &im)
        var coeffs = [Int64](repeating: 0, count: n)
        for i in 0..<(n / 2) {
            let a = (re[i] * s).rounded(), b = (im[i] * s).rounded()
            guard abs(a) < 0x1p62, abs(b) < 0x1p62 else { throw .invalidArgument("value × scale exceeds 2^62") }
            coeffs[i] = Int64(a); coeffs[n / 2 + i] = Int64(b)
        }
        guard log2(max(bound, 1e-300) * s) + 2 < context.logQ(l) else { throw .precisionExhausted(remainingBits: 0) }
        let b = try context.base(l)
        let poly = try core { () throws(CryptoCoreError) in try RNSPolynomial<Coefficient>(base: b, signedCoefficients: coeffs) }
        return CKKSPlaintext(poly: poly, scale: s, valueBound: bound, parameterHash: context.parameterHash)
    }

    /// Decodes the real parts of the `n/2` slots.
    public func decode(_ p: CKKSPlaintext) throws(RLWEError) -> [Double] {
        guard p.parameterHash == context.parameterHash else { throw .parameterMismatch("plaintext of another parameter set") }
        let words = p.poly.composeCRT()
        let Q = p.poly.base.productWordsLE
        var re = [Double](repeating: 0, count: n / 2), im = re
        func toDouble(_ v: [UInt64]) -> Double {
            let neg = BFV.sub(Q, v)
            let negative = BFV.less(neg, v)
            let m = negative ? neg : v
            var d = 0.0
            for w in m.reversed() { d = d * 0x1p64 + Double(w) }
            return negative ? -d : d
        }
        for i in 0..<(n / 2) {
            re[i] = toDouble(words[i]) / p.scale
            im[i] = toDouble(words[n / 2 + i]) / p.scale
        }
        encoder.fftSpecial(&re, &im)
        return re
    }

    // MARK: Encryption

    public func encrypt(_ p: CKKSPlaintext) throws(RLWEError) -> RLWECiphertext {
        guard p.parameterHash == context.parameterHash else { throw .parameterMismatch("plaintext of another parameter set") }
        var ct: RLWECiphertext
        if let pk = publicKey {
            let (polys, v) = try context.encryptZeroPublic(pk)
            ct = RLWECiphertext(polys: [polys.0, polys.1], scale: 1, noiseLog2Variance: v, parameterHash: context.parameterHash, seed: nil)
        } else if let sk = secretKey {
            ct = try context.encryptZeroSecret(sk, seed: nil)
        } else {
            throw .missingKey("public or secret key")
        }
        if p.level < context.L { ct = try truncate(ct, to: p.level) }
        try core { () throws(CryptoCoreError) in try ct.polys[0].add(p.poly) }
        ct.scale = p.scale
        ct.valueBound = valueBound
        ct.noiseLog2Variance = logAdd(ct.noiseLog2Variance, log2(1.0 / 12))
        return ct
    }

    public func encrypt(_ values: [Double]) throws(RLWEError) -> RLWECiphertext { try encrypt(try encode(values)) }

    /// Encrypts many plaintexts on at most ``maxConcurrency`` threads.
    public func encrypt(batch: [CKKSPlaintext]) throws(RLWEError) -> [RLWECiphertext] {
        let slots = ResultSlots<RLWECiphertext>(batch.count)
        try parallelFor(batch.count, maxConcurrency: maxConcurrency) { (i: Int) throws(RLWEError) in slots.set(i, try self.encrypt(batch[i])) }
        return slots.values.map { $0! }
    }

    /// The same ciphertext modulo fewer primes (exact: no rescaling).
    func truncate(_ ct: RLWECiphertext, to level: Int) throws(RLWEError) -> RLWECiphertext {
        let b = try context.base(level)
        var r = ct
        r.polys = try ct.polys.map { (p: RNSPolynomial<Coefficient>) throws(RLWEError) in
            let rows = p.withResidues { Array($0[0..<(level * n)]) }
            return try core { () throws(CryptoCoreError) in try RNSPolynomial<Coefficient>(base: b, residues: rows) }
        }
        r.seed = nil
        return r
    }

    public func decrypt(_ ct: RLWECiphertext) throws(RLWEError) -> CKKSPlaintext {
        try context.check(ct)
        guard let sk = secretKey else { throw .missingKey("secret key") }
        _ = try guardPrecision(ct)
        let x = try context.phase(ct, sk)
        return CKKSPlaintext(poly: x, scale: ct.scale, valueBound: ct.valueBound, parameterHash: context.parameterHash)
    }

    /// Decrypts many ciphertexts on at most ``maxConcurrency`` threads.
    public func decrypt(batch: [RLWECiphertext]) throws(RLWEError) -> [CKKSPlaintext] {
        let slots = ResultSlots<CKKSPlaintext>(batch.count)
        try parallelFor(batch.count, maxConcurrency: maxConcurrency) { (i: Int) throws(RLWEError) in slots.set(i, try self.decrypt(batch[i])) }
        return slots.values.map { $0! }
    }

    public func decryptValues(_ ct: RLWECiphertext) throws(RLWEError) -> [Double] { try decode(try decrypt(ct)) }

    // MARK: Precision

    /// Estimated bits of absolute precision of the slot values: `log2(Δ) - log2(7·sqrt(n·Var(e)))`.
    public func estimatedPrecision(_ ct: RLWECiphertext) -> Double {
        log2(ct.scale) - (0.5 * (log2(Double(n)) + ct.noiseLog2Variance) + log2(7.0))
    }

    func guardPrecision(_ ct: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        let p = estimatedPrecision(ct)
        guard p >= minimumPrecisionBits else { throw .precisionExhausted(remainingBits: p) }
        // Values (plus error) must stay below Q/2 or they wrap around.
        guard log2(ct.valueBound * ct.scale + 1) + 2 < context.logQ(ct.level) else { throw .precisionExhausted(remainingBits: 0) }
        return ct
    }

    func checkScales(_ a: RLWECiphertext, _ b: Double) throws(RLWEError) {
        guard abs(a.scale / b - 1) < 1e-9 else { throw .scaleMismatch(a.scale, b) }
    }

    // MARK: Arithmetic

    public func add(_ a: RLWECiphertext, _ b: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try checkScales(a, b.scale)
        var r = try context.addPolys(a, b, subtract: false)
        r.valueBound = a.valueBound + b.valueBound
        return try guardPrecision(r)
    }

    public func subtract(_ a: RLWECiphertext, _ b: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try checkScales(a, b.scale)
        var r = try context.addPolys(a, b, subtract: true)
        r.valueBound = a.valueBound + b.valueBound
        return try guardPrecision(r)
    }

    public func negate(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a)
        var r = a
        for i in 0..<r.size { r.polys[i].negate() }
        r.seed = nil
        return r
    }

    public func add(_ a: RLWECiphertext, _ p: CKKSPlaintext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a)
        guard p.level == a.level else { throw .parameterMismatch("plaintext level \(p.level), ciphertext level \(a.level)") }
        try checkScales(a, p.scale)
        var r = a
        try core { () throws(CryptoCoreError) in try r.polys[0].add(p.poly) }
        r.valueBound = a.valueBound + p.valueBound
        r.seed = nil
        return try guardPrecision(r)
    }

    /// `a · w` for an integer `w` (scale unchanged).
    public func multiply(_ a: RLWECiphertext, scalar w: Int64) throws(RLWEError) -> RLWECiphertext {
        try context.check(a)
        var r = a
        for i in 0..<r.size { r.polys[i].multiply(byScalar: w) }
        let m = max(1, Double(w.magnitude))
        r.noiseLog2Variance = a.noiseLog2Variance + 2 * log2(m)
        r.valueBound = a.valueBound * Double(w.magnitude)
        r.seed = nil
        return try guardPrecision(r)
    }

    /// Slot-wise product with a plaintext (scales multiply; ``rescale(_:)`` afterwards).
    public func multiply(_ a: RLWECiphertext, _ p: CKKSPlaintext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a)
        guard p.parameterHash == context.parameterHash else { throw .parameterMismatch("plaintext of another parameter set") }
        guard p.level == a.level else { throw .parameterMismatch("plaintext level \(p.level), ciphertext level \(a.level)") }
        let l = a.level
        var pn = p.poly.withResidues { Array($0) }
        pn.withUnsafeMutableBufferPointer { b in for i in 0..<l { context.plans[i].forward(b.baseAddress! + i * n, lazy: true) } }
        var r = a
        for k in 0..<r.size {
            r.polys[k].withMutableResidues { rows in
                pn.withUnsafeBufferPointer { pp in
                    for i in 0..<l {
                        let row = rows.baseAddress! + i * n
                        context.plans[i].forward(row, lazy: true)
                        withUnsafePointer(to: context.mods[i]) { m in ccc_poly_mul(row, row, pp.baseAddress! + i * n, UInt64(n), m) }
                        context.plans[i].inverse(row)
                    }
                }
            }
        }
        r.scale = a.scale * p.scale
        // e·m_p: Var ≈ (Δ_p B_p)² · V
        r.noiseLog2Variance = a.noiseLog2Variance + 2 * log2(max(p.scale * p.valueBound, 1))
        r.valueBound = a.valueBound * p.valueBound
        r.seed = nil
        return try guardPrecision(r)
    }

    /// Ciphertext product (3 components, scale Δ_a·Δ_b).
    public func multiply(_ a: RLWECiphertext, _ b: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try context.check(a); try context.check(b)
        guard a.size == 2, b.size == 2 else { throw .invalidArgument("relinearize before multiplying") }
        guard a.level == b.level else { throw .parameterMismatch("levels \(a.level) and \(b.level)") }
        let l = a.level
        func ntt(_ p: RNSPolynomial<Coefficient>) -> Words {
            let w = Words(l * n)
            p.withResidues { w.p.update(from: $0.baseAddress!, count: l * n) }
            for i in 0..<l { context.plans[i].forward(w.p + i * n, lazy: true) }
            return w
        }
        let a0 = ntt(a.polys[0]), a1 = ntt(a.polys[1])
        let same = a.polys[0].withResidues { x in b.polys[0].withResidues { y in x.baseAddress == y.baseAddress } }
        let (b0, b1) = same ? (a0, a1) : (ntt(b.polys[0]), ntt(b.polys[1]))
        let base = try context.base(l)
        var out = [RNSPolynomial<Coefficient>](repeating: RNSPolynomial<Coefficient>(zeroIn: base), count: 3)
        for k in 0..<3 {
            out[k].withMutableResidues { d in
                for i in 0..<l {
                    let off = i * n, o = d.baseAddress! + off
                    withUnsafePointer(to: context.mods[i]) { m in
                        switch k {
                        case 0: ccc_poly_mul(o, a0.p + off, b0.p + off, UInt64(n), m)
                        case 1:
                            ccc_poly_mul(o, a0.p + off, b1.p + off, UInt64(n), m)
                            ccc_poly_mul_add(o, a1.p + off, b0.p + off, UInt64(n), m)
                        default: ccc_poly_mul(o, a1.p + off, b1.p + off, UInt64(n), m)
                        }
                    }
                    context.plans[i].inverse(o)
                }
            }
        }
        let va = a.noiseLog2Variance + 2 * log2(max(b.scale * b.valueBound, 1))
        let vb = b.noiseLog2Variance + 2 * log2(max(a.scale * a.valueBound, 1))
        let v = logAdd(logAdd(va, vb), a.noiseLog2Variance + b.noiseLog2Variance + log2(Double(n)))
        let r = RLWECiphertext(polys: out, scale: a.scale * b.scale, noiseLog2Variance: v, parameterHash: context.parameterHash,
                               seed: nil, valueBound: a.valueBound * b.valueBound)
        return try guardPrecision(r)
    }

    public func square(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext { try multiply(a, a) }

    public func relinearize(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try guardPrecision(try context.relinearize(a, keys: evaluationKeys))
    }

    /// Divides by the last prime with rounding: scale Δ ↦ Δ / q_last, one level less.
    public func rescale(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        var r = try context.dropLastPrime(a)
        let q = Double(context.primes[a.level - 1])
        r.scale = a.scale / q
        r.noiseLog2Variance = logAdd(a.noiseLog2Variance - 2 * log2(q), log2((1 + 2 * Double(n) / 3) / 12))
        return try guardPrecision(r)
    }

    /// Multiply, relinearize and rescale.
    public func multiplyRelinearizeRescale(_ a: RLWECiphertext, _ b: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try rescale(try relinearize(try multiply(a, b)))
    }

    /// Drops the last prime without changing the scale (to bring an operand to a lower level).
    public func dropLevel(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        guard a.level > 1 else { throw .levelExhausted }
        return try truncate(a, to: a.level - 1)
    }

    /// Rotates the slots left by `steps`.
    public func rotate(_ a: RLWECiphertext, by steps: Int) throws(RLWEError) -> RLWECiphertext {
        try guardPrecision(try context.rotate(a, by: steps, keys: evaluationKeys))
    }

    /// Complex conjugation of the slots (identity on real values; needs the row-swap key).
    public func conjugate(_ a: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try guardPrecision(try context.applyGalois(a, element: context.conjugationElement, keys: evaluationKeys))
    }

    /// Fused dot products with integer weights (`|w| < 2^31`, scale unchanged).
    public func dotProducts(_ cts: [RLWECiphertext], weights: [Int64], outputs: Int) throws(RLWEError) -> [RLWECiphertext] {
        var r = try context.dotProducts(cts, weights: weights, outputs: outputs, maxConcurrency: maxConcurrency)
        let count = cts.count
        for o in 0..<outputs {
            r[o].valueBound = (0..<count).reduce(0.0) { $0 + Double(weights[o * count + $1].magnitude) * cts[$1].valueBound }
            _ = try guardPrecision(r[o])
        }
        return r
    }
}

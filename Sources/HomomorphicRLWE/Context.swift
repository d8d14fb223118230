import CCryptoCore
import CryptoCore
import Foundation

// MARK: - Word arithmetic for precomputation (variable time; public values only)

@inline(__always) func mulMod(_ a: UInt64, _ b: UInt64, _ q: UInt64) -> UInt64 {
    let p = (a % q).multipliedFullWidth(by: b % q)
    return q.dividingFullWidth((p.high, p.low)).remainder
}

func powMod(_ b: UInt64, _ e: UInt64, _ q: UInt64) -> UInt64 {
    var (r, x, e) = (UInt64(1) % q, b % q, e)
    while e > 0 {
        if e & 1 == 1 { r = mulMod(r, x, q) }
        x = mulMod(x, x, q)
        e >>= 1
    }
    return r
}

/// Inverse modulo any q < 2^62 (extended Euclid); nil when not invertible.
func invMod(_ a: UInt64, _ q: UInt64) -> UInt64? {
    var (r0, r1) = (Int64(q), Int64(a % q))
    var (s0, s1): (Int64, Int64) = (0, 1)
    while r1 != 0 {
        let k = r0 / r1
        (r0, r1) = (r1, r0 - k * r1)
        (s0, s1) = (s1, s0 - k * s1)
    }
    guard r0 == 1 else { return nil }
    return s0 < 0 ? UInt64(s0 + Int64(q)) : UInt64(s0)
}

/// `∏ xs mod q`.
func productMod(_ xs: [UInt64], _ q: UInt64) -> UInt64 { xs.reduce(UInt64(1) % q) { mulMod($0, $1, q) } }

/// `floor(z · 2^128 / q)` for `z < q`, as (hi, lo) words.
func fraction128(_ z: UInt64, _ q: UInt64) -> (UInt64, UInt64) {
    let (hi, r) = q.dividingFullWidth((z, 0))
    let (lo, _) = q.dividingFullWidth((r, 0))
    return (hi, lo)
}

func makeModulus(_ q: UInt64) -> ccc_modulus {
    var m = ccc_modulus()
    _ = ccc_modulus_init(&m, q)
    return m
}

/// log2(2^a + 2^b).
@inline(__always) func logAdd(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    let (hi, lo) = a > b ? (a, b) : (b, a)
    return hi + log2(1 + exp2(lo - hi))
}

/// A 64-byte aligned, zeroed word buffer owned by Swift (scratch space for the C kernels).
final class Words: @unchecked Sendable {
    let p: UnsafeMutablePointer<UInt64>
    let count: Int
    /// `zeroed: false` skips the initialisation for buffers the caller overwrites completely
    /// before reading (UInt64 is trivial).
    init(_ count: Int, zeroed: Bool = true) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 8, alignment: 64)
        p = raw.bindMemory(to: UInt64.self, capacity: max(count, 1))
        if zeroed { p.initialize(repeating: 0, count: max(count, 1)) }
    }
    convenience init(_ values: [UInt64]) {
        self.init(values.count)
        for (i, v) in values.enumerated() { p[i] = v }
    }
    subscript(i: Int) -> UInt64 { p[i] }
    var array: [UInt64] { Array(UnsafeBufferPointer(start: p, count: count)) }
    deinit { p.deallocate() }
}

/// Tables of a fast base conversion from base A to base B (``ccc_rlwe_base_convert``).
final class BaseConverter: @unchecked Sendable {
    let ka: Int, kb: Int
    private let aMod: UnsafeMutablePointer<ccc_modulus>
    private let bMod: UnsafeMutablePointer<ccc_modulus>
    private let aHatInv: Words, aHatInvShoup: Words, aHatModB: Words, aModB: Words
    private let aInvDouble: UnsafeMutablePointer<Double>

    init(from a: [UInt64], to b: [UInt64]) {
        ka = a.count; kb = b.count
        aMod = .allocate(capacity: ka); bMod = .allocate(capacity: kb)
        for (i, q) in a.enumerated() { aMod[i] = makeModulus(q) }
        for (o, q) in b.enumerated() { bMod[o] = makeModulus(q) }
        var inv = [UInt64](), invS = [UInt64](), hatB = [UInt64](repeating: 0, count: ka * kb)
        aInvDouble = .allocate(capacity: ka)
        for i in 0..<ka {
            let others = a.enumerated().filter { $0.offset != i }.map(\.element)
            let hat = productMod(others, a[i])
            let hi = invMod(hat, a[i])!   // distinct primes
            inv.append(hi)
            invS.append(ccc_shoup_precompute(hi, a[i]))
            aInvDouble[i] = 1.0 / Double(a[i])
            for o in 0..<kb { hatB[i * kb + o] = productMod(others, b[o]) }
        }
        aHatInv = Words(inv); aHatInvShoup = Words(invS); aHatModB = Words(hatB)
        aModB = Words(b.map { productMod(a, $0) })
    }
    deinit { aMod.deallocate(); bMod.deallocate(); aInvDouble.deallocate() }

    /// out (kb rows) = centred conversion of in (ka rows); scratch holds ka·n words.
    func convert(_ out: UnsafeMutablePointer<UInt64>, _ input: UnsafePointer<UInt64>, n: Int, scratch: UnsafeMutablePointer<UInt64>) {
        var t = ccc_rlwe_baseconv(ka: ka, kb: kb, a_mod: aMod, a_hat_inv: aHatInv.p, a_hat_inv_shoup: aHatInvShoup.p,
                                  a_inv_double: aInvDouble, b_mod: bMod, a_hat_mod_b: aHatModB.p, a_mod_b: aModB.p)
        let s = ccc_rlwe_base_convert(&t, out, input, UInt64(n), scratch)
        precondition(s == CCC_OK, "base conversion tables are valid by construction")
    }
}

/// Tables of a scale-and-round (``ccc_rlwe_scale_round``): `round(N·x/Q) mod p_o` for
/// `x` modulo `Q` (and optionally modulo `Q·R` with the `R` part in the output primes).
final class Scaler: @unchecked Sendable {
    let kq: Int, kout: Int
    private let qMod: UnsafeMutablePointer<ccc_modulus>
    private let outMod: UnsafeMutablePointer<ccc_modulus>
    private let qHatInv: Words, qHatInvShoup: Words, thetaHi: Words, thetaLo: Words, omega: Words, direct: Words

    /// - q: the primes of Q; out: output primes (each divides `numerator`); `numeratorModQ[i]`
    ///   = N mod q_i; `hatProducts`: for each q_i the inverse is taken of (M/q_i) with
    ///   M = Q · extra (extra = R for the multiplication, 1 for decryption);
    ///   direct: [t Q^-1]_{r_o} when the input carries the R part, else zeros.
    init(q: [UInt64], out: [UInt64], numeratorModQ: [UInt64], extra: [UInt64], direct directValues: [UInt64]) {
        kq = q.count; kout = out.count
        qMod = .allocate(capacity: kq); outMod = .allocate(capacity: kout)
        for (i, x) in q.enumerated() { qMod[i] = makeModulus(x) }
        for (o, x) in out.enumerated() { outMod[o] = makeModulus(x) }
        var inv = [UInt64](), invS = [UInt64](), th = [UInt64](), tl = [UInt64](), om = [UInt64](repeating: 0, count: kq * kout)
        for i in 0..<kq {
            let others = q.enumerated().filter { $0.offset != i }.map(\.element) + extra
            let h = invMod(productMod(others, q[i]), q[i])!
            inv.append(h); invS.append(ccc_shoup_precompute(h, q[i]))
            let z = numeratorModQ[i]
            let (hi, lo) = fraction128(z, q[i])
            th.append(hi); tl.append(lo)
            for o in 0..<kout {
                // omega = (N - z)/q_i ≡ -z q_i^-1 (mod p_o), since p_o | N.
                let qi = invMod(q[i] % out[o], out[o])!
                om[i * kout + o] = mulMod(out[o] - z % out[o], qi, out[o]) % out[o]
            }
        }
        qHatInv = Words(inv); qHatInvShoup = Words(invS); thetaHi = Words(th); thetaLo = Words(tl)
        omega = Words(om); direct = Words(directValues.isEmpty ? [UInt64](repeating: 0, count: kout) : directValues)
    }
    deinit { qMod.deallocate(); outMod.deallocate() }

    func run(_ out: UnsafeMutablePointer<UInt64>, inQ: UnsafePointer<UInt64>, inR: UnsafePointer<UInt64>?, n: Int,
             scratch: UnsafeMutablePointer<UInt64>) {
        var t = ccc_rlwe_scaler(kq: kq, kout: kout, q_mod: qMod, q_hat_inv: qHatInv.p, q_hat_inv_shoup: qHatInvShoup.p,
                                theta_hi: thetaHi.p, theta_lo: thetaLo.p, out_mod: outMod, omega: omega.p, direct: direct.p)
        let s = ccc_rlwe_scale_round(&t, out, inQ, inR, UInt64(n), scratch)
        precondition(s == CCC_OK, "scaler tables are valid by construction")
    }
}

/// Per-level BFV tables.
struct BFVLevel: @unchecked Sendable {
    /// `floor(Q_l / t) mod q_j`.
    let delta: [UInt64]
    /// `Q_l mod t`.
    let qModT: UInt64
    /// Decryption: `round(t x / Q_l) mod t`.
    let decrypt: Scaler
    /// HPS multiplication: number of auxiliary primes, Q_l → R, R → Q_l, and `round(t d / Q_l) mod R`.
    let rCount: Int
    let toR: BaseConverter
    let fromR: BaseConverter
    let multiply: Scaler
}

/// Precomputed state of one parameter set: NTT plans, RNS bases per level, the tables of BFV
/// decryption and HPS multiplication, of key switching and of the encoders. Immutable after
/// creation (bases per level are built on first use under a lock) and safe to share between threads.
public final class RLWEContext: @unchecked Sendable {
    public let parameters: RLWEParameters
    /// Ring degree `n`.
    public var degree: Int { n }
    /// Number of ciphertext primes at the top level.
    public var topLevel: Int { L }
    /// A 64-bit identifier of the parameters (FNV-1a of their canonical bytes), written in every
    /// serialized object.
    public let parameterHash: UInt64

    let n: Int
    let L: Int
    /// q_0 … q_{L-1}, P.
    let primes: [UInt64]
    let plans: [NTTPlan]
    let mods: [ccc_modulus]
    /// `P^-1 mod q_j`.
    let pInv: [UInt64]
    /// BFV: auxiliary primes of the HPS multiplication and their plans.
    let rPrimes: [UInt64]
    let rPlans: [NTTPlan]
    let rMods: [ccc_modulus]
    let bfvLevels: [BFVLevel]
    /// BFV batching: plan modulo t and the slot → NTT index map (nil if t does not batch).
    let tPlan: NTTPlan?
    let slotToIndex: [Int]
    /// CKKS: `q_{l-1}^-1 mod q_j` for rescaling from level l (index l-1, j < l-1).
    let rescaleInv: [[UInt64]]
    let ckksEncoder: CKKSEncoder?

    private let lock = NSLock()
    private var bases: [Int: RNSBase] = [:]

    /// Builds the context (NTT plans, CRT and scaling tables). Throws only for parameters the
    /// core rejects.
    public init(_ parameters: RLWEParameters) throws(RLWEError) {
        self.parameters = parameters
        n = parameters.degree
        L = parameters.levelCount
        primes = parameters.ciphertextModuli + [parameters.specialModulus]
        var plans: [NTTPlan] = []
        for q in primes {
            let d = n
            plans.append(try core { () throws(CryptoCoreError) in try NTTPlan(degree: d, modulus: q) })
        }
        self.plans = plans
        mods = primes.map(makeModulus)
        let p = parameters.specialModulus
        pInv = parameters.ciphertextModuli.map { invMod(p % $0, $0)! }
        parameterHash = Self.hash(parameters)
        var rescale: [[UInt64]] = []
        let allPrimes = primes
        for l in 1...parameters.levelCount {
            let last = allPrimes[l - 1]
            rescale.append((0..<(l - 1)).map { invMod(last % allPrimes[$0], allPrimes[$0])! })
        }
        rescaleInv = rescale

        if parameters.scheme == .bfv {
            let t = parameters.plaintextModulus
            let tBits = 64 - t.leadingZeroBitCount
            // R > t · n · Q_l · 8 so the scaled tensor's centred value is recovered from R.
            let qTop = parameters.ciphertextModuli.reduce(0.0) { $0 + log2(Double($1)) }
            let need = Int(ceil((qTop + Double(tBits) + log2(Double(parameters.degree)) + 4) / 48))
            let rp = try RLWEParameters.generatePrimes(bits: Array(repeating: 49, count: need), degree: parameters.degree,
                                                       excluding: Set(allPrimes + [t]))
            rPrimes = rp
            var rpl: [NTTPlan] = []
            for q in rp {
                let d = n
                rpl.append(try core { () throws(CryptoCoreError) in try NTTPlan(degree: d, modulus: q) })
            }
            rPlans = rpl
            rMods = rp.map(makeModulus)
            var levels: [BFVLevel] = []
            for l in 1...L {
                let q = Array(primes[0..<l])
                let qBits = q.reduce(0.0) { $0 + log2(Double($1)) }
                let rc = Int(ceil((qBits + Double(tBits) + log2(Double(parameters.degree)) + 4) / 48))
                let r = Array(rp[0..<rc])
                let qModT = productMod(q, t)
                let tInvQ = q.map { invMod(t % $0, $0) }
                // floor(Q/t) mod q_j = -(Q mod t) t^-1 mod q_j
                let delta = zip(q, tInvQ).map { qj, ti in mulMod(qj - qModT % qj, ti!, qj) % qj }
                let dec = Scaler(q: q, out: [t], numeratorModQ: q.map { t % $0 }, extra: [], direct: [])
                // N = t R; direct_o = t Q^-1 mod r_o
                let mult = Scaler(q: q, out: r, numeratorModQ: q.map { mulMod(t % $0, productMod(r, $0), $0) },
                                  extra: r, direct: r.map { mulMod(t % $0, invMod(productMod(q, $0), $0)!, $0) })
                levels.append(BFVLevel(delta: delta, qModT: qModT, decrypt: dec, rCount: rc,
                                       toR: BaseConverter(from: q, to: r), fromR: BaseConverter(from: r, to: q),
                                       multiply: mult))
            }
            bfvLevels = levels
            if t % UInt64(2 * n) == 1, NTTPrimes.isPrime(t), t >= 1 << 14 || t > UInt64(2 * n) {
                let d = n
                tPlan = try? core { () throws(CryptoCoreError) in try NTTPlan(degree: d, modulus: t) }
            } else {
                tPlan = nil
            }
            slotToIndex = Self.batchingIndexMap(n)
            ckksEncoder = nil
        } else {
            rPrimes = []; rPlans = []; rMods = []; bfvLevels = []; tPlan = nil
            slotToIndex = Self.batchingIndexMap(n)
            ckksEncoder = CKKSEncoder(degree: n)
        }
    }

    /// The RNS base of level `l` (the first `l` primes), built on first use.
    func base(_ level: Int) throws(RLWEError) -> RNSBase {
        lock.lock()
        defer { lock.unlock() }
        if let b = bases[level] { return b }
        let ms = Array(primes[0..<level])
        let d = n
        let b = try core { () throws(CryptoCoreError) in try RNSBase(degree: d, moduli: ms) }
        bases[level] = b
        return b
    }

    /// Slot i ↦ NTT index: row 0 holds the evaluations at ψ^(3^i), row 1 at ψ^(-3^i), so that the
    /// automorphism X ↦ X^(3^k) rotates each row left by k (SEAL's layout, with this library's
    /// bit-reversed NTT output order).
    static func batchingIndexMap(_ n: Int) -> [Int] {
        let logN = n.trailingZeroBitCount
        let m = 2 * n
        var map = [Int](repeating: 0, count: n)
        var pos = 1
        func rev(_ x: Int) -> Int {
            var r = 0
            for b in 0..<logN where x & (1 << b) != 0 { r |= 1 << (logN - 1 - b) }
            return r
        }
        for i in 0..<(n / 2) {
            map[i] = rev((pos - 1) >> 1)
            map[n / 2 + i] = rev((m - pos - 1) >> 1)
            pos = (pos * 3) & (m - 1)
        }
        return map
    }

    /// Galois element of a left rotation of each row by `steps` (slots of a row: n/2 for BFV,
    /// the n/2 CKKS slots).
    func galoisElement(rotation steps: Int) -> UInt64 {
        let half = n / 2
        let k = ((steps % half) + half) % half
        return powMod(parameters.scheme == .bfv ? 3 : 5, UInt64(k), UInt64(2 * n))
    }

    /// Galois element swapping the two BFV rows (complex conjugation for CKKS).
    var conjugationElement: UInt64 { UInt64(2 * n - 1) }

    static func hash(_ p: RLWEParameters) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ x: UInt64) {
            for i in 0..<8 { h = (h ^ ((x >> UInt64(8 * i)) & 0xff)) &* 0x0000_0100_0000_01b3 }
        }
        mix(UInt64(p.scheme.rawValue)); mix(UInt64(p.degree)); mix(UInt64(p.ciphertextModuli.count))
        for q in p.ciphertextModuli { mix(q) }
        mix(p.specialModulus); mix(p.plaintextModulus); mix(p.scale.bitPattern); mix(UInt64(p.security.rawValue))
        return h
    }

    /// log2 of Q_l.
    func logQ(_ level: Int) -> Double { primes[0..<level].reduce(0.0) { $0 + log2(Double($1)) } }
}

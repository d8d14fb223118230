import CCryptoCore
import CryptoCore
import Dispatch
import Foundation

/// A BFV or CKKS ciphertext: 2 polynomials `(c0, c1)` (3 after a multiplication without
/// relinearization) in coefficient form modulo the first `level` ciphertext primes, with
/// `c0 + c1·s (+ c2·s²) = Δ·m + e`.
///
/// It carries the parameter hash of its context, its CKKS scale, and a noise estimate
/// (log2 of the variance of `e`, a heuristic that errs on the large side) that operations
/// update and check so that a result that would not decrypt correctly raises an error instead.
public struct RLWECiphertext: Sendable {
    public internal(set) var polys: [RNSPolynomial<Coefficient>]
    /// CKKS scale of the encrypted values (1 for BFV).
    public internal(set) var scale: Double
    /// log2 of the estimated variance of the error `e` (per coefficient).
    public internal(set) var noiseLog2Variance: Double
    /// Identifier of the parameters (``RLWEContext/parameterHash``).
    public let parameterHash: UInt64
    /// For a fresh secret-key encryption: the seed `c1` expands from (serialized instead of `c1`).
    var seed: [UInt8]?
    /// CKKS: public bound on the absolute slot values (1 for BFV).
    public internal(set) var valueBound: Double = 1

    /// Number of ciphertext primes the ciphertext lives on.
    public var level: Int { polys[0].base.count }
    /// Number of polynomials (2, or 3 before relinearization).
    public var size: Int { polys.count }
    /// Whether the ciphertext can be serialized in seeded form (half size).
    public var isSeeded: Bool { seed != nil }
}

/// Runs `body(i)` for `i` in `0..<count` on at most `maxConcurrency` threads (Dispatch
/// `concurrentPerform` with that many iterations, each taking a strided share). The first
/// error thrown is rethrown after all workers finish.
func parallelFor(_ count: Int, maxConcurrency: Int, _ body: @Sendable (Int) throws(RLWEError) -> Void) throws(RLWEError) {
    let workers = max(1, min(maxConcurrency, count))
    if workers == 1 {
        for i in 0..<count { try body(i) }
        return
    }
    let box = ErrorBox()
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        var i = w
        while i < count {
            do throws(RLWEError) { try body(i) } catch {
                box.record(error)
                return
            }
            i += workers
        }
    }
    if let e = box.error { throw e }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: RLWEError?
    func record(_ e: RLWEError) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}

/// Collects results of ``parallelFor`` by index.
final class ResultSlots<T>: @unchecked Sendable {
    var values: [T?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { values[i] = v }   // distinct indices from distinct workers
}

// MARK: - Operations shared by BFV and CKKS

extension RLWEContext {
    func check(_ ct: RLWECiphertext) throws(RLWEError) {
        guard ct.parameterHash == parameterHash else { throw .parameterMismatch("ciphertext of another parameter set") }
    }

    /// Key switching of a coefficient-form polynomial `c` (level l) with `key`: returns `(d0, d1)`
    /// with `d0 + d1·s ≈ c·s'` (hybrid: digits c mod q_i, products modulo Q_l·P, division by P).
    func keySwitch(_ c: RNSPolynomial<Coefficient>, key: KeySwitchKey) throws(RLWEError)
        -> (RNSPolynomial<Coefficient>, RNSPolynomial<Coefficient>)
    {
        let l = c.base.count, n = self.n, rows = L + 1
        let acc0 = Words((l + 1) * n, zeroed: false), acc1 = Words((l + 1) * n, zeroed: false), digits = Words(l * n, zeroed: false)
        let part0 = Words(n, zeroed: false), part1 = Words(n, zeroed: false)
        c.withResidues { cr in
            key.k0.withUnsafeBufferPointer { k0 in
                key.k1.withUnsafeBufferPointer { k1 in
                    for jj in 0...l {
                        let r = jj < l ? jj : L
                        withUnsafePointer(to: mods[r]) { m in
                            // The l digits reduced modulo prime r, lazily transformed.
                            for i in 0..<l {
                                let digit = cr.baseAddress! + i * n, d = digits.p + i * n
                                if r == i || primes[i] < primes[r] { d.update(from: digit, count: n) } else { ccc_rlwe_reduce_row(d, digit, UInt64(n), m) }
                                plans[r].forward(d, lazy: true)
                            }
                            // Inner products, one reduction per coefficient (chunks of 16 digits).
                            var i0 = 0
                            while i0 < l {
                                let cnt = min(16, l - i0)
                                let a = (i0..<(i0 + cnt)).map { UnsafePointer(digits.p + $0 * n) as UnsafePointer<UInt64>? }
                                let y0 = (i0..<(i0 + cnt)).map { UnsafePointer(k0.baseAddress! + ($0 * rows + r) * n) as UnsafePointer<UInt64>? }
                                let y1 = (i0..<(i0 + cnt)).map { UnsafePointer(k1.baseAddress! + ($0 * rows + r) * n) as UnsafePointer<UInt64>? }
                                let o0 = i0 == 0 ? acc0.p + jj * n : part0.p, o1 = i0 == 0 ? acc1.p + jj * n : part1.p
                                _ = ccc_rlwe_dot2(o0, o1, a, y0, y1, cnt, UInt64(n), m)
                                if i0 > 0 {
                                    ccc_poly_add(acc0.p + jj * n, acc0.p + jj * n, part0.p, UInt64(n), primes[r])
                                    ccc_poly_add(acc1.p + jj * n, acc1.p + jj * n, part1.p, UInt64(n), primes[r])
                                }
                                i0 += cnt
                            }
                        }
                    }
                }
            }
        }
        for jj in 0...l {
            let r = jj < l ? jj : L
            plans[r].inverse(acc0.p + jj * n)
            plans[r].inverse(acc1.p + jj * n)
        }
        let b = try base(l)
        var out0 = RNSPolynomial<Coefficient>(zeroIn: b), out1 = out0
        let p = parameters.specialModulus
        primes.withUnsafeBufferPointer { q in
            pInv.withUnsafeBufferPointer { pi in
                out0.withMutableResidues { o in _ = ccc_rlwe_divide_round_last(o.baseAddress!, acc0.p, acc0.p + l * n, q.baseAddress!, pi.baseAddress!, l, p, UInt64(n)) }
                out1.withMutableResidues { o in _ = ccc_rlwe_divide_round_last(o.baseAddress!, acc1.p, acc1.p + l * n, q.baseAddress!, pi.baseAddress!, l, p, UInt64(n)) }
            }
        }
        return (out0, out1)
    }

    /// log2 of the variance key switching adds at level `l`.
    func keySwitchNoise(level l: Int) -> Double {
        let qmax = primes[0..<l].max()!
        let nd = Double(n)
        let ks = log2(Double(l)) + log2(nd) + 2 * log2(Double(qmax)) - log2(3) + log2(Sampler.errorVariance)
            - 2 * log2(Double(parameters.specialModulus))
        return logAdd(ks, log2((1 + 2 * nd / 3) / 12))
    }

    /// Relinearizes a 3-component ciphertext.
    func relinearize(_ ct: RLWECiphertext, keys: EvaluationKeys?) throws(RLWEError) -> RLWECiphertext {
        try check(ct)
        guard ct.size == 3 else {
            if ct.size == 2 { return ct }
            throw .invalidArgument("relinearization needs a 2- or 3-component ciphertext")
        }
        guard let key = keys?.relinearization else { throw .missingKey("relinearization key") }
        let (d0, d1) = try keySwitch(ct.polys[2], key: key)
        var r = ct
        r.polys = [try core { () throws(CryptoCoreError) in try ct.polys[0] + d0 },
                   try core { () throws(CryptoCoreError) in try ct.polys[1] + d1 }]
        r.noiseLog2Variance = logAdd(ct.noiseLog2Variance, keySwitchNoise(level: ct.level))
        r.seed = nil
        return r
    }

    /// Applies the automorphism X ↦ X^g and switches back to `s`.
    func applyGalois(_ ct: RLWECiphertext, element g: UInt64, keys: EvaluationKeys?) throws(RLWEError) -> RLWECiphertext {
        try check(ct)
        guard ct.size == 2 else { throw .invalidArgument("relinearize before rotating") }
        guard let key = keys?.galois[g] else { throw .missingKey("Galois key for element \(g)") }
        let n = self.n
        func auto(_ p: RNSPolynomial<Coefficient>) -> RNSPolynomial<Coefficient> {
            var out = RNSPolynomial<Coefficient>(zeroIn: p.base)
            p.withResidues { src in
                out.withMutableResidues { dst in
                    for i in 0..<p.base.count {
                        _ = ccc_rlwe_automorphism(dst.baseAddress! + i * n, src.baseAddress! + i * n, UInt64(n), g, primes[i])
                    }
                }
            }
            return out
        }
        let c0 = auto(ct.polys[0]), c1 = auto(ct.polys[1])
        let (d0, d1) = try keySwitch(c1, key: key)
        var r = ct
        r.polys = [try core { () throws(CryptoCoreError) in try c0 + d0 }, d1]
        r.noiseLog2Variance = logAdd(ct.noiseLog2Variance, keySwitchNoise(level: ct.level))
        r.seed = nil
        return r
    }

    /// Rotation by `steps` composed from the available Galois keys.
    func rotate(_ ct: RLWECiphertext, by steps: Int, keys: EvaluationKeys?) throws(RLWEError) -> RLWECiphertext {
        let half = n / 2
        let k = ((steps % half) + half) % half
        if k == 0 { return ct }
        let g = galoisElement(rotation: k)
        if keys?.galois[g] != nil { return try applyGalois(ct, element: g, keys: keys) }
        // Compose from power-of-two keys: left rotations by the set bits of k, or right
        // rotations by the set bits of half - k.
        for (amount, sign) in [(k, 1), (half - k, -1)] {
            var bits: [Int] = []
            for b in 0..<half.trailingZeroBitCount where amount & (1 << b) != 0 { bits.append(b) }
            if bits.allSatisfy({ keys?.galois[galoisElement(rotation: sign * (1 << $0))] != nil }) {
                var r = ct
                for b in bits { r = try applyGalois(r, element: galoisElement(rotation: sign * (1 << b)), keys: keys) }
                return r
            }
        }
        throw .missingKey("Galois keys for a rotation by \(steps)")
    }

    /// `round(c / q_last)` on every polynomial: drops the last prime.
    func dropLastPrime(_ ct: RLWECiphertext) throws(RLWEError) -> RLWECiphertext {
        try check(ct)
        let l = ct.level
        guard l >= 2 else { throw .levelExhausted }
        let b = try base(l - 1), n = self.n
        var r = ct
        r.polys = ct.polys.map { p in
            var out = RNSPolynomial<Coefficient>(zeroIn: b)
            p.withResidues { src in
                out.withMutableResidues { dst in
                    primes.withUnsafeBufferPointer { q in
                        rescaleInv[l - 1].withUnsafeBufferPointer { inv in
                            _ = ccc_rlwe_divide_round_last(dst.baseAddress!, src.baseAddress!, src.baseAddress! + (l - 1) * n,
                                                           q.baseAddress!, inv.baseAddress ?? q.baseAddress!, l - 1, primes[l - 1], UInt64(n))
                        }
                    }
                }
            }
            return out
        }
        r.seed = nil
        return r
    }

    func addPolys(_ a: RLWECiphertext, _ b: RLWECiphertext, subtract: Bool) throws(RLWEError) -> RLWECiphertext {
        try check(a); try check(b)
        guard a.level == b.level else { throw .parameterMismatch("levels \(a.level) and \(b.level)") }
        var r = a.size >= b.size ? a : b
        let other = a.size >= b.size ? b : a
        if subtract && a.size < b.size {
            // r = b currently: compute a - b as -(b - a)
            for i in 0..<r.size { r.polys[i].negate() }
            for i in 0..<other.size { try core { () throws(CryptoCoreError) in try r.polys[i].add(other.polys[i]) } }
        } else {
            for i in 0..<other.size {
                if subtract { try core { () throws(CryptoCoreError) in try r.polys[i].subtract(other.polys[i]) } } else { try core { () throws(CryptoCoreError) in try r.polys[i].add(other.polys[i]) } }
            }
        }
        r.noiseLog2Variance = logAdd(a.noiseLog2Variance, b.noiseLog2Variance)
        r.seed = nil
        return r
    }

    /// The fused dot products: output o = Σ_i weights[o·count + i] · cts[i] on
    /// ``RNSPolynomial/matrixProduct(_:weights:outputs:base:kernel:)``, polynomial by polynomial,
    /// outputs split over at most `maxConcurrency` threads.
    func dotProducts(_ cts: [RLWECiphertext], weights: [Int64], outputs: Int, maxConcurrency: Int) throws(RLWEError) -> [RLWECiphertext] {
        guard let first = cts.first else { throw .invalidArgument("empty dot product") }
        guard outputs >= 1, weights.count == outputs * cts.count else {
            throw .invalidArgument("expected \(outputs) × \(cts.count) weights, got \(weights.count)")
        }
        for c in cts {
            try check(c)
            guard c.level == first.level, c.size == first.size else { throw .parameterMismatch("dot product operands of different levels or sizes") }
            guard c.scale == first.scale else { throw .scaleMismatch(c.scale, first.scale) }
        }
        for w in weights where w.magnitude >= 1 << 31 { throw .invalidArgument("weight \(w) does not fit in 31 bits") }
        let count = cts.count
        let b = try base(first.level)
        // Chunks of outputs per task so that each input block is read once per chunk.
        let tasks = max(1, min(maxConcurrency, outputs))
        let per = (outputs + tasks - 1) / tasks
        let slots = ResultSlots<[RLWECiphertext]>(tasks)
        try parallelFor(tasks, maxConcurrency: maxConcurrency) { (task: Int) throws(RLWEError) in
            let lo = task * per, hi = min(outputs, lo + per)
            guard lo < hi else { slots.set(task, []); return }
            let w = Array(weights[(lo * count)..<(hi * count)])
            var polys: [[RNSPolynomial<Coefficient>]] = []
            for p in 0..<first.size {
                let inputs = cts.map { $0.polys[p] }
                polys.append(try core { () throws(CryptoCoreError) in
                    try RNSPolynomial<Coefficient>.matrixProduct(inputs, weights: w, outputs: hi - lo, base: b)
                })
            }
            var out: [RLWECiphertext] = []
            for o in 0..<(hi - lo) {
                var v = -Double.infinity
                for i in 0..<count where w[o * count + i] != 0 {
                    let wi = Double(w[o * count + i].magnitude)
                    v = logAdd(v, cts[i].noiseLog2Variance + 2 * log2(wi))
                }
                if v == -.infinity { v = first.noiseLog2Variance - 60 }   // all-zero row: a trivially small error
                out.append(RLWECiphertext(polys: polys.map { $0[o] }, scale: first.scale, noiseLog2Variance: v,
                                          parameterHash: parameterHash, seed: nil))
            }
            slots.set(task, out)
        }
        return slots.values.flatMap { $0! }
    }
}

import CCryptoCore
import CryptoCore

/// The secret key: a uniform ternary polynomial `s`, kept in coefficient form and as NTT rows
/// modulo every prime (ciphertext primes and the special prime).
///
/// Never send it, its serialization (``RLWESerialization``) is only written on request, and never
/// return decryption results or noise budgets to an untrusted evaluator (BFV and CKKS are not
/// IND-CPA^D secure).
public struct SecretKey: Sendable {
    let coefficients: [Int8]
    /// NTT rows modulo q_0 … q_{L-1}, P ((L+1)·n words).
    let ntt: [UInt64]
    /// `s²` as NTT rows modulo the ciphertext primes (L·n words), for decrypting 3-component ciphertexts.
    let squareNTT: [UInt64]
    let parameterHash: UInt64

    init(context c: RLWEContext, coefficients: [Int8]) {
        self.coefficients = coefficients
        let n = c.n
        var rows = [UInt64](repeating: 0, count: (c.L + 1) * n)
        rows.withUnsafeMutableBufferPointer { r in
            for (i, q) in c.primes.enumerated() {
                for j in 0..<n { r[i * n + j] = coefficients[j] < 0 ? q - 1 : UInt64(coefficients[j]) }
                c.plans[i].forward(r.baseAddress! + i * n)
            }
        }
        var sq = [UInt64](repeating: 0, count: c.L * n)
        sq.withUnsafeMutableBufferPointer { o in
            rows.withUnsafeBufferPointer { r in
                for i in 0..<c.L {
                    withUnsafePointer(to: c.mods[i]) { m in ccc_poly_mul(o.baseAddress! + i * n, r.baseAddress! + i * n, r.baseAddress! + i * n, UInt64(n), m) }
                }
            }
        }
        ntt = rows
        squareNTT = sq
        parameterHash = c.parameterHash
    }
}

/// The public key `(p0, p1) = (-(a·s) + e, a)` modulo the ciphertext primes, NTT form; `a` is
/// expanded from a 32-byte seed.
public struct PublicKey: Sendable {
    let p0: [UInt64]
    let p1: [UInt64]
    let seed: [UInt8]
    let parameterHash: UInt64
}

/// A key-switching key from a secret `s'` to `s` (hybrid key switching with the special prime
/// `P` and one digit per ciphertext prime, as in SEAL): for digit `i`,
/// `k1_i = a_i`, `k0_i = -(a_i s) + e_i + P·s'·[i-th CRT idempotent]` modulo `Q·P`, NTT form.
/// The `a_i` are expanded from a 32-byte seed.
public struct KeySwitchKey: Sendable {
    /// L digits × (L+1) rows × n words.
    let k0: [UInt64]
    let k1: [UInt64]
    let seed: [UInt8]
}

/// The keys an evaluator needs: the relinearization key (`s² → s`) and Galois keys
/// (`s(X^g) → s`) by Galois element.
public struct EvaluationKeys: Sendable {
    public internal(set) var relinearization: KeySwitchKey?
    public internal(set) var galois: [UInt64: KeySwitchKey]
    let parameterHash: UInt64

    /// Galois elements present.
    public var galoisElements: [UInt64] { galois.keys.sorted() }
}

/// Generates keys for one context.
public struct KeyGenerator: Sendable {
    public let context: RLWEContext
    public init(context: RLWEContext) { self.context = context }

    /// A fresh ternary secret key (randomness from the OS generator).
    public func secretKey() -> SecretKey {
        var rng = Sampler.freshGenerator()
        return SecretKey(context: context, coefficients: Sampler.ternary(count: context.n, using: &rng))
    }

    /// A secret key from a 32-byte seed (reproducible tests only; the seed must be secret).
    public func secretKey(seed: [UInt8]) throws(RLWEError) -> SecretKey {
        var rng = try core { () throws(CryptoCoreError) in try SeededRandom(seed: seed) }
        return SecretKey(context: context, coefficients: Sampler.ternary(count: context.n, using: &rng))
    }

    func check(_ sk: SecretKey) throws(RLWEError) {
        guard sk.parameterHash == context.parameterHash else { throw .parameterMismatch("secret key of another parameter set") }
    }

    /// The public key of `secretKey`.
    public func publicKey(for secretKey: SecretKey) throws(RLWEError) -> PublicKey {
        try check(secretKey)
        let c = context, n = c.n, L = c.L
        var seedRng = Sampler.freshGenerator()
        let seed = seedRng.bytes(32)
        var arng = try core { () throws(CryptoCoreError) in try SeededRandom(seed: seed) }
        var erng = Sampler.freshGenerator()
        let e = Sampler.centeredBinomial(count: n, using: &erng)
        var p0 = [UInt64](repeating: 0, count: L * n), p1 = p0
        p0.withUnsafeMutableBufferPointer { o0 in
            p1.withUnsafeMutableBufferPointer { o1 in
                secretKey.ntt.withUnsafeBufferPointer { s in
                    for i in 0..<L {
                        let q = c.primes[i]
                        let a = o1.baseAddress! + i * n, b = o0.baseAddress! + i * n
                        Sampler.uniform(a, count: n, below: q, using: &arng)
                        for j in 0..<n { b[j] = e[j] < 0 ? q - UInt64(-e[j]) : UInt64(e[j]) }
                        c.plans[i].forward(b)
                        withUnsafePointer(to: c.mods[i]) { m in
                            // b = e - a s
                            var tmp = [UInt64](repeating: 0, count: n)
                            tmp.withUnsafeMutableBufferPointer { t in
                                ccc_poly_mul(t.baseAddress!, a, s.baseAddress! + i * n, UInt64(n), m)
                                ccc_poly_sub(b, b, t.baseAddress!, UInt64(n), q)
                            }
                        }
                    }
                }
            }
        }
        return PublicKey(p0: p0, p1: p1, seed: seed, parameterHash: c.parameterHash)
    }

    /// Key switching key from `target` (NTT rows over Q·P) to the secret key.
    func keySwitchKey(from target: [UInt64], secretKey: SecretKey, seed: [UInt8]? = nil) throws(RLWEError) -> KeySwitchKey {
        let c = context, n = c.n, L = c.L, rows = L + 1
        var seedRng = Sampler.freshGenerator()
        let seed = seed ?? seedRng.bytes(32)
        var arng = try core { () throws(CryptoCoreError) in try SeededRandom(seed: seed) }
        var erng = Sampler.freshGenerator()
        var k0 = [UInt64](repeating: 0, count: L * rows * n), k1 = k0
        let p = c.parameters.specialModulus
        k0.withUnsafeMutableBufferPointer { o0 in
            k1.withUnsafeMutableBufferPointer { o1 in
                secretKey.ntt.withUnsafeBufferPointer { s in
                    target.withUnsafeBufferPointer { tg in
                        var tmp = [UInt64](repeating: 0, count: n)
                        for i in 0..<L {
                            let e = Sampler.centeredBinomial(count: n, using: &erng)
                            for r in 0..<rows {
                                let q = c.primes[r]
                                let off = (i * rows + r) * n
                                let a = o1.baseAddress! + off, b = o0.baseAddress! + off
                                Sampler.uniform(a, count: n, below: q, using: &arng)
                                for j in 0..<n { b[j] = e[j] < 0 ? q - UInt64(-e[j]) : UInt64(e[j]) }
                                c.plans[r].forward(b)
                                tmp.withUnsafeMutableBufferPointer { t in
                                    withUnsafePointer(to: c.mods[r]) { m in
                                        ccc_poly_mul(t.baseAddress!, a, s.baseAddress! + r * n, UInt64(n), m)
                                    }
                                    ccc_poly_sub(b, b, t.baseAddress!, UInt64(n), q)
                                    if r == i {
                                        ccc_poly_mul_scalar(t.baseAddress!, tg.baseAddress! + r * n, p % q, UInt64(n), q)
                                        ccc_poly_add(b, b, t.baseAddress!, UInt64(n), q)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return KeySwitchKey(k0: k0, k1: k1, seed: seed)
    }

    /// The relinearization key (`s² → s`).
    public func relinearizationKey(for secretKey: SecretKey) throws(RLWEError) -> KeySwitchKey {
        try check(secretKey)
        let c = context, n = c.n
        var sq = secretKey.ntt
        sq.withUnsafeMutableBufferPointer { o in
            for r in 0...c.L {
                withUnsafePointer(to: c.mods[r]) { m in ccc_poly_mul(o.baseAddress! + r * n, o.baseAddress! + r * n, o.baseAddress! + r * n, UInt64(n), m) }
            }
        }
        return try keySwitchKey(from: sq, secretKey: secretKey)
    }

    /// The Galois key of element `g` (odd, below 2n): `s(X^g) → s`.
    public func galoisKey(element g: UInt64, for secretKey: SecretKey) throws(RLWEError) -> KeySwitchKey {
        try check(secretKey)
        let c = context, n = c.n
        guard g & 1 == 1, g < UInt64(2 * n) else { throw .invalidArgument("Galois element \(g) must be odd and below 2n") }
        var rows = [UInt64](repeating: 0, count: (c.L + 1) * n)
        var coef = [UInt64](repeating: 0, count: n)
        rows.withUnsafeMutableBufferPointer { o in
            coef.withUnsafeMutableBufferPointer { cf in
                for (r, q) in c.primes.enumerated() {
                    for j in 0..<n { cf[j] = secretKey.coefficients[j] < 0 ? q - 1 : UInt64(secretKey.coefficients[j]) }
                    _ = ccc_rlwe_automorphism(o.baseAddress! + r * n, cf.baseAddress!, UInt64(n), g, q)
                    c.plans[r].forward(o.baseAddress! + r * n)
                }
            }
        }
        return try keySwitchKey(from: rows, secretKey: secretKey)
    }

    /// Rotation steps ±1, ±2, ±4, … ±n/4: with their Galois keys any rotation composes.
    public var powerOfTwoRotations: [Int] {
        (0..<(context.n / 2).trailingZeroBitCount).flatMap { [1 << $0, -(1 << $0)] }
    }

    /// Evaluation keys: relinearization (if `relinearization`), Galois keys for left rotations
    /// by each of `rotations` (for example ``powerOfTwoRotations``; each key holds L·(L+1)·2·n
    /// words) and for the row swap / conjugation if `rowSwap`.
    public func evaluationKeys(for secretKey: SecretKey, relinearization: Bool = true,
                               rotations: [Int] = [], rowSwap: Bool = false) throws(RLWEError) -> EvaluationKeys {
        let c = context
        var elements = Set<UInt64>()
        for s in rotations where s % (c.n / 2) != 0 { elements.insert(c.galoisElement(rotation: s)) }
        if rowSwap { elements.insert(c.conjugationElement) }
        var galois: [UInt64: KeySwitchKey] = [:]
        for g in elements.sorted() { galois[g] = try galoisKey(element: g, for: secretKey) }
        return EvaluationKeys(relinearization: relinearization ? try relinearizationKey(for: secretKey) : nil,
                              galois: galois, parameterHash: c.parameterHash)
    }
}

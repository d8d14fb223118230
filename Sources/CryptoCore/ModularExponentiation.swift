import CCryptoCore

// Swift wrappers of the modular exponentiation kernels (include/CCryptoCore/ccc_modexp.h):
// Montgomery multi-exponentiation, CRT exponentiation, fixed-base tables and threaded batches.
// Contexts own their C structs; they are immutable after initialisation, so one context may be
// used from several threads at once.

/// Upper bound of the `threads:` argument of batch functions.
public let maximumBatchThreads = Int(CCC_MAX_THREADS)

func checkThreads(_ threads: Int) throws(CryptoCoreError) -> UInt32 {
    guard threads >= 1, threads <= maximumBatchThreads else {
        throw .invalidArgument("threads must be in 1...\(maximumBatchThreads), got \(threads)")
    }
    return UInt32(threads)
}

extension Array where Element == BigInt {
    /// Read pointers to the values, valid inside `body` (the storages are kept alive).
    func withMPZPointers<R>(_ body: ([UnsafePointer<__mpz_struct>?]) -> R) -> R {
        let ptrs: [UnsafePointer<__mpz_struct>?] = map { UnsafePointer($0.storage.ptr) }
        return withExtendedLifetime(self) { body(ptrs) }
    }
}

/// Fresh result storages and their mutable pointers.
func makeResults(_ count: Int) -> ([BigIntStorage], [UnsafeMutablePointer<__mpz_struct>?]) {
    let s = (0..<count).map { _ in BigIntStorage() }
    return (s, s.map { $0.ptr })
}

/// Which algorithm a multi-exponentiation runs.
public enum MultiExponentiationAlgorithm: Sendable, Equatable {
    /// Chosen from the number of terms and the exponent size: Bos–Coster for exponents of up to
    /// 16 bits, otherwise Straus or Pippenger by a cost model; a single term goes to GMP's `mpz_powm`.
    case automatic
    /// Straus: NAF digits of all exponents interleaved over one shared squaring chain
    /// (best for up to a few dozen terms with small exponents).
    case straus
    /// Pippenger's bucket method (many terms with larger exponents).
    case pippenger
    /// Bos–Coster: repeatedly replace the two largest exponents `(b₁, e₁), (b₂, e₂)` by
    /// `(b₁, e₁ − q·e₂), (b₂·b₁^q, e₂)`; terms with equal exponents merge at one multiplication.
    /// The best choice for small exponents (neural-layer weights), few or many terms.
    case bosCoster

    var c: ccc_multiexp_algorithm {
        switch self {
        case .automatic: return CCC_MULTIEXP_AUTO
        case .straus: return CCC_MULTIEXP_STRAUS
        case .pippenger: return CCC_MULTIEXP_PIPPENGER
        case .bosCoster: return CCC_MULTIEXP_BOS_COSTER
        }
    }

    /// The algorithm ``automatic`` picks for `terms` terms with exponents of at most
    /// `exponentBits` bits (magnitude).
    public static func choice(terms: Int, exponentBits: Int) -> MultiExponentiationAlgorithm {
        let a = ccc_multiexp_choose(max(terms, 0), UInt32(clamping: max(exponentBits, 0)))
        switch a {
        case CCC_MULTIEXP_STRAUS: return .straus
        case CCC_MULTIEXP_BOS_COSTER: return .bosCoster
        default: return .pippenger
        }
    }
}

/// Montgomery arithmetic modulo a fixed odd modulus `m > 1` (for example a Paillier `N²`):
/// multiplication and simultaneous multi-exponentiation `∏ bᵢ^kᵢ mod m` with signed word-size
/// exponents, the inner loop of a Paillier dense or convolution layer.
public final class MontgomeryContext: @unchecked Sendable {
    let ctx: UnsafeMutablePointer<ccc_mont>
    /// The modulus.
    public let modulus: BigInt

    /// Precomputes the context (`-m⁻¹ mod 2⁶⁴`, `R² mod m` and a table of powers of `R`).
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `modulus` is odd and > 1
    ///   (Montgomery reduction needs an odd modulus).
    public init(modulus: BigInt) throws(CryptoCoreError) {
        guard modulus.signum > 0, modulus.isOdd, modulus.bitWidth > 1 else {
            throw .invalidArgument("Montgomery arithmetic needs an odd modulus > 1")
        }
        let c = UnsafeMutablePointer<ccc_mont>.allocate(capacity: 1)
        c.initialize(to: ccc_mont())
        let status = modulus.read { ccc_mont_init(c, $0) }
        if status != CCC_OK {
            c.deinitialize(count: 1)
            c.deallocate()
            try CryptoCoreError.check(status, "MontgomeryContext")
        }
        self.modulus = modulus
        ctx = c
    }

    deinit {
        ccc_mont_clear(ctx)
        ctx.deinitialize(count: 1)
        ctx.deallocate()
    }

    /// `a · b mod m` in `[0, m)` through Montgomery form.
    public func multiply(_ a: BigInt, _ b: BigInt) -> BigInt {
        a.read { x in b.read { y in BigInt.make { _ = ccc_mont_mulmod($0, x, y, ctx) } } }
    }

    /// One Montgomery multiplication `a · b · R⁻¹ mod m` (`R = 2^(64·limbs)`), for `0 <= a, b < m`.
    /// For operands kept in Montgomery form (`x·R mod m`) this is their product in that form,
    /// without a division. Variable time.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for operands outside `[0, m)`.
    public func montgomeryProduct(_ a: BigInt, _ b: BigInt) throws(CryptoCoreError) -> BigInt {
        try a.withPtr { x throws(CryptoCoreError) in
            try b.withPtr { y throws(CryptoCoreError) in
                try BigInt.makeChecked("montgomeryProduct: operands must be in [0, m)") { ccc_mont_product($0, x, y, ctx) }
            }
        }
    }

    /// `∏ bases[i]^exponents[i] mod m` in `[0, m)`. **Variable time** in bases and exponents
    /// (for public exponents, e.g. the weights of a model held by the evaluating server).
    ///
    /// Negative exponents cost one modular inversion in all: the terms are split by sign, the
    /// two products `P` (positive exponents) and `Q` (negative) are computed side by side and
    /// the result is `P·Q⁻¹`. (Inverting each negative-exponent base instead would cost about
    /// ten multiplications per such base at 4096 bits.)
    /// - Throws: ``CryptoCoreError/sizeMismatch(expected:actual:)`` when the arrays differ in
    ///   length; ``CryptoCoreError/notInvertible`` when a base with a negative exponent shares
    ///   a factor with the modulus.
    public func multiExponentiateVariableTime(bases: [BigInt], exponents: [Int64],
                                              algorithm: MultiExponentiationAlgorithm = .automatic) throws(CryptoCoreError) -> BigInt {
        guard bases.count == exponents.count else { throw .sizeMismatch(expected: bases.count, actual: exponents.count) }
        let r = BigIntStorage()
        let status = bases.withMPZPointers { bp in
            exponents.withUnsafeBufferPointer { ep in
                ccc_multiexp_vartime(r.ptr, bp, ep.baseAddress, bases.count, ctx, algorithm.c)
            }
        }
        try CryptoCoreError.check(status, "multiExponentiate")
        return BigInt(storage: r)
    }

    /// One multi-exponentiation per row over shared bases (a dense layer: one output per weight
    /// row): `result[j] = ∏ bases[i]^exponentRows[j][i] mod m`, rows spread over `threads`
    /// threads. Variable time, like ``multiExponentiateVariableTime(bases:exponents:algorithm:)``.
    /// - Throws: ``CryptoCoreError/sizeMismatch(expected:actual:)`` for a row of the wrong length,
    ///   ``CryptoCoreError/invalidArgument(_:)`` for `threads` outside `1...maximumBatchThreads`,
    ///   ``CryptoCoreError/notInvertible`` as above.
    public func multiExponentiateVariableTime(bases: [BigInt], exponentRows: [[Int64]],
                                              threads: Int) throws(CryptoCoreError) -> [BigInt] {
        let t = try checkThreads(threads)
        var flat: [Int64] = []
        flat.reserveCapacity(bases.count * exponentRows.count)
        for row in exponentRows {
            guard row.count == bases.count else { throw .sizeMismatch(expected: bases.count, actual: row.count) }
            flat.append(contentsOf: row)
        }
        let (storages, rp) = makeResults(exponentRows.count)
        let status = bases.withMPZPointers { bp in
            flat.withUnsafeBufferPointer { ep in
                ccc_multiexp_batch_vartime(rp, exponentRows.count, bp, ep.baseAddress, bases.count, ctx, t)
            }
        }
        try CryptoCoreError.check(status, "multiExponentiate(exponentRows:)")
        return storages.map { BigInt(storage: $0) }
    }
}

/// Exponentiation modulo `N²` (and recombination modulo `N` or `N²`) for `N = p·q` with the
/// factorization known: halves modulo `p²` and `q²` with exponents reduced modulo `p(p−1)` and
/// `q(q−1)`, recombined with Garner's formula.
public final class CRTExponentiationContext: @unchecked Sendable {
    let ctx: UnsafeMutablePointer<ccc_crt2>
    /// `N = p·q`.
    public let n: BigInt
    /// `N²`.
    public let nSquared: BigInt

    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for equal primes, values <= 2, or when
    ///   `p` or `q` is composite (Baillie-PSW plus Miller-Rabin).
    public init(p: BigInt, q: BigInt) throws(CryptoCoreError) {
        let c = UnsafeMutablePointer<ccc_crt2>.allocate(capacity: 1)
        c.initialize(to: ccc_crt2())
        let status = p.read { pp in q.read { qq in ccc_crt2_init(c, pp, qq) } }
        if status != CCC_OK {
            c.deinitialize(count: 1)
            c.deallocate()
            if status == CCC_ERR_NOT_PRIME { throw .invalidArgument("p and q must be prime") }
            try CryptoCoreError.check(status, "CRTExponentiationContext: p and q must be distinct odd primes")
        }
        ctx = c
        n = p * q
        nSquared = n * n
    }

    deinit {
        ccc_crt2_clear(ctx)
        ctx.deinitialize(count: 1)
        ctx.deallocate()
    }

    /// `base^exponent mod N²` in `[0, N²)`.
    ///
    /// `variableTime: false` runs both halves with `mpz_powm_sec`, for secret exponents.
    /// A negative exponent inverts the base first (variable time).
    /// - Throws: ``CryptoCoreError/notInvertible`` for a negative exponent and a base not prime to `N`.
    public func power(_ base: BigInt, _ exponent: BigInt, variableTime: Bool) throws(CryptoCoreError) -> BigInt {
        if !variableTime && exponent.isNegative {
            throw .invalidArgument("constant-time exponentiation needs a non-negative exponent")
        }
        return try base.withPtr { b throws(CryptoCoreError) in
            try exponent.withPtr { e throws(CryptoCoreError) in
                try BigInt.makeChecked("CRT power") { ccc_crt2_powm($0, b, e, ctx, variableTime ? 0 : 1) }
            }
        }
    }

    /// `power(bases[i], exponents[i], variableTime:)` for all `i`, spread over `threads` threads.
    public func power(bases: [BigInt], exponents: [BigInt], variableTime: Bool, threads: Int) throws(CryptoCoreError) -> [BigInt] {
        let t = try checkThreads(threads)
        guard bases.count == exponents.count else { throw .sizeMismatch(expected: bases.count, actual: exponents.count) }
        if !variableTime && exponents.contains(where: { $0.isNegative }) {
            throw .invalidArgument("constant-time exponentiation needs non-negative exponents")
        }
        let (storages, rp) = makeResults(bases.count)
        let status = bases.withMPZPointers { bp in
            exponents.withMPZPointers { ep in
                ccc_crt2_powm_batch(rp, bp, ep, bases.count, ctx, variableTime ? 0 : 1, t)
            }
        }
        try CryptoCoreError.check(status, "CRT power batch")
        return storages.map { BigInt(storage: $0) }
    }

    /// Garner recombination modulo `N²`: the `x` in `[0, N²)` with `x ≡ xp (mod p²)` and
    /// `x ≡ xq (mod q²)`.
    public func combineModuloSquares(_ xp: BigInt, _ xq: BigInt) -> BigInt {
        xp.read { a in xq.read { b in BigInt.make { _ = ccc_crt2_combine_sq($0, a, b, ctx) } } }
    }

    /// Garner recombination modulo `N`: the `x` in `[0, N)` with `x ≡ xp (mod p)`, `x ≡ xq (mod q)`.
    public func combine(_ xp: BigInt, _ xq: BigInt) -> BigInt {
        xp.read { a in xq.read { b in BigInt.make { _ = ccc_crt2_combine($0, a, b, ctx) } } }
    }
}

/// A precomputed table for exponentiations of one fixed base (for example `h^r` with `h = y^N`,
/// or `g^m`): rows `g^(d·2^(w·i))` for every window `i` and digit `d`, so an exponentiation is one
/// multiplication per window and no squaring.
public final class FixedBaseTable: @unchecked Sendable {
    let fb: UnsafeMutablePointer<ccc_fixed_base>
    /// The modulus.
    public let modulus: BigInt
    /// Exponents must be below `2^maxExponentBits`.
    public let maxExponentBits: Int
    /// The window width in bits.
    public var window: Int { Int(fb.pointee.window) }
    /// Size of the table in bytes.
    public var tableBytes: Int { Int(ccc_fixed_base_table_bytes(fb)) }

    /// Precomputes the table of `base` modulo `modulus` (odd, > 1) for exponents below
    /// `2^maxExponentBits` (1...2^20). `window: nil` picks the widest window (up to 8 bits)
    /// whose table fits in 8 MiB.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for an even modulus, a bad size or window.
    public init(base: BigInt, modulus: BigInt, maxExponentBits: Int, window: Int? = nil) throws(CryptoCoreError) {
        guard maxExponentBits >= 1, maxExponentBits <= 1 << 20 else {
            throw .invalidArgument("maxExponentBits \(maxExponentBits) outside 1...2^20")
        }
        if let w = window, !(1...8).contains(w) { throw .invalidArgument("window \(w) outside 1...8") }
        guard modulus.signum > 0, modulus.isOdd, modulus.bitWidth > 1 else {
            throw .invalidArgument("a fixed-base table needs an odd modulus > 1")
        }
        let f = UnsafeMutablePointer<ccc_fixed_base>.allocate(capacity: 1)
        f.initialize(to: ccc_fixed_base())
        let status = base.read { g in
            modulus.read { m in ccc_fixed_base_init(f, g, m, maxExponentBits, UInt32(window ?? 0)) }
        }
        if status != CCC_OK {
            f.deinitialize(count: 1)
            f.deallocate()
            try CryptoCoreError.check(status, "FixedBaseTable")
        }
        self.modulus = modulus
        self.maxExponentBits = maxExponentBits
        fb = f
    }

    deinit {
        ccc_fixed_base_clear(fb)
        fb.deinitialize(count: 1)
        fb.deallocate()
    }

    /// `base^exponent mod m`, `0 <= exponent < 2^maxExponentBits`.
    ///
    /// `variableTime: true` skips zero digits and indexes the table by digit; `false` multiplies
    /// for every window and reads each row in full (`mpn_sec_tabselect`, `mpn_sec_mul`), for
    /// secret exponents.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for an exponent out of range.
    public func power(_ exponent: BigInt, variableTime: Bool) throws(CryptoCoreError) -> BigInt {
        guard !exponent.isNegative, exponent.bitWidth <= maxExponentBits else {
            throw .invalidArgument("exponent outside [0, 2^\(maxExponentBits))")
        }
        return try exponent.withPtr { e throws(CryptoCoreError) in
            try BigInt.makeChecked("FixedBaseTable.power") {
                variableTime ? ccc_fixed_base_powm_vartime($0, e, fb) : ccc_fixed_base_powm_sec($0, e, fb)
            }
        }
    }
}

/// Batch modular exponentiation.
public enum ModularExponentiation {
    /// `bases[i]^exponents[i] mod modulus` for all `i`, spread over `threads` threads.
    /// **Variable time** (GMP `mpz_powm`); a negative exponent inverts its base.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for a modulus <= 0 or a bad thread count,
    ///   ``CryptoCoreError/sizeMismatch(expected:actual:)``, ``CryptoCoreError/notInvertible``.
    public static func powerVariableTime(bases: [BigInt], exponents: [BigInt], modulus: BigInt,
                                         threads: Int) throws(CryptoCoreError) -> [BigInt] {
        let t = try checkThreads(threads)
        guard bases.count == exponents.count else { throw .sizeMismatch(expected: bases.count, actual: exponents.count) }
        guard modulus.signum > 0 else { throw .invalidArgument("modulus must be positive") }
        let (storages, rp) = makeResults(bases.count)
        let status = bases.withMPZPointers { bp in
            exponents.withMPZPointers { ep in
                modulus.read { m in ccc_powm_batch_vartime(rp, bp, ep, bases.count, m, t) }
            }
        }
        try CryptoCoreError.check(status, "powerVariableTime batch")
        return storages.map { BigInt(storage: $0) }
    }
}

import CCryptoCore

// Paillier kernels (g = N + 1) for the scheme of issue 6: public-key encryption, encryption by
// the key holder with CRT, decryption with and without CRT, the L function, batches.
// These are arithmetic kernels over BigInt; the scheme's key, ciphertext and message types live
// in the Paillier module.

/// Paillier arithmetic with the public key `N` only.
public struct PaillierPublicArithmetic: Sendable {
    /// The modulus `N`.
    public let n: BigInt
    /// `N²`.
    public let nSquared: BigInt

    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `N` is odd and >= 3.
    public init(n: BigInt) throws(CryptoCoreError) {
        guard n.isOdd, n.bitWidth >= 2, !n.isNegative else { throw .invalidArgument("Paillier N must be odd and >= 3") }
        self.n = n
        self.nSquared = n * n
    }

    /// `L(u) = (u − 1) / N`.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `u > 0` and `u ≡ 1 (mod N)`.
    public func l(_ u: BigInt) throws(CryptoCoreError) -> BigInt {
        try PaillierPublicArithmetic.l(u, n)
    }

    /// `L(u) = (u − 1) / d` for a divisor `d > 0` (`N`, or `p`, `q` for CRT decryption).
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `u > 0` and `u ≡ 1 (mod d)`.
    public static func l(_ u: BigInt, _ d: BigInt) throws(CryptoCoreError) -> BigInt {
        try u.withPtr { uu throws(CryptoCoreError) in
            try d.withPtr { dd throws(CryptoCoreError) in
                try BigInt.makeChecked("L(u): u must be 1 mod the divisor") { ccc_paillier_L($0, uu, dd) }
            }
        }
    }

    /// `c = (1 + m·N) · r^N mod N²` for `0 <= m < N` and `0 < r < N`.
    ///
    /// `r` is secret (it hides `m`); the exponent `N` is public. `variableTime: true` runs
    /// `mpz_powm` (the usual choice: its timing depends mostly on the public exponent),
    /// `false` runs `mpz_powm_sec`.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for `m` or `r` out of range.
    public func encrypt(_ m: BigInt, randomness r: BigInt, variableTime: Bool = true) throws(CryptoCoreError) -> BigInt {
        try m.withPtr { mm throws(CryptoCoreError) in
            try r.withPtr { rr throws(CryptoCoreError) in
                try n.withPtr { nn throws(CryptoCoreError) in
                    try nSquared.withPtr { n2 throws(CryptoCoreError) in
                        try BigInt.makeChecked("Paillier encrypt: need 0 <= m < N and 0 < r < N") {
                            ccc_paillier_encrypt($0, mm, rr, nn, n2, variableTime ? 0 : 1)
                        }
                    }
                }
            }
        }
    }

    /// `c = (1 + m·N) · x mod N²` for an `N`-th residue `x` computed elsewhere (for example
    /// `h^α` from a ``FixedBaseTable`` of `h = y^N`, or `r^N` from a precomputed pool), as
    /// `x + N·(m·x mod N)`: one multiplication mod `N`, no exponentiation.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `0 <= m < N` and `0 < x < N²`.
    public func encrypt(_ m: BigInt, nthResidue x: BigInt) throws(CryptoCoreError) -> BigInt {
        try m.withPtr { mm throws(CryptoCoreError) in
            try x.withPtr { xx throws(CryptoCoreError) in
                try n.withPtr { nn throws(CryptoCoreError) in
                    try nSquared.withPtr { n2 throws(CryptoCoreError) in
                        try BigInt.makeChecked("Paillier encrypt: need 0 <= m < N and 0 < x < N^2") {
                            ccc_paillier_apply_plaintext($0, mm, xx, nn, n2)
                        }
                    }
                }
            }
        }
    }

    /// ``encrypt(_:randomness:variableTime:)`` for all pairs, spread over `threads` threads.
    public func encrypt(_ messages: [BigInt], randomness: [BigInt], variableTime: Bool = true,
                        threads: Int) throws(CryptoCoreError) -> [BigInt] {
        let t = try checkThreads(threads)
        guard messages.count == randomness.count else { throw .sizeMismatch(expected: messages.count, actual: randomness.count) }
        let (storages, out) = makeResults(messages.count)
        let status = messages.withMPZPointers { mp in
            randomness.withMPZPointers { rp in
                n.read { nn in
                    nSquared.read { n2 in
                        ccc_paillier_encrypt_batch(out, mp, rp, messages.count, nn, n2, variableTime ? 0 : 1, t)
                    }
                }
            }
        }
        try CryptoCoreError.check(status, "Paillier encrypt batch: need 0 <= m < N and 0 < r < N")
        return storages.map { BigInt(storage: $0) }
    }

    /// A uniform `r` in `[1, N)` with `gcd(r, N) = 1` for ``encrypt(_:randomness:variableTime:)``.
    public func randomness<R: CryptoRandomSource>(using rng: inout R) throws(CryptoCoreError) -> BigInt {
        while true {
            let r = try BigInt.random(below: n, using: &rng)
            if !r.isZero && BigInt.gcd(r, n) == 1 { return r }
        }
    }
}

/// Paillier arithmetic for the key holder (knows `p` and `q`): CRT encryption and decryption.
/// Decryption and CRT encryption run constant-time exponentiations (`mpz_powm_sec`) unless
/// `variableTime: true` is passed; their exponents (`λ`, `p − 1`, `q mod (p − 1)`, `p`) are secret.
public final class PaillierKeyHolderArithmetic: @unchecked Sendable {
    let key: UnsafeMutablePointer<ccc_paillier_key>
    /// The public part.
    public let publicArithmetic: PaillierPublicArithmetic
    /// `N`.
    public var n: BigInt { publicArithmetic.n }
    /// `N²`.
    public var nSquared: BigInt { publicArithmetic.nSquared }

    /// Precomputes `λ = lcm(p − 1, q − 1)`, `μ = λ⁻¹ mod N`, `h_p`, `h_q`, the CRT constants and
    /// the CRT encryption exponents.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `p`, `q` are distinct odd primes
    ///   with `gcd(pq, (p − 1)(q − 1)) = 1` (true for primes of equal size).
    public init(p: BigInt, q: BigInt) throws(CryptoCoreError) {
        let k = UnsafeMutablePointer<ccc_paillier_key>.allocate(capacity: 1)
        k.initialize(to: ccc_paillier_key())
        let status = p.read { pp in q.read { qq in ccc_paillier_key_init(k, pp, qq) } }
        if status != CCC_OK {
            k.deinitialize(count: 1)
            k.deallocate()
            switch status {
            case CCC_ERR_NOT_PRIME: throw .invalidArgument("p and q must be prime")
            case CCC_ERR_NOT_INVERTIBLE: throw .notInvertible
            default: throw .invalidArgument("p and q must be distinct odd primes with gcd(pq, (p-1)(q-1)) = 1")
            }
        }
        do {
            publicArithmetic = try PaillierPublicArithmetic(n: p * q)
        } catch {
            ccc_paillier_key_clear(k)
            k.deinitialize(count: 1)
            k.deallocate()
            throw error
        }
        key = k
    }

    deinit {
        ccc_paillier_key_clear(key)
        key.deinitialize(count: 1)
        key.deallocate()
    }

    /// Encryption by the key holder, equal to the public-key encryption with the same `r`:
    /// `r^N mod p²` is computed as `((r mod p)^(q mod (p−1)) mod p)^p mod p²` (likewise mod `q²`)
    /// and recombined by Garner.
    public func encrypt(_ m: BigInt, randomness r: BigInt, variableTime: Bool = false) throws(CryptoCoreError) -> BigInt {
        try m.withPtr { mm throws(CryptoCoreError) in
            try r.withPtr { rr throws(CryptoCoreError) in
                try BigInt.makeChecked("Paillier CRT encrypt: need 0 <= m < N and 0 < r < N") {
                    ccc_paillier_encrypt_crt($0, mm, rr, key, variableTime ? 0 : 1)
                }
            }
        }
    }

    /// ``encrypt(_:randomness:variableTime:)`` for all pairs, spread over `threads` threads.
    public func encrypt(_ messages: [BigInt], randomness: [BigInt], variableTime: Bool = false,
                        threads: Int) throws(CryptoCoreError) -> [BigInt] {
        let t = try checkThreads(threads)
        guard messages.count == randomness.count else { throw .sizeMismatch(expected: messages.count, actual: randomness.count) }
        let (storages, out) = makeResults(messages.count)
        let status = messages.withMPZPointers { mp in
            randomness.withMPZPointers { rp in
                ccc_paillier_encrypt_crt_batch(out, mp, rp, messages.count, key, variableTime ? 0 : 1, t)
            }
        }
        try CryptoCoreError.check(status, "Paillier CRT encrypt batch: need 0 <= m < N and 0 < r < N")
        return storages.map { BigInt(storage: $0) }
    }

    /// Decryption: `useCRT: true` computes `m_p = L_p(c^(p−1) mod p²)·h_p mod p`, `m_q` likewise,
    /// and recombines them; `false` computes `L(c^λ mod N²)·μ mod N`.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for `c` outside `(0, N²)` or not a valid
    ///   ciphertext (`c^λ ≢ 1 mod N`, e.g. `c` not prime to `N`).
    public func decrypt(_ c: BigInt, useCRT: Bool = true, variableTime: Bool = false) throws(CryptoCoreError) -> BigInt {
        try c.withPtr { cc throws(CryptoCoreError) in
            try BigInt.makeChecked("Paillier decrypt: not a valid ciphertext") {
                useCRT ? ccc_paillier_decrypt_crt($0, cc, key, variableTime ? 0 : 1)
                       : ccc_paillier_decrypt($0, cc, key, variableTime ? 0 : 1)
            }
        }
    }

    /// ``decrypt(_:useCRT:variableTime:)`` for all ciphertexts, spread over `threads` threads.
    public func decrypt(_ ciphertexts: [BigInt], useCRT: Bool = true, variableTime: Bool = false,
                        threads: Int) throws(CryptoCoreError) -> [BigInt] {
        let t = try checkThreads(threads)
        let (storages, out) = makeResults(ciphertexts.count)
        let status = ciphertexts.withMPZPointers { cp in
            ccc_paillier_decrypt_batch(out, cp, ciphertexts.count, key, useCRT ? 1 : 0, variableTime ? 0 : 1, t)
        }
        try CryptoCoreError.check(status, "Paillier decrypt batch: not a valid ciphertext")
        return storages.map { BigInt(storage: $0) }
    }
}

import CCryptoCore

/// A word-size modulus `2 ≤ q < 2^62` with its Barrett constants.
///
/// The kernels keep lazily reduced values below `4q`, hence the 62-bit limit.
public struct Modulus: Sendable, Hashable, CustomStringConvertible {
    /// The largest supported bit size.
    public static let maxBits = Int(CCC_MAX_MODULUS_BITS)

    @usableFromInline let raw: ccc_modulus

    /// The modulus value.
    public var value: UInt64 { raw.q }
    /// Its bit length.
    public var bitWidth: Int { Int(raw.bits) }

    /// Creates the modulus `q`; throws ``CryptoCoreError/modulusOutOfRange(bits:supported:)``
    /// unless `2 ≤ q < 2^62`.
    public init(_ q: UInt64) throws(CryptoCoreError) {
        var m = ccc_modulus()
        guard ccc_modulus_init(&m, q) == CCC_OK else {
            throw .modulusOutOfRange(bits: q == 0 ? 0 : 64 - q.leadingZeroBitCount, supported: 2...Self.maxBits)
        }
        raw = m
    }

    /// Whether the modulus is prime (BPSW through FLINT, exact below 2^64).
    public var isPrime: Bool { ccc_is_prime(raw.q) != 0 }

    /// `x mod q` for any 64-bit `x`.
    @inlinable public func reduce(_ x: UInt64) -> UInt64 {
        withUnsafePointer(to: raw) { ccc_barrett_reduce_128($0, x, 0) }
    }
    /// `(a + b) mod q` for `a, b < q`.
    @inlinable public func add(_ a: UInt64, _ b: UInt64) -> UInt64 { ccc_add_mod(a, b, raw.q) }
    /// `(a - b) mod q` for `a, b < q`.
    @inlinable public func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { ccc_sub_mod(a, b, raw.q) }
    /// `a · b mod q` for any 64-bit `a`, `b`.
    @inlinable public func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        withUnsafePointer(to: raw) { ccc_mul_mod($0, a, b) }
    }
    /// `base^exponent mod q`. Variable time in the exponent: use it for public exponents only.
    public func power(_ base: UInt64, _ exponent: UInt64) -> UInt64 {
        withUnsafePointer(to: raw) { ccc_pow_mod_vartime($0, base, exponent) }
    }
    /// The inverse of `a` modulo `q` (variable time).
    public func inverse(_ a: UInt64) throws(CryptoCoreError) -> UInt64 {
        var out: UInt64 = 0
        guard ccc_inv_mod_vartime(&out, a, raw.q) == CCC_OK else { throw .notInvertible }
        return out
    }
    /// The representative of a signed integer in `[0, q)`.
    @inlinable public func reduce(signed x: Int64) -> UInt64 {
        let r = reduce(x.magnitude)
        return x < 0 ? subtract(0, r) : r
    }
    /// The centred representative of `x < q` in `(-q/2, q/2]`.
    @inlinable public func centered(_ x: UInt64) -> Int64 {
        x > raw.q / 2 ? -Int64(raw.q - x) : Int64(x)
    }

    public var description: String { "\(raw.q)" }

    public static func == (a: Modulus, b: Modulus) -> Bool { a.raw.q == b.raw.q }
    public func hash(into h: inout Hasher) { h.combine(raw.q) }
}

/// Generation of NTT-friendly primes.
public enum NTTPrimes {
    /// The `count` largest primes of exactly `bits` bits (`2…62`) with `q ≡ 1 mod 2·degree`,
    /// below `upperBound` if given, in decreasing order. Deterministic.
    public static func generate(count: Int, bits: Int, degree: Int, below upperBound: UInt64? = nil)
        throws(CryptoCoreError) -> [UInt64]
    {
        guard count >= 0 else { throw .invalidArgument("negative prime count") }
        guard (2...Modulus.maxBits).contains(bits) else {
            throw .modulusOutOfRange(bits: bits, supported: 2...Modulus.maxBits)
        }
        guard degree > 0, degree & (degree - 1) == 0 else { throw .notPowerOfTwo(degree) }
        var out = [UInt64](repeating: 0, count: count)
        let status = out.withUnsafeMutableBufferPointer {
            ccc_ntt_primes($0.baseAddress, count, UInt32(bits), UInt64(degree), upperBound ?? 0)
        }
        if status == CCC_ERR_NOT_FOUND {
            throw .noPrimeFound("fewer than \(count) primes of \(bits) bits that are 1 mod \(2 * degree)")
        }
        try CryptoCoreError.check(status, "NTT prime generation")
        return out
    }

    /// Whether `q` is prime (BPSW through FLINT, exact below 2^64).
    public static func isPrime(_ q: UInt64) -> Bool { ccc_is_prime(q) != 0 }
}

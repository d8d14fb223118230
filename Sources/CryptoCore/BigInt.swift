import CCryptoCore

/// Heap storage of one GMP integer. The `mpz` struct lives at a stable address (it is handed to
/// C kernels, also from several threads for read-only use); its limbs are wiped when freed.
final class BigIntStorage: @unchecked Sendable {
    let ptr: UnsafeMutablePointer<__mpz_struct>

    init() {
        ptr = .allocate(capacity: 1)
        ptr.initialize(to: __mpz_struct())
        ccc_mpz_init(ptr)
    }

    convenience init(copying other: BigIntStorage) {
        self.init()
        ccc_mpz_set(ptr, other.ptr)
    }

    deinit {
        ccc_mpz_clear(ptr)
        ptr.deinitialize(count: 1)
        ptr.deallocate()
    }
}

/// An arbitrary-precision signed integer over GMP's `mpz_t`, with value semantics
/// (copy-on-write storage).
///
/// Arithmetic follows Swift's `Int` where it can: `/` truncates towards zero and `%` has the sign
/// of the dividend. Floor division and the least non-negative residue are available as
/// ``floorDivided(by:)`` and ``modulo(_:)``. Division by zero and other invalid input throw
/// ``CryptoCoreError`` instead of trapping, so `/` and `%` are `throws` operators.
///
/// Most operations run GMP's variable-time code; ``power(_:modulus:variableTime:)`` has a
/// constant-time path for secret exponents.
public struct BigInt: Sendable {
    var storage: BigIntStorage

    init(storage: BigIntStorage) { self.storage = storage }

    /// Zero.
    public init() { storage = BigIntStorage() }

    /// The value of a machine integer.
    public init(_ value: Int) {
        storage = BigIntStorage()
        ccc_mpz_set_i64(storage.ptr, Int64(value))
    }

    /// The value of a signed 64-bit integer.
    public init(_ value: Int64) {
        storage = BigIntStorage()
        ccc_mpz_set_i64(storage.ptr, value)
    }

    /// The value of an unsigned 64-bit integer.
    public init(_ value: UInt64) {
        storage = BigIntStorage()
        ccc_mpz_set_u64(storage.ptr, value)
    }

    /// Parses a decimal (`radix: 10`) or hexadecimal (`radix: 16`) string: an optional sign, for
    /// hexadecimal an optional `0x` prefix, then at least one digit; nothing else (no spaces).
    /// - Throws: ``CryptoCoreError/malformedInput(_:)`` for anything else,
    ///   ``CryptoCoreError/invalidArgument(_:)`` for another radix.
    public init(parsing string: String, radix: Int = 10) throws(CryptoCoreError) {
        guard radix == 10 || radix == 16 else { throw .invalidArgument("radix \(radix): only 10 and 16 are supported") }
        let s = BigIntStorage()
        let utf8 = Array(string.utf8) + [0]  // never empty, so the buffer has a base address
        let status = utf8.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { p in
                ccc_mpz_set_str(s.ptr, p, buf.count - 1, Int32(radix))
            }
        }
        guard status == CCC_OK else {
            let shown = string.count > 40 ? String(string.prefix(40)) + "…" : string
            throw .malformedInput("not a base-\(radix) integer: \"\(shown)\"")
        }
        storage = s
    }

    /// The non-negative integer whose big-endian bytes are `bytes` (empty: zero).
    public init(bigEndianBytes bytes: [UInt8]) {
        let s = BigIntStorage()
        _ = bytes.withUnsafeBufferPointer { ccc_mpz_from_bytes(s.ptr, $0.baseAddress, $0.count) }
        storage = s
    }

    // MARK: storage access

    @inline(__always)
    func withPtr<R>(_ body: (UnsafePointer<__mpz_struct>) throws(CryptoCoreError) -> R) throws(CryptoCoreError) -> R {
        defer { withExtendedLifetime(storage) {} }
        return try body(UnsafePointer(storage.ptr))
    }

    @inline(__always)
    func read<R>(_ body: (UnsafePointer<__mpz_struct>) -> R) -> R {
        defer { withExtendedLifetime(storage) {} }
        return body(UnsafePointer(storage.ptr))
    }

    /// Runs `body` on a fresh result and wraps it.
    @inline(__always)
    static func make(_ body: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> BigInt {
        let s = BigIntStorage()
        body(s.ptr)
        return BigInt(storage: s)
    }

    @inline(__always)
    static func makeChecked(_ context: @autoclosure () -> String,
                            _ body: (UnsafeMutablePointer<__mpz_struct>) -> ccc_status) throws(CryptoCoreError) -> BigInt {
        let s = BigIntStorage()
        try CryptoCoreError.check(body(s.ptr), context())
        return BigInt(storage: s)
    }

    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = BigIntStorage(copying: storage) }
    }

    // MARK: properties

    /// -1, 0 or 1.
    public var signum: Int { read { Int(ccc_mpz_sgn($0)) } }
    /// Whether the value is zero.
    public var isZero: Bool { signum == 0 }
    /// Whether the value is below zero.
    public var isNegative: Bool { signum < 0 }
    /// Whether the value is odd.
    public var isOdd: Bool { read { ccc_mpz_tstbit($0, 0) != 0 } }
    /// Number of bits of the magnitude (0 for zero): `2^(bitWidth-1) <= |self| < 2^bitWidth`.
    public var bitWidth: Int { read { Int(ccc_mpz_bit_length($0)) } }
    /// The value as `Int64` when it fits, `nil` otherwise.
    public var int64Value: Int64? {
        read { p in
            var v: Int64 = 0
            return ccc_mpz_get_i64(&v, p) != 0 ? v : nil
        }
    }
    /// The value as `UInt64` when `0 <= self < 2^64`, `nil` otherwise.
    public var uint64Value: UInt64? {
        read { p in
            var v: UInt64 = 0
            return ccc_mpz_get_u64(&v, p) != 0 ? v : nil
        }
    }
    /// Bit `index` of the two's-complement representation (infinitely sign-extended).
    public func bit(_ index: Int) -> Bool {
        guard index >= 0 else { return false }
        return read { ccc_mpz_tstbit($0, UInt64(index)) != 0 }
    }

    // MARK: conversions

    /// Big-endian bytes of a non-negative value: minimal length (empty for zero) when `width` is
    /// `nil`, otherwise exactly `width` bytes, left-padded with zeros.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for a negative value or width,
    ///   ``CryptoCoreError/sizeMismatch(expected:actual:)`` when the value needs more than `width` bytes.
    public func bytes(width: Int? = nil) throws(CryptoCoreError) -> [UInt8] {
        guard !isNegative else { throw .invalidArgument("bytes of a negative integer") }
        let need = read { ccc_mpz_byte_length($0) }
        let len: Int
        if let w = width {
            guard w >= 0 else { throw .invalidArgument("negative byte width \(w)") }
            guard need <= w else { throw .sizeMismatch(expected: w, actual: need) }
            len = w
        } else {
            len = need
        }
        var out = [UInt8](repeating: 0, count: len)
        let status = out.withUnsafeMutableBufferPointer { b in read { ccc_mpz_to_bytes(b.baseAddress, len, $0) } }
        try CryptoCoreError.check(status, "BigInt.bytes")
        return out
    }

    /// The value in base 10 or 16 (lower-case digits, a leading `-` when negative, no prefix).
    public func toString(radix: Int = 10) -> String {
        let r: Int32 = radix == 16 ? 16 : 10
        return read { p in
            let cap = ccc_mpz_str_capacity(p, r)
            var buf = [CChar](repeating: 0, count: cap)
            _ = buf.withUnsafeMutableBufferPointer { ccc_mpz_get_str($0.baseAddress, cap, p, r) }
            let end = buf.firstIndex(of: 0) ?? buf.count
            return String(decoding: buf[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    // MARK: arithmetic

    /// Sum.
    public static func + (a: BigInt, b: BigInt) -> BigInt { a.read { x in b.read { y in make { ccc_mpz_add($0, x, y) } } } }
    /// Difference.
    public static func - (a: BigInt, b: BigInt) -> BigInt { a.read { x in b.read { y in make { ccc_mpz_sub($0, x, y) } } } }
    /// Product.
    public static func * (a: BigInt, b: BigInt) -> BigInt { a.read { x in b.read { y in make { ccc_mpz_mul($0, x, y) } } } }
    /// Negation.
    public static prefix func - (a: BigInt) -> BigInt { a.read { x in make { ccc_mpz_neg($0, x) } } }
    /// Absolute value.
    public var magnitude: BigInt { read { x in BigInt.make { ccc_mpz_abs($0, x) } } }

    /// Adds in place.
    public static func += (a: inout BigInt, b: BigInt) { a = a + b }
    /// Subtracts in place.
    public static func -= (a: inout BigInt, b: BigInt) { a = a - b }
    /// Multiplies in place.
    public static func *= (a: inout BigInt, b: BigInt) { a = a * b }

    /// Truncating quotient and remainder (like `Int`): `q = trunc(a / b)`, `r = a - q·b`, and `r`
    /// has the sign of `a`.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` when `divisor` is zero.
    public func quotientAndRemainder(dividingBy divisor: BigInt) throws(CryptoCoreError) -> (quotient: BigInt, remainder: BigInt) {
        let q = BigIntStorage(), r = BigIntStorage()
        let status = read { x in divisor.read { y in ccc_mpz_tdiv_qr(q.ptr, r.ptr, x, y) } }
        guard status == CCC_OK else { throw .invalidArgument("division by zero") }
        return (BigInt(storage: q), BigInt(storage: r))
    }

    /// Floor quotient and remainder: `q = floor(a / b)`, `r = a - q·b`, and `r` has the sign of `b`.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` when `divisor` is zero.
    public func floorDivided(by divisor: BigInt) throws(CryptoCoreError) -> (quotient: BigInt, remainder: BigInt) {
        let q = BigIntStorage(), r = BigIntStorage()
        let status = read { x in divisor.read { y in ccc_mpz_fdiv_qr(q.ptr, r.ptr, x, y) } }
        guard status == CCC_OK else { throw .invalidArgument("division by zero") }
        return (BigInt(storage: q), BigInt(storage: r))
    }

    /// Truncating division (rounds towards zero, like `Int`).
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` when `b` is zero.
    public static func / (a: BigInt, b: BigInt) throws(CryptoCoreError) -> BigInt {
        try a.quotientAndRemainder(dividingBy: b).quotient
    }

    /// Truncating remainder: the sign of the dividend, like `Int`'s `%`.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` when `b` is zero.
    public static func % (a: BigInt, b: BigInt) throws(CryptoCoreError) -> BigInt {
        try a.quotientAndRemainder(dividingBy: b).remainder
    }

    /// The least non-negative residue `self mod m`, in `[0, m)`.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `m > 0`.
    public func modulo(_ m: BigInt) throws(CryptoCoreError) -> BigInt {
        guard m.signum > 0 else { throw .invalidArgument("modulus must be positive, got \(m)") }
        return try withPtr { x throws(CryptoCoreError) in
            try m.withPtr { y throws(CryptoCoreError) in try BigInt.makeChecked("BigInt.modulo") { ccc_mpz_mod($0, x, y) } }
        }
    }

    /// `self · 2^count` (`count >= 0`) or `floor(self / 2^-count)` (`count < 0`).
    public static func << (a: BigInt, count: Int) -> BigInt {
        a.read { x in
            count >= 0 ? make { ccc_mpz_shl($0, x, UInt64(count)) } : make { ccc_mpz_shr($0, x, UInt64(count.magnitude)) }
        }
    }

    /// `floor(self / 2^count)` (arithmetic shift; `count < 0` shifts left).
    public static func >> (a: BigInt, count: Int) -> BigInt {
        a.read { x in
            count >= 0 ? make { ccc_mpz_shr($0, x, UInt64(count)) } : make { ccc_mpz_shl($0, x, UInt64(count.magnitude)) }
        }
    }

    /// `self^exponent` over the integers.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for a negative exponent or a result of
    ///   more than `maxBits` bits (default 2^24).
    public func power(_ exponent: Int, maxBits: Int = 1 << 24) throws(CryptoCoreError) -> BigInt {
        guard exponent >= 0 else { throw .invalidArgument("negative exponent \(exponent) over the integers") }
        guard maxBits > 0 else { throw .invalidArgument("maxBits must be positive") }
        return try withPtr { x throws(CryptoCoreError) in
            try BigInt.makeChecked("BigInt.power: result exceeds \(maxBits) bits") {
                ccc_mpz_pow_u64($0, x, UInt64(exponent), UInt64(maxBits))
            }
        }
    }

    /// `self^exponent mod modulus`, in `[0, modulus)`.
    ///
    /// - `variableTime: true` runs GMP's `mpz_powm`, whose time depends on the exponent and base:
    ///   use it for public exponents only. A negative exponent uses the inverse of `self`.
    /// - `variableTime: false` runs `mpz_powm_sec` (time depends only on the operand sizes):
    ///   for secret exponents. It needs an odd modulus > 1 and a non-negative exponent.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for a modulus <= 0, for the constant-time
    ///   path with an even modulus or negative exponent; ``CryptoCoreError/notInvertible`` for a
    ///   negative exponent when `gcd(self, modulus) != 1`.
    public func power(_ exponent: BigInt, modulus: BigInt, variableTime: Bool) throws(CryptoCoreError) -> BigInt {
        guard modulus.signum > 0 else { throw .invalidArgument("modulus must be positive, got \(modulus)") }
        if !variableTime {
            guard modulus.isOdd, modulus.bitWidth > 1 else {
                throw .invalidArgument("constant-time exponentiation needs an odd modulus > 1")
            }
            guard !exponent.isNegative else {
                throw .invalidArgument("constant-time exponentiation needs a non-negative exponent")
            }
        }
        return try withPtr { b throws(CryptoCoreError) in
            try exponent.withPtr { e throws(CryptoCoreError) in
                try modulus.withPtr { m throws(CryptoCoreError) in
                    try BigInt.makeChecked("BigInt.power(_:modulus:)") {
                        variableTime ? ccc_powm_vartime($0, b, e, m) : ccc_powm_sec($0, b, e, m)
                    }
                }
            }
        }
    }

    /// The inverse of `self` modulo `modulus`, in `[0, modulus)`.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `modulus > 0`;
    ///   ``CryptoCoreError/notInvertible`` when `gcd(self, modulus) != 1`.
    public func inverse(modulo modulus: BigInt) throws(CryptoCoreError) -> BigInt {
        guard modulus.signum > 0 else { throw .invalidArgument("modulus must be positive, got \(modulus)") }
        return try withPtr { a throws(CryptoCoreError) in
            try modulus.withPtr { m throws(CryptoCoreError) in
                try BigInt.makeChecked("BigInt.inverse") { ccc_mpz_invert($0, a, m) }
            }
        }
    }

    /// The greatest common divisor (non-negative; `gcd(0, 0) = 0`).
    public static func gcd(_ a: BigInt, _ b: BigInt) -> BigInt { a.read { x in b.read { y in make { ccc_mpz_gcd($0, x, y) } } } }

    /// The least common multiple (non-negative; 0 if either is 0).
    public static func lcm(_ a: BigInt, _ b: BigInt) -> BigInt { a.read { x in b.read { y in make { ccc_mpz_lcm($0, x, y) } } } }

    // MARK: randomness and primes

    /// A uniform value in `[0, bound)` by rejection sampling on `bound.bitWidth` random bits.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `bound > 0`.
    public static func random<R: CryptoRandomSource>(below bound: BigInt, using rng: inout R) throws(CryptoCoreError) -> BigInt {
        guard bound.signum > 0 else { throw .invalidArgument("random(below:) needs a positive bound, got \(bound)") }
        let bits = bound.bitWidth
        let nbytes = (bits + 7) / 8
        let topMask = UInt8(truncatingIfNeeded: (1 << (bits - (nbytes - 1) * 8)) - 1)
        var buf = [UInt8](repeating: 0, count: nbytes)
        defer { buf.withUnsafeMutableBytes { ccc_memzero($0.baseAddress, $0.count) } }
        while true {  // accepts with probability > 1/2 each round
            buf.withUnsafeMutableBytes { rng.fill($0) }
            buf[0] &= topMask
            let candidate = BigInt(bigEndianBytes: buf)
            if candidate < bound { return candidate }
        }
    }

    /// A uniform value of `bits` random bits, in `[0, 2^bits)`.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` for a negative `bits`.
    public static func random<R: CryptoRandomSource>(bits: Int, using rng: inout R) throws(CryptoCoreError) -> BigInt {
        guard bits >= 0 else { throw .invalidArgument("negative bit count \(bits)") }
        if bits == 0 { return BigInt() }
        return try random(below: BigInt(1) << bits, using: &rng)
    }

    /// Whether `self` is (probably) prime: GMP's Baillie-PSW test plus `rounds - 24` Miller-Rabin
    /// rounds with random bases (error probability far below 2^-80 for `rounds = 30`).
    public func isProbablePrime(rounds: Int = 30) -> Bool {
        read { ccc_mpz_probab_prime($0, Int32(clamping: max(rounds, 1))) } != 0
    }

    /// A random prime of exactly `bits` bits whose two most significant bits are set (so the
    /// product of two such primes has exactly `2·bits` bits, as RSA and Paillier moduli need).
    /// Candidates are uniform odd `bits`-bit integers with those two bits set, tested with
    /// ``isProbablePrime(rounds:)``.
    /// - Throws: ``CryptoCoreError/invalidArgument(_:)`` unless `3 <= bits <= 16384`.
    public static func randomPrime<R: CryptoRandomSource>(bits: Int, using rng: inout R) throws(CryptoCoreError) -> BigInt {
        guard bits >= 3, bits <= 16384 else { throw .invalidArgument("prime size \(bits) bits outside 3...16384") }
        let nbytes = (bits + 7) / 8
        let topBits = bits - (nbytes - 1) * 8  // bits used in the first byte, 1...8
        var buf = [UInt8](repeating: 0, count: nbytes)
        defer { buf.withUnsafeMutableBytes { ccc_memzero($0.baseAddress, $0.count) } }
        while true {
            buf.withUnsafeMutableBytes { rng.fill($0) }
            buf[0] &= UInt8(truncatingIfNeeded: (1 << topBits) - 1)
            var c = BigInt(bigEndianBytes: buf)
            c = c.settingBit(bits - 1).settingBit(bits - 2).settingBit(0)
            if c.isProbablePrime() { return c }
        }
    }

    func settingBit(_ i: Int) -> BigInt {
        bit(i) ? self : self + (BigInt(1) << i)
    }
}

extension BigInt: ExpressibleByIntegerLiteral {
    /// An integer literal.
    public init(integerLiteral value: Int) { self.init(value) }
}

extension BigInt: Comparable, Hashable {
    /// Numeric equality.
    public static func == (a: BigInt, b: BigInt) -> Bool { a.read { x in b.read { y in ccc_mpz_cmp(x, y) == 0 } } }
    /// Numeric order.
    public static func < (a: BigInt, b: BigInt) -> Bool { a.read { x in b.read { y in ccc_mpz_cmp(x, y) < 0 } } }

    /// Hashes the sign and the limbs of the magnitude.
    public func hash(into hasher: inout Hasher) {
        read { p in
            hasher.combine(ccc_mpz_sgn(p))
            let n = ccc_mpz_size(p)
            if n > 0, let limbs = ccc_mpz_limbs(p) {
                hasher.combine(bytes: UnsafeRawBufferPointer(start: limbs, count: n * MemoryLayout<mp_limb_t>.size))
            }
        }
    }
}

extension BigInt: CustomStringConvertible, LosslessStringConvertible {
    /// Decimal digits.
    public var description: String { toString(radix: 10) }

    /// Parses a decimal string (see ``init(parsing:radix:)``); `nil` when malformed.
    public init?(_ description: String) {
        guard let v = try? BigInt(parsing: description, radix: 10) else { return nil }
        self = v
    }
}

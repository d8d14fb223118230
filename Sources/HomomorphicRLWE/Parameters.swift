import CryptoCore
import Foundation

/// The two RLWE schemes.
public enum RLWEScheme: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// Brakerski/Fan–Vercauteren: exact arithmetic modulo a plaintext modulus `t`.
    case bfv = 1
    /// Cheon–Kim–Kim–Song: approximate arithmetic on real numbers with rescaling.
    case ckks = 2

    public var description: String { self == .bfv ? "bfv" : "ckks" }
}

/// Whether parameters are checked against the security table.
public enum SecurityLevel: UInt8, Sendable, Hashable {
    /// 128-bit classical security for ternary secrets (HomomorphicEncryption.org standard,
    /// Albrecht et al. 2018, Table 1; the same table as SEAL's `hestdparms.h`).
    case classical128 = 1
    /// No check: for tests and experiments only.
    case unchecked = 0

    /// Maximum total modulus bits (ciphertext primes plus special primes) for 128-bit
    /// classical security with a ternary secret, by ring degree.
    public static func maximumModulusBits(degree: Int) -> Int? {
        switch degree {
        case 1024: return 27
        case 2048: return 54
        case 4096: return 109
        case 8192: return 218
        case 16384: return 438
        case 32768: return 881
        default: return nil
        }
    }
}

/// Parameters of an RLWE scheme: ring degree `n`, the RNS ciphertext modulus chain
/// `Q = q_0 ⋯ q_{L-1}`, one special prime `P` for hybrid key switching, and the plaintext modulus
/// `t` (BFV) or the default scale `Δ` (CKKS).
///
/// The initializer validates everything, including 128-bit security (unless `security` is
/// ``SecurityLevel/unchecked``): the bit length of `Q·P` must not exceed
/// ``SecurityLevel/maximumModulusBits(degree:)``.
public struct RLWEParameters: Sendable, Hashable, CustomStringConvertible {
    public let scheme: RLWEScheme
    /// Ring degree `n` (a power of two, 16…32768).
    public let degree: Int
    /// Ciphertext primes `q_0 … q_{L-1}`, each `≡ 1 mod 2n`, below 2^61. CKKS rescaling and BFV
    /// modulus switching drop them from the end.
    public let ciphertextModuli: [UInt64]
    /// The special key-switching prime `P` (≡ 1 mod 2n, distinct from the `q_i`).
    public let specialModulus: UInt64
    /// BFV plaintext modulus `t` (coprime to every prime; batching needs a prime `t ≡ 1 mod 2n`).
    /// 0 for CKKS.
    public let plaintextModulus: UInt64
    /// CKKS default encoding scale (0 for BFV).
    public let scale: Double
    public let security: SecurityLevel

    /// Number of ciphertext primes `L` (the top level).
    public var levelCount: Int { ciphertextModuli.count }
    /// Bit length of `Q·P` (the figure checked against the security table).
    public var totalModulusBits: Int {
        Int((ciphertextModuli + [specialModulus]).reduce(0.0) { $0 + log2(Double($1)) }.rounded(.down)) + 1
    }
    /// Number of SIMD slots: `n` for BFV (two rows of `n/2`), `n/2` complex slots for CKKS.
    public var slotCount: Int { scheme == .bfv ? degree : degree / 2 }

    /// Validated parameters. See the type's documentation for the conditions.
    public init(scheme: RLWEScheme, degree: Int, ciphertextModuli: [UInt64], specialModulus: UInt64,
                plaintextModulus: UInt64 = 0, scale: Double = 0, security: SecurityLevel = .classical128) throws(RLWEError) {
        guard degree >= 16, degree <= 32768, degree & (degree - 1) == 0 else {
            throw .invalidParameters("ring degree \(degree) is not a power of two in 16…32768")
        }
        guard !ciphertextModuli.isEmpty, ciphertextModuli.count <= 60 else {
            throw .invalidParameters("between 1 and 60 ciphertext primes are needed, got \(ciphertextModuli.count)")
        }
        let all = ciphertextModuli + [specialModulus]
        guard Set(all).count == all.count else { throw .invalidParameters("the primes must be distinct") }
        for q in all {
            guard q >= 1 << 14, q < 1 << 61 else { throw .invalidParameters("prime \(q) is outside 2^14…2^61") }
            guard NTTPrimes.isPrime(q) else { throw .invalidParameters("\(q) is not prime") }
            guard q % UInt64(2 * degree) == 1 else { throw .invalidParameters("\(q) is not 1 mod 2n = \(2 * degree)") }
        }
        switch scheme {
        case .bfv:
            guard plaintextModulus >= 2, plaintextModulus < 1 << 61 else {
                throw .invalidParameters("plaintext modulus \(plaintextModulus) must be in 2…2^61")
            }
            for q in all where gcd(q, plaintextModulus) != 1 {
                throw .invalidParameters("plaintext modulus \(plaintextModulus) shares a factor with \(q)")
            }
            let qBits = ciphertextModuli.reduce(0.0) { $0 + log2(Double($1)) }
            guard qBits > log2(Double(plaintextModulus)) + 8 else {
                throw .invalidParameters("Q (\(Int(qBits)) bits) leaves no room for t (\(64 - plaintextModulus.leadingZeroBitCount) bits)")
            }
            guard scale == 0 else { throw .invalidParameters("BFV has no scale") }
        case .ckks:
            guard plaintextModulus == 0 else { throw .invalidParameters("CKKS has no plaintext modulus") }
            guard scale.isFinite, scale >= 2, log2(scale) < 61 else {
                throw .invalidParameters("CKKS scale \(scale) must be in [2, 2^61)")
            }
        }
        self.scheme = scheme
        self.degree = degree
        self.ciphertextModuli = ciphertextModuli
        self.specialModulus = specialModulus
        self.plaintextModulus = plaintextModulus
        self.scale = scale
        self.security = security
        if security == .classical128 {
            guard let maxBits = SecurityLevel.maximumModulusBits(degree: degree) else {
                throw .insecureParameters(degree: degree, modulusBits: totalModulusBits, maximumBits: 0)
            }
            guard totalModulusBits <= maxBits else {
                throw .insecureParameters(degree: degree, modulusBits: totalModulusBits, maximumBits: maxBits)
            }
        }
    }

    /// Parameters whose primes are generated: the largest primes `≡ 1 mod 2n` of the given bit
    /// sizes (deterministic), the special prime last.
    public init(scheme: RLWEScheme, degree: Int, primeBits: [Int], specialPrimeBits: Int,
                plaintextModulus: UInt64 = 0, scale: Double = 0, security: SecurityLevel = .classical128) throws(RLWEError) {
        let primes = try Self.generatePrimes(bits: primeBits + [specialPrimeBits], degree: degree)
        try self.init(scheme: scheme, degree: degree, ciphertextModuli: Array(primes.dropLast()),
                      specialModulus: primes.last!, plaintextModulus: plaintextModulus, scale: scale, security: security)
    }

    /// Distinct NTT-friendly primes of the given bit sizes, in the order of `bits`.
    static func generatePrimes(bits: [Int], degree: Int, excluding: Set<UInt64> = []) throws(RLWEError) -> [UInt64] {
        guard degree >= 16, degree & (degree - 1) == 0 else { throw .invalidParameters("ring degree \(degree) is not a power of two") }
        var pools: [Int: [UInt64]] = [:]
        for b in Set(bits) {
            guard (15...61).contains(b) else { throw .invalidParameters("prime size \(b) bits outside 15…61") }
            let need = bits.filter { $0 == b }.count + excluding.count
            let found = try core { () throws(CryptoCoreError) in try NTTPrimes.generate(count: need, bits: b, degree: degree) }
            pools[b] = found.filter { !excluding.contains($0) }
        }
        var out: [UInt64] = []
        for b in bits { out.append(pools[b]!.removeFirst()) }
        return out
    }

    /// The smallest prime `t ≡ 1 mod 2n` with at least `bits` bits (a batching plaintext modulus).
    public static func batchingPlaintextModulus(bits: Int, degree: Int) throws(RLWEError) -> UInt64 {
        guard (2...60).contains(bits) else { throw .invalidParameters("plaintext modulus size \(bits) outside 2…60 bits") }
        let step = UInt64(2 * degree)
        var t = ((UInt64(1) << UInt64(bits - 1)) / step + 1) * step + 1
        while !NTTPrimes.isPrime(t) { t += step }
        return t
    }

    public var description: String {
        let bits = ciphertextModuli.map { String(64 - $0.leadingZeroBitCount) }.joined(separator: "+")
        let sp = 64 - specialModulus.leadingZeroBitCount
        switch scheme {
        case .bfv: return "BFV n=\(degree) Q=\(bits) P=\(sp) bits t=\(plaintextModulus)\(security == .unchecked ? " (unchecked)" : "")"
        case .ckks: return "CKKS n=\(degree) Q=\(bits) P=\(sp) bits scale=2^\(log2(scale))\(security == .unchecked ? " (unchecked)" : "")"
        }
    }
}

func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}

// MARK: - Presets

extension RLWEParameters {
    /// 128-bit presets named by shape: ring degree and total modulus bits (ciphertext primes plus
    /// the special prime, as in SEAL's `BFVDefault`).
    public enum Preset: String, Sendable, CaseIterable {
        /// n = 4096, primes 36+36 bits, special prime 37 bits (109 bits).
        case n4096_logq109
        /// n = 8192, primes 43+43+44+44 bits, special prime 44 bits (218 bits).
        case n8192_logq218
        /// n = 8192, primes 47×4 bits, special prime 30 bits (218 bits): 14 more bits of ciphertext
        /// modulus than ``n8192_logq218`` for BFV with a large t, where the key-switching noise
        /// (≈ 2^25) is negligible next to the noise after a product (the CryptoNets set-up).
        case n8192_logq218_p30
        /// n = 16384, primes 48×3 + 49×5 bits, special prime 49 bits (438 bits).
        case n16384_logq438
        /// n = 32768, primes 55×15 bits, special prime 56 bits (881 bits).
        case n32768_logq881
        /// Test only, not secure: n = 256, primes 50+50 bits, special prime 51 bits.
        case insecure_n256_logq151
        /// Test only, not secure: n = 1024, primes 50×3 bits, special prime 51 bits.
        case insecure_n1024_logq201
        /// Test only, not secure: n = 2048, primes 55×4 bits, special prime 56 bits.
        case insecure_n2048_logq276

        var shape: (degree: Int, bits: [Int], special: Int) {
            switch self {
            case .n4096_logq109: return (4096, [36, 36], 37)
            case .n8192_logq218: return (8192, [43, 43, 44, 44], 44)
            case .n8192_logq218_p30: return (8192, [47, 47, 47, 47], 30)
            case .n16384_logq438: return (16384, [48, 48, 48, 49, 49, 49, 49, 49], 49)
            case .n32768_logq881: return (32768, Array(repeating: 55, count: 15), 56)
            case .insecure_n256_logq151: return (256, [50, 50], 51)
            case .insecure_n1024_logq201: return (1024, [50, 50, 50], 51)
            case .insecure_n2048_logq276: return (2048, [55, 55, 55, 55], 56)
            }
        }

        /// Whether the preset is a test-only set.
        public var isInsecure: Bool { rawValue.hasPrefix("insecure") }
    }

    /// BFV parameters of a preset with plaintext modulus `t`.
    public static func bfv(_ preset: Preset, plaintextModulus: UInt64) throws(RLWEError) -> RLWEParameters {
        let s = preset.shape
        return try RLWEParameters(scheme: .bfv, degree: s.degree, primeBits: s.bits, specialPrimeBits: s.special,
                                  plaintextModulus: plaintextModulus,
                                  security: preset.isInsecure ? .unchecked : .classical128)
    }

    /// CKKS parameters of a preset with the given default scale.
    public static func ckks(_ preset: Preset, scale: Double) throws(RLWEError) -> RLWEParameters {
        let s = preset.shape
        return try RLWEParameters(scheme: .ckks, degree: s.degree, primeBits: s.bits, specialPrimeBits: s.special,
                                  scale: scale, security: preset.isInsecure ? .unchecked : .classical128)
    }
}

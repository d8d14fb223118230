import CryptoCore

/// Samplers of the RLWE distributions. All draw bulk bytes from a ``CryptoRandomSource``:
/// secrets and encryption randomness use a ``SeededRandom`` keyed by 32 bytes of the OS
/// generator (ChaCha20 expansion), public uniform polynomials use a seed that is sent instead
/// of the polynomial.
enum Sampler {
    /// Number of bits on each side of the centred binomial distribution: variance `k/2 = 10.5`
    /// (σ ≈ 3.24, the HE standard's σ = 3.2), support `[-21, 21]`.
    static let binomialK = 21
    static var errorVariance: Double { Double(binomialK) / 2 }

    /// `count` uniform ternary values in {-1, 0, 1} (rejection sampling on bytes: exact).
    static func ternary<R: CryptoRandomSource>(count: Int, using rng: inout R) -> [Int8] {
        var out = [Int8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let bytes = rng.bytes(count - filled + 16)
            for b in bytes where b < 255 && filled < count {
                out[filled] = Int8(b % 3) - 1
                filled += 1
            }
        }
        return out
    }

    /// `count` values of the centred binomial distribution with parameter ``binomialK``
    /// (constant time: popcounts of random words).
    static func centeredBinomial<R: CryptoRandomSource>(count: Int, using rng: inout R) -> [Int64] {
        let bytes = rng.bytes(count * 6)
        var out = [Int64](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { b in
            for i in 0..<count {
                var w: UInt64 = 0
                for k in 0..<6 { w |= UInt64(b[i * 6 + k]) << UInt64(8 * k) }
                let mask: UInt64 = (1 << 21) - 1
                out[i] = Int64((w & mask).nonzeroBitCount) - Int64(((w >> 21) & mask).nonzeroBitCount)
            }
        }
        return out
    }

    /// `count` uniform residues below `q` written to `out` (rejection sampling on masked words).
    static func uniform<R: CryptoRandomSource>(_ out: UnsafeMutablePointer<UInt64>, count: Int, below q: UInt64, using rng: inout R) {
        let mask = UInt64.max >> UInt64((q - 1).leadingZeroBitCount)
        var filled = 0
        while filled < count {
            let want = (count - filled) + (count - filled) / 8 + 8
            var words = [UInt64](repeating: 0, count: want)
            words.withUnsafeMutableBytes { rng.fill($0) }
            for w in words {
                let x = w & mask
                if x < q {
                    out[filled] = x
                    filled += 1
                    if filled == count { break }
                }
            }
        }
    }

    /// A fresh generator keyed by 32 bytes of the operating system's CSPRNG.
    static func freshGenerator() -> SeededRandom { SeededRandom.fresh() }
}

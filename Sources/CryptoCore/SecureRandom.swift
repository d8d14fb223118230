import CCryptoCore

/// A source of cryptographic randomness: the OS generator (``SystemRandom``) or a ChaCha20
/// expansion of a seed (``SeededRandom``).
public protocol CryptoRandomSource: RandomNumberGenerator {
    /// Fills `buffer` with random bytes.
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension CryptoRandomSource {
    /// Returns `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    public mutating func next() -> UInt64 {
        var x: UInt64 = 0
        withUnsafeMutableBytes(of: &x) { fill($0) }
        return x
    }

    /// A uniform value in `0..<bound` by rejection sampling (no modulo bias). `bound` must be > 0.
    public mutating func uniform(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "uniform(below:) needs a positive bound")
        let mask = UInt64.max >> UInt64((bound - 1).leadingZeroBitCount)  // covers bound - 1
        while true {
            let x = next() & mask
            if x < bound { return x }
        }
    }
}

/// The operating system's CSPRNG (libsodium `randombytes_buf`, which uses `getrandom`).
/// Use this for every secret: keys, encryption randomness, masks.
public struct SystemRandom: CryptoRandomSource, Sendable {
    public init() {}

    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        // Fails only if libsodium cannot initialise, i.e. the OS has no random source: an
        // unrecoverable environment fault for a cryptographic library.
        let status = ccc_random_bytes(base, buffer.count)
        precondition(status == CCC_OK, "the OS random generator is unavailable")
    }
}

/// A deterministic generator: the ChaCha20 key stream (IETF, libsodium) keyed by a 32-byte seed.
///
/// Used to expand public seeds (seeded ciphertexts and keys, whose uniform part is sent as a
/// seed) and for reproducible tests. Secrets must come from ``SystemRandom`` or from a seed that
/// was itself drawn from it.
public struct SeededRandom: CryptoRandomSource, Sendable {
    /// The 32-byte seed.
    public let seed: [UInt8]
    private var nonce: [UInt8]
    private var block: UInt32 = 0
    private var buffer: [UInt8] = []
    private var position = 0

    /// Creates the generator for `seed` (exactly 32 bytes) and an optional 12-byte `nonce` that
    /// separates independent streams derived from one seed.
    public init(seed: [UInt8], nonce: [UInt8] = [UInt8](repeating: 0, count: 12)) throws(CryptoCoreError) {
        guard seed.count == 32 else { throw .sizeMismatch(expected: 32, actual: seed.count) }
        guard nonce.count == 12 else { throw .sizeMismatch(expected: 12, actual: nonce.count) }
        self.seed = seed
        self.nonce = nonce
    }

    /// A generator with a fresh seed from the OS generator.
    public static func fresh() -> SeededRandom {
        var sys = SystemRandom()
        return try! SeededRandom(seed: sys.bytes(32))  // 32 bytes by construction
    }

    private mutating func refill() {
        let blocks: UInt32 = 64  // 4 KiB at a time
        if block > UInt32.max - blocks {  // move to the next nonce instead of wrapping
            block = 0
            for i in 0..<12 { nonce[i] &+= 1; if nonce[i] != 0 { break } }
        }
        if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: Int(blocks) * 64) }
        let status = buffer.withUnsafeMutableBufferPointer { out in
            seed.withUnsafeBufferPointer { s in
                nonce.withUnsafeBufferPointer { nn in
                    ccc_chacha20_expand(out.baseAddress, out.count, s.baseAddress, nn.baseAddress, block)
                }
            }
        }
        precondition(status == CCC_OK, "libsodium could not be initialised")
        block += blocks
        position = 0
    }

    public mutating func fill(_ out: UnsafeMutableRawBufferPointer) {
        var written = 0
        while written < out.count {
            if position == buffer.count { refill() }
            let take = min(out.count - written, buffer.count - position)
            buffer.withUnsafeBytes { src in
                out.baseAddress!.advanced(by: written)
                    .copyMemory(from: src.baseAddress!.advanced(by: position), byteCount: take)
            }
            written += take
            position += take
        }
    }
}

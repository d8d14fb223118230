import CryptoCore

/// Errors of the RLWE schemes. Every invalid input to a public `HomomorphicRLWE` API is reported
/// through one of these cases; the module never traps on bad input and never decrypts silently
/// wrong when its noise or precision estimate says the result cannot be trusted.
public enum RLWEError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parameters are inconsistent (ring degree, primes, plaintext modulus, scale).
    case invalidParameters(String)
    /// The total modulus exceeds the HomomorphicEncryption.org 128-bit bound for the degree.
    case insecureParameters(degree: Int, modulusBits: Int, maximumBits: Int)
    /// Objects belong to different parameter sets, levels or scales.
    case parameterMismatch(String)
    /// An argument is outside its documented range.
    case invalidArgument(String)
    /// The operation needs a key the scheme instance does not hold.
    case missingKey(String)
    /// The tracked noise estimate says the result would not decrypt correctly (BFV).
    /// `remainingBits` is the estimated budget the result would have (≤ 0).
    case noiseBudgetExhausted(remainingBits: Double)
    /// Decryption measured an exhausted invariant-noise budget: the plaintext is unreliable.
    case decryptionFailed(noiseBudget: Int)
    /// The CKKS precision estimate dropped below the requested number of bits.
    case precisionExhausted(remainingBits: Double)
    /// No prime is left to drop (modulus switching or rescaling at the last level).
    case levelExhausted
    /// CKKS operands with different scales.
    case scaleMismatch(Double, Double)
    /// Serialized bytes are malformed or do not belong to this context.
    case malformedInput(String)
    /// An error of the arithmetic core.
    case core(CryptoCoreError)

    public var description: String {
        switch self {
        case .invalidParameters(let s): return "invalid parameters: \(s)"
        case .insecureParameters(let n, let b, let m):
            return "insecure parameters: n = \(n) allows at most \(m) modulus bits for 128-bit security, got \(b) (pass security: .unchecked to opt out)"
        case .parameterMismatch(let s): return "parameter mismatch: \(s)"
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .missingKey(let s): return "missing key: \(s)"
        case .noiseBudgetExhausted(let r): return "noise budget exhausted (estimated \(Int(r.rounded(.down))) bits left)"
        case .decryptionFailed(let b): return "decryption failed: invariant noise budget \(b) bits"
        case .precisionExhausted(let r): return "CKKS precision exhausted (estimated \(r) bits left)"
        case .levelExhausted: return "no modulus left to drop"
        case .scaleMismatch(let a, let b): return "scale mismatch: \(a) vs \(b)"
        case .malformedInput(let s): return "malformed input: \(s)"
        case .core(let e): return "core: \(e)"
        }
    }
}

/// Runs a CryptoCore call and maps its error into ``RLWEError``.
@inline(__always)
func core<T>(_ body: () throws(CryptoCoreError) -> T) throws(RLWEError) -> T {
    do { return try body() } catch { throw .core(error) }
}

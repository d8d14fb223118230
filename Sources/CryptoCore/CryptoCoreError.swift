import CCryptoCore

/// Errors of the cryptographic core. Every invalid input to a public CryptoCore API is reported
/// through one of these cases; the library never traps on bad input.
public enum CryptoCoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An argument is outside its documented range.
    case invalidArgument(String)
    /// A modulus that must be prime is composite.
    case notPrime(UInt64)
    /// A ring degree is not a supported power of two.
    case notPowerOfTwo(Int)
    /// Operands or buffers of incompatible sizes.
    case sizeMismatch(expected: Int, actual: Int)
    /// `q` is not congruent to 1 modulo `2n`, so the negacyclic NTT of degree `n` does not exist.
    case noRootOfUnity(modulus: UInt64, degree: Int)
    /// A modulus is outside the bit range a kernel supports.
    case modulusOutOfRange(bits: Int, supported: ClosedRange<Int>)
    /// An element is not invertible modulo the given modulus.
    case notInvertible
    /// Operands belong to different moduli, bases or parameter sets.
    case parameterMismatch(String)
    /// A value cannot be parsed (string, bytes).
    case malformedInput(String)
    /// No suitable prime exists in the requested range.
    case noPrimeFound(String)
    /// The operating system's random generator failed.
    case randomnessUnavailable
    /// A worker thread could not be started.
    case threadFailure
    /// Memory could not be allocated.
    case outOfMemory

    public var description: String {
        switch self {
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .notPrime(let q): return "\(q) is not prime"
        case .notPowerOfTwo(let n): return "ring degree \(n) is not a supported power of two"
        case .sizeMismatch(let e, let a): return "size mismatch: expected \(e), got \(a)"
        case .noRootOfUnity(let q, let n): return "\(q) is not 1 mod 2·\(n): no negacyclic NTT of degree \(n)"
        case .modulusOutOfRange(let b, let r): return "modulus of \(b) bits outside the supported \(r.lowerBound)…\(r.upperBound) bits"
        case .notInvertible: return "element is not invertible"
        case .parameterMismatch(let s): return "parameter mismatch: \(s)"
        case .malformedInput(let s): return "malformed input: \(s)"
        case .noPrimeFound(let s): return "no prime found: \(s)"
        case .randomnessUnavailable: return "the OS random generator is unavailable"
        case .threadFailure: return "a worker thread could not be started"
        case .outOfMemory: return "out of memory"
        }
    }

    /// Maps a C status code to an error; `nil` for `CCC_OK`. `context` names the call for the message.
    static func from(_ status: ccc_status, _ context: @autoclosure () -> String) -> CryptoCoreError? {
        switch status {
        case CCC_OK: return nil
        case CCC_ERR_NOT_INVERTIBLE: return .notInvertible
        case CCC_ERR_OUT_OF_MEMORY: return .outOfMemory
        case CCC_ERR_THREAD: return .threadFailure
        case CCC_ERR_RANDOM: return .randomnessUnavailable
        case CCC_ERR_SIZE_MISMATCH: return .invalidArgument("\(context()): size mismatch")
        case CCC_ERR_NOT_FOUND: return .noPrimeFound(context())
        default: return .invalidArgument("\(context()): status \(status.rawValue)")
        }
    }

    /// Throws the error matching a C status code, if any.
    @inline(__always)
    static func check(_ status: ccc_status, _ context: @autoclosure () -> String) throws(CryptoCoreError) {
        if status != CCC_OK, let e = from(status, context()) { throw e }
    }
}

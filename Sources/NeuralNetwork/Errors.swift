/// Every error the `NeuralNetwork` module throws. Bad input (shapes, files, arguments) is reported
/// with one of these cases, never with a crash.
public enum NeuralNetworkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A tensor or layer received a shape it cannot handle.
    case shapeMismatch(context: String, expected: [Int], actual: [Int])
    /// An argument is out of range (a non-positive size, an empty list, ...).
    case invalidArgument(String)
    /// A layer or model description is inconsistent (bad sizes, unknown kind, chain does not fit).
    case invalidArchitecture(String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A file ends before the data its header announces (`expected` bytes, `actual` present).
    case truncated(what: String, expected: Int, actual: Int)
    /// A model file's header or metadata is malformed.
    case malformedModelFile(String)
    /// A model file declares a format version this library does not read.
    case unsupportedFormatVersion(String)
    /// A tensor in a model file has a dtype other than `F32`.
    case unsupportedDType(tensor: String, dtype: String)
    /// A tensor the architecture needs is absent from a model file.
    case missingTensor(String)
    /// A model file holds a tensor the architecture does not use.
    case unexpectedTensor(String)
    /// A stored tensor contains NaN or an infinity.
    case nonFiniteValue(tensor: String)
    /// An IDX file is malformed.
    case malformedIDX(String)
    /// A CSV file is malformed (`line` is 1-based).
    case malformedCSV(line: Int, reason: String)
    /// gzip/zlib decompression failed.
    case decompression(String)
    /// No bundled model or architecture has this name.
    case unknownModel(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(context, expected, actual):
            return "shape mismatch in \(context): expected \(expected), got \(actual)"
        case let .invalidArgument(s): return "invalid argument: \(s)"
        case let .invalidArchitecture(s): return "invalid architecture: \(s)"
        case let .io(path, reason): return "I/O error on \(path): \(reason)"
        case let .truncated(what, expected, actual):
            return "truncated \(what): expected \(expected) bytes, found \(actual)"
        case let .malformedModelFile(s): return "malformed model file: \(s)"
        case let .unsupportedFormatVersion(v): return "unsupported model format version \(v)"
        case let .unsupportedDType(t, d): return "tensor \(t) has dtype \(d); only F32 is supported"
        case let .missingTensor(t): return "model file lacks tensor \(t)"
        case let .unexpectedTensor(t): return "model file has unexpected tensor \(t)"
        case let .nonFiniteValue(t): return "tensor \(t) contains NaN or infinity"
        case let .malformedIDX(s): return "malformed IDX file: \(s)"
        case let .malformedCSV(line, reason): return "malformed CSV at line \(line): \(reason)"
        case let .decompression(s): return "decompression failed: \(s)"
        case let .unknownModel(s): return "unknown model \(s)"
        }
    }
}

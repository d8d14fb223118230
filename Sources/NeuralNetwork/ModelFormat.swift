import Foundation

/// A trained network with the preprocessing its inputs need and free-form metadata.
public struct ModelFile {
    /// The network (float32 weights).
    public var network: Sequential<Float>
    /// How raw images are turned into network inputs.
    public var preprocessing: Preprocessing
    /// Extra string metadata (`name`, `description`, `training`, `test_accuracy`, ...); the reserved
    /// keys `format`, `format_version`, `architecture` and `preprocessing` are set by the writer.
    public var metadata: [String: String]

    public init(network: Sequential<Float>, preprocessing: Preprocessing, metadata: [String: String] = [:]) {
        self.network = network
        self.preprocessing = preprocessing
        self.metadata = metadata
    }
}

/// Reads and writes `ModelFile`s in the CryptoNetKit model format, version 1: a safetensors
/// container whose `__metadata__` holds the architecture and preprocessing as JSON strings and
/// whose tensors are float32, named like a PyTorch `nn.Sequential` state dict. `ModelFormat.md`
/// documents the layout.
public enum ModelFormat {
    /// Value of the `format` metadata key.
    public static let formatName = "cryptonetkit.model"
    /// The version this library writes and reads.
    public static let version = "1"
    /// Largest header accepted (bytes).
    public static let maxHeaderSize = 16 << 20
    static let reservedKeys: Set<String> = ["format", "format_version", "architecture", "preprocessing"]

    /// Serializes a model.
    public static func encode(_ file: ModelFile) throws -> [UInt8] {
        try file.preprocessing.validate()
        guard file.preprocessing.outputShape == file.network.inputShape else {
            throw NeuralNetworkError.shapeMismatch(context: "preprocessing output vs network input",
                                                   expected: file.network.inputShape, actual: file.preprocessing.outputShape)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<V: Encodable>(_ v: V) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
        var metadata = file.metadata.filter { !reservedKeys.contains($0.key) }
        metadata["format"] = formatName
        metadata["format_version"] = version
        metadata["architecture"] = try json(file.network.architecture)
        metadata["preprocessing"] = try json(file.preprocessing)

        var header: [String: Any] = ["__metadata__": metadata]
        var body = [UInt8]()
        for (name, tensor) in file.network.namedTensors() {
            guard tensor.isFinite else { throw NeuralNetworkError.nonFiniteValue(tensor: name) }
            let begin = body.count
            for v in tensor.scalars { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [begin, body.count]] as [String: Any]
        }
        var headerBytes = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = [UInt8]()
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        return out + headerBytes + body
    }

    /// Writes a model file.
    public static func save(_ file: ModelFile, to url: URL) throws {
        let bytes = try encode(file)
        do { try Data(bytes).write(to: url, options: .atomic) } catch {
            throw NeuralNetworkError.io(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    /// Reads a model file.
    public static func load(from url: URL) throws -> ModelFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw NeuralNetworkError.io(path: url.path, reason: "\(error.localizedDescription)")
        }
        return try decode([UInt8](data))
    }

    /// Parses and validates a model file: header bounds, JSON, format name and version, the
    /// architecture (every layer and the chain of shapes), the preprocessing, every tensor's dtype,
    /// shape, offsets and values, and that the tensors are exactly those the architecture stores.
    public static func decode(_ bytes: [UInt8]) throws -> ModelFile {
        guard bytes.count >= 8 else { throw NeuralNetworkError.truncated(what: "safetensors header length", expected: 8, actual: bytes.count) }
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[i]) }
        guard n >= 2, n <= UInt64(maxHeaderSize) else { throw NeuralNetworkError.malformedModelFile("header length \(n) out of range") }
        let headerSize = Int(n)
        guard bytes.count - 8 >= headerSize else { throw NeuralNetworkError.truncated(what: "safetensors header", expected: headerSize, actual: bytes.count - 8) }
        let headerData = Data(bytes[8..<(8 + headerSize)])
        guard bytes[8] == UInt8(ascii: "{") else { throw NeuralNetworkError.malformedModelFile("header does not start with '{'") }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: headerData) } catch {
            throw NeuralNetworkError.malformedModelFile("header is not valid JSON")
        }
        guard let header = parsed as? [String: Any] else { throw NeuralNetworkError.malformedModelFile("header is not a JSON object") }
        guard let meta = header["__metadata__"] as? [String: Any] else { throw NeuralNetworkError.malformedModelFile("no __metadata__ object") }
        var metadata: [String: String] = [:]
        for (k, v) in meta {
            guard let s = v as? String else { throw NeuralNetworkError.malformedModelFile("metadata value of \(k) is not a string") }
            metadata[k] = s
        }
        guard metadata["format"] == formatName else {
            throw NeuralNetworkError.malformedModelFile("metadata format is \(metadata["format"] ?? "absent"), expected \(formatName)")
        }
        guard let v = metadata["format_version"] else { throw NeuralNetworkError.malformedModelFile("no format_version") }
        guard v == version else { throw NeuralNetworkError.unsupportedFormatVersion(v) }
        let decoder = JSONDecoder()
        let architecture: Architecture, preprocessing: Preprocessing
        do {
            architecture = try decoder.decode(Architecture.self, from: Data((metadata["architecture"] ?? "").utf8))
        } catch { throw NeuralNetworkError.malformedModelFile("architecture JSON: \(error)") }
        do {
            preprocessing = try decoder.decode(Preprocessing.self, from: Data((metadata["preprocessing"] ?? "").utf8))
        } catch { throw NeuralNetworkError.malformedModelFile("preprocessing JSON: \(error)") }
        try preprocessing.validate()
        let network = try Sequential<Float>(architecture: architecture)
        guard preprocessing.outputShape == network.inputShape else {
            throw NeuralNetworkError.shapeMismatch(context: "preprocessing output vs network input", expected: network.inputShape, actual: preprocessing.outputShape)
        }

        let bodyStart = 8 + headerSize
        let bodySize = bytes.count - bodyStart
        var tensors: [String: Tensor<Float>] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shapeAny = info["shape"] as? [Any], let offAny = info["data_offsets"] as? [Any], offAny.count == 2
            else { throw NeuralNetworkError.malformedModelFile("tensor \(name) lacks dtype, shape or data_offsets") }
            let shape = try shapeAny.map { try nonNegativeInt($0, "shape of \(name)") }
            let begin = try nonNegativeInt(offAny[0], "data_offsets of \(name)"), end = try nonNegativeInt(offAny[1], "data_offsets of \(name)")
            guard begin <= end else { throw NeuralNetworkError.malformedModelFile("tensor \(name) has data_offsets [\(begin), \(end)]") }
            guard end <= bodySize else { throw NeuralNetworkError.truncated(what: "tensor \(name)", expected: end, actual: bodySize) }
            ranges.append((begin, end, name))
            // PyTorch's BatchNorm counter: accepted and ignored so a raw state_dict can be saved.
            if name.hasSuffix(".num_batches_tracked") { continue }
            guard dtype == "F32" else { throw NeuralNetworkError.unsupportedDType(tensor: name, dtype: dtype) }
            var count = 1
            for d in shape {
                let (p, o) = count.multipliedReportingOverflow(by: d)
                guard !o, p <= 1 << 31 else { throw NeuralNetworkError.malformedModelFile("tensor \(name) shape \(shape) too large") }
                count = p
            }
            guard end - begin == count * 4 else {
                throw NeuralNetworkError.malformedModelFile("tensor \(name) of shape \(shape) needs \(count * 4) bytes, data_offsets span \(end - begin)")
            }
            var scalars = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let o = bodyStart + begin + 4 * i
                let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                let v = Float(bitPattern: bits)
                guard v.isFinite else { throw NeuralNetworkError.nonFiniteValue(tensor: name) }
                scalars[i] = v
            }
            tensors[name] = try Tensor(shape: shape, scalars: scalars)
        }
        ranges.sort { $0.0 < $1.0 }
        var cursor = 0
        for (b, e, name) in ranges {
            guard b == cursor else { throw NeuralNetworkError.malformedModelFile("tensor \(name) data does not follow the previous tensor (gap or overlap)") }
            cursor = e
        }
        guard cursor == bodySize else { throw NeuralNetworkError.malformedModelFile("\(bodySize - cursor) bytes after the last tensor") }
        try network.load(namedTensors: tensors)
        return ModelFile(network: network, preprocessing: preprocessing, metadata: metadata.filter { !reservedKeys.contains($0.key) })
    }

    private static func nonNegativeInt(_ v: Any, _ what: String) throws -> Int {
        guard let num = v as? NSNumber else {
            throw NeuralNetworkError.malformedModelFile("\(what) must hold integers")
        }
        let d = num.doubleValue
        guard d >= 0, d <= Double(1 << 40), d == d.rounded() else { throw NeuralNetworkError.malformedModelFile("\(what) must hold non-negative integers") }
        return Int(d)
    }
}

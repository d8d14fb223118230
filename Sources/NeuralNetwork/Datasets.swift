import COpenBLAS
import Foundation

/// Labelled images with pixel values scaled to [0, 1], stored `[N, C, H, W]`.
public struct LabeledImages: Sendable {
    /// `[N, C, H, W]`, values in [0, 1] for image data.
    public var images: Tensor<Float>
    /// One class index per image.
    public var labels: [Int]

    /// Checks that there is one non-negative label per image of a rank-4 tensor.
    public init(images: Tensor<Float>, labels: [Int]) throws {
        guard images.rank == 4, images.shape[0] == labels.count else {
            throw NeuralNetworkError.shapeMismatch(context: "LabeledImages", expected: [labels.count, -1, -1, -1], actual: images.shape)
        }
        guard labels.allSatisfy({ $0 >= 0 }) else { throw NeuralNetworkError.invalidArgument("negative label") }
        self.images = images
        self.labels = labels
    }

    /// The number of samples.
    public var count: Int { labels.count }
    /// Per-sample shape `[C, H, W]`.
    public var sampleShape: [Int] { Array(images.shape.dropFirst()) }

    /// A batch of the given samples.
    public func images(at indices: [Int]) -> Tensor<Float> {
        let per = sampleShape.reduce(1, *)
        var out = [Float]()
        out.reserveCapacity(indices.count * per)
        images.scalars.withUnsafeBufferPointer { s in
            for i in indices { out.append(contentsOf: s[(i * per)..<((i + 1) * per)]) }
        }
        return Tensor(unchecked: [indices.count] + sampleShape, out)
    }

    /// The first `n` samples (or all, if fewer).
    public func prefix(_ n: Int) -> LabeledImages {
        let k = max(0, min(n, count))
        return try! LabeledImages(images: images.slice(batch: 0..<k), labels: Array(labels.prefix(k)))
    }

    /// Reads an IDX image file (`[N, H, W]` or `[N, C, H, W]`, unsigned bytes scaled by 1/255, other
    /// types taken as they are) and an IDX label file; each may be raw or gzip-compressed.
    public static func loadIDX(images: URL, labels: URL) throws -> LabeledImages {
        let img = try IDXFile(contentsOf: images)
        let lab = try IDXFile(contentsOf: labels)
        guard img.shape.count == 3 || img.shape.count == 4 else {
            throw NeuralNetworkError.malformedIDX("image file has \(img.shape.count) dimensions; expected 3 or 4")
        }
        guard lab.shape.count == 1, lab.shape[0] == img.shape[0] else {
            throw NeuralNetworkError.malformedIDX("label file shape \(lab.shape) does not match \(img.shape[0]) images")
        }
        let shape = img.shape.count == 3 ? [img.shape[0], 1, img.shape[1], img.shape[2]] : img.shape
        let values = img.dataType == .unsignedByte ? img.floatValues().map { $0 / 255 } : img.floatValues()
        let labels = try lab.integerValues()
        return try LabeledImages(images: Tensor(shape: shape, scalars: values), labels: labels)
    }

    /// Reads a CSV file with one sample per line: the label in column `labelColumn`, then the pixel
    /// values in row-major `[C, H, W]` order, multiplied by `valueScale` (1/255 for raw pixels).
    /// A first line that is not numeric is taken as a header and skipped.
    public static func loadCSV(_ url: URL, sampleShape: [Int], labelColumn: Int = 0, valueScale: Float = 1.0 / 255) throws -> LabeledImages {
        guard sampleShape.count == 3, sampleShape.allSatisfy({ $0 > 0 }) else {
            throw NeuralNetworkError.invalidArgument("CSV sample shape must be [C, H, W], got \(sampleShape)")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw NeuralNetworkError.io(path: url.path, reason: "\(error)") }
        guard let text = String(data: data, encoding: .utf8) else { throw NeuralNetworkError.malformedCSV(line: 1, reason: "not UTF-8") }
        let per = sampleShape.reduce(1, *)
        guard labelColumn >= 0, labelColumn <= per else { throw NeuralNetworkError.invalidArgument("label column \(labelColumn) out of range") }
        var values: [Float] = []
        var labels: [Int] = []
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" }) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if lineNumber == 1, Float(fields[0]) == nil { continue }
            guard fields.count == per + 1 else {
                throw NeuralNetworkError.malformedCSV(line: lineNumber, reason: "\(fields.count) fields, expected \(per + 1)")
            }
            for (j, f) in fields.enumerated() {
                if j == labelColumn {
                    guard let l = Int(f), l >= 0 else { throw NeuralNetworkError.malformedCSV(line: lineNumber, reason: "label '\(f)' is not a non-negative integer") }
                    labels.append(l)
                } else {
                    guard let v = Float(f), v.isFinite else { throw NeuralNetworkError.malformedCSV(line: lineNumber, reason: "value '\(f)' is not a finite number") }
                    values.append(v * valueScale)
                }
            }
        }
        guard !labels.isEmpty else { throw NeuralNetworkError.malformedCSV(line: lineNumber, reason: "no samples") }
        return try LabeledImages(images: Tensor(shape: [labels.count] + sampleShape, scalars: values), labels: labels)
    }
}

/// The MNIST files in their usual names (`train-images-idx3-ubyte[.gz]`, `t10k-...`).
public enum MNIST {
    /// The 60,000 training or 10,000 test images.
    public enum Split: String, Sendable { case train, test }

    /// Loads a split from a directory holding the IDX files, raw or `.gz`.
    public static func load(directory: URL, split: Split) throws -> LabeledImages {
        let prefix = split == .train ? "train" : "t10k"
        func find(_ base: String) throws -> URL {
            for name in [base + ".gz", base] {
                let u = directory.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: u.path) { return u }
            }
            throw NeuralNetworkError.io(path: directory.appendingPathComponent(base).path, reason: "file not found (raw or .gz)")
        }
        return try LabeledImages.loadIDX(images: try find("\(prefix)-images-idx3-ubyte"), labels: try find("\(prefix)-labels-idx1-ubyte"))
    }
}

/// How raw images become network inputs: pad, then normalize per channel.
///
/// Stored as JSON under `preprocessing` in a model file. Applied to images already scaled to [0, 1]:
/// `x -> pad(x, value: 0) -> (x - mean[c]) / std[c]`.
public struct Preprocessing: Codable, Equatable, Sendable {
    /// Expected raw image shape `[C, H, W]` before padding.
    public var inputShape: [Int]
    /// Zero rows/columns added `[top, bottom, left, right]`.
    public var padding: [Int]
    /// Per-channel mean subtracted after padding (one value, or one per channel).
    public var mean: [Double]
    /// Per-channel standard deviation divided by after padding.
    public var std: [Double]

    enum CodingKeys: String, CodingKey { case inputShape = "input_shape", padding, mean, std }

    /// A preprocessing description (checked by `validate()` before use).
    public init(inputShape: [Int], padding: [Int] = [0, 0, 0, 0], mean: [Double] = [0], std: [Double] = [1]) {
        self.inputShape = inputShape
        self.padding = padding
        self.mean = mean
        self.std = std
    }

    /// MNIST 28x28 with the usual mean 0.1307 and deviation 0.3081, padded `[top, bottom, left, right]`.
    public static func mnist(padding: [Int] = [0, 0, 0, 0]) -> Preprocessing {
        Preprocessing(inputShape: [1, 28, 28], padding: padding, mean: [0.1307], std: [0.3081])
    }

    /// The per-sample shape of the network input.
    public var outputShape: [Int] {
        [inputShape[0], inputShape[1] + padding[0] + padding[1], inputShape[2] + padding[2] + padding[3]]
    }

    /// Checks the fields are consistent.
    public func validate() throws {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 && $0 <= 1 << 14 }),
              padding.count == 4, padding.allSatisfy({ $0 >= 0 && $0 <= 1 << 10 }),
              mean.count == 1 || mean.count == inputShape[0], std.count == mean.count,
              mean.allSatisfy({ $0.isFinite }), std.allSatisfy({ $0.isFinite && $0 > 0 })
        else { throw NeuralNetworkError.invalidArgument("inconsistent preprocessing \(self)") }
    }

    /// Pads and normalizes a `[N, C, H, W]` batch.
    public func apply(_ images: Tensor<Float>) throws -> Tensor<Float> {
        try validate()
        guard images.rank == 4, Array(images.shape.dropFirst()) == inputShape else {
            throw NeuralNetworkError.shapeMismatch(context: "preprocessing input", expected: [-1] + inputShape, actual: images.shape)
        }
        let n = images.shape[0], (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        let (oh, ow) = (outputShape[1], outputShape[2])
        var out = [Float](repeating: 0, count: n * c * oh * ow)
        for i in 0..<n {
            for ch in 0..<c {
                let m = Float(mean.count == 1 ? mean[0] : mean[ch]), s = Float(std.count == 1 ? std[0] : std[ch])
                let dst = (i * c + ch) * oh * ow, src = (i * c + ch) * h * w
                for k in 0..<(oh * ow) { out[dst + k] = -m / s }
                for y in 0..<h {
                    for x in 0..<w {
                        out[dst + (y + padding[0]) * ow + x + padding[2]] = (images.scalars[src + y * w + x] - m) / s
                    }
                }
            }
        }
        return Tensor(unchecked: [n, c, oh, ow], out)
    }
}

/// An IDX file (the MNIST container): a magic number giving the element type and rank, big-endian
/// 32-bit dimensions, then the elements in big-endian order. Gzip-compressed files are detected by
/// their magic bytes and inflated with zlib.
public struct IDXFile: Sendable {
    /// The element type, from the third magic byte.
    public enum DataType: UInt8, Sendable {
        case unsignedByte = 0x08, signedByte = 0x09, short = 0x0B, int = 0x0C, float = 0x0D, double = 0x0E
        var size: Int { switch self { case .unsignedByte, .signedByte: 1; case .short: 2; case .int, .float: 4; case .double: 8 } }
    }
    /// The element type.
    public let dataType: DataType
    /// The dimensions.
    public let shape: [Int]
    /// The element bytes (big-endian), `shape.product * dataType.size` of them.
    public let payload: [UInt8]

    /// Reads and parses a file (raw or gzip).
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw NeuralNetworkError.io(path: url.path, reason: "\(error.localizedDescription)") }
        try self.init(bytes: [UInt8](data))
    }

    /// Parses IDX bytes (raw or gzip).
    public init(bytes input: [UInt8]) throws {
        let bytes = input.count >= 2 && input[0] == 0x1F && input[1] == 0x8B ? try gunzip(input) : input
        guard bytes.count >= 4 else { throw NeuralNetworkError.truncated(what: "IDX header", expected: 4, actual: bytes.count) }
        guard bytes[0] == 0, bytes[1] == 0 else { throw NeuralNetworkError.malformedIDX("bad magic \(bytes[0]) \(bytes[1])") }
        guard let type = DataType(rawValue: bytes[2]) else { throw NeuralNetworkError.malformedIDX("unknown data type 0x\(String(bytes[2], radix: 16))") }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw NeuralNetworkError.malformedIDX("rank 0") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { throw NeuralNetworkError.truncated(what: "IDX header", expected: headerSize, actual: bytes.count) }
        var shape: [Int] = []
        var total = type.size
        for d in 0..<rank {
            let o = 4 + 4 * d
            let v = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            shape.append(v)
            let (p, overflow) = total.multipliedReportingOverflow(by: v)
            guard !overflow, p <= 1 << 34 else { throw NeuralNetworkError.malformedIDX("dimensions \(shape) too large") }
            total = p
        }
        guard bytes.count - headerSize >= total else {
            throw NeuralNetworkError.truncated(what: "IDX data", expected: total, actual: bytes.count - headerSize)
        }
        guard bytes.count - headerSize == total else {
            throw NeuralNetworkError.malformedIDX("\(bytes.count - headerSize - total) bytes after the data")
        }
        dataType = type
        self.shape = shape
        payload = Array(bytes[headerSize...])
    }

    private func bigEndian(_ i: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<dataType.size { v = v << 8 | UInt64(payload[i * dataType.size + k]) }
        return v
    }

    /// The elements as `Float`.
    public func floatValues() -> [Float] {
        let n = shape.reduce(1, *)
        switch dataType {
        case .unsignedByte: return payload.map { Float($0) }
        case .signedByte: return payload.map { Float(Int8(bitPattern: $0)) }
        case .short: return (0..<n).map { Float(Int16(bitPattern: UInt16(bigEndian($0)))) }
        case .int: return (0..<n).map { Float(Int32(bitPattern: UInt32(bigEndian($0)))) }
        case .float: return (0..<n).map { Float(bitPattern: UInt32(bigEndian($0))) }
        case .double: return (0..<n).map { Float(Double(bitPattern: bigEndian($0))) }
        }
    }

    /// The elements as integers (labels); throws for floating-point files.
    public func integerValues() throws -> [Int] {
        let n = shape.reduce(1, *)
        switch dataType {
        case .unsignedByte: return payload.map { Int($0) }
        case .signedByte: return payload.map { Int(Int8(bitPattern: $0)) }
        case .short: return (0..<n).map { Int(Int16(bitPattern: UInt16(bigEndian($0)))) }
        case .int: return (0..<n).map { Int(Int32(bitPattern: UInt32(bigEndian($0)))) }
        case .float, .double: throw NeuralNetworkError.malformedIDX("labels must be integers, file holds \(dataType)")
        }
    }
}

/// Inflates gzip (or zlib) data with zlib; throws `.decompression` on corrupt or truncated input.
public func gunzip(_ input: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    var status = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else { throw NeuralNetworkError.decompression("inflateInit2 failed (\(status))") }
    defer { inflateEnd(&stream) }
    var output = [UInt8]()
    output.reserveCapacity(input.count * 4)
    let chunk = 1 << 18
    var buffer = [UInt8](repeating: 0, count: chunk)
    try input.withUnsafeBufferPointer { inp in
        stream.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
        stream.avail_in = uInt(inp.count)
        repeat {
            let produced: Int = buffer.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(chunk)
                status = inflate(&stream, Z_NO_FLUSH)
                return chunk - Int(stream.avail_out)
            }
            output.append(contentsOf: buffer[0..<produced])
            if status == Z_STREAM_END { break }
            guard status == Z_OK || status == Z_BUF_ERROR else {
                throw NeuralNetworkError.decompression("inflate failed (\(status))")
            }
            if produced == 0 { throw NeuralNetworkError.decompression("truncated gzip stream") }
        } while true
    }
    return output
}

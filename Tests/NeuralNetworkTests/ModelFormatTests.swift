import Foundation
import NeuralNetwork
import Testing

/// Builds a safetensors file by hand, the way a PyTorch user would (`safetensors.torch.save_file`).
func safetensorsBytes(metadata: [String: String], tensors: [(String, String, [Int], [UInt8])]) -> [UInt8] {
    var header: [String: Any] = ["__metadata__": metadata]
    var body: [UInt8] = []
    for (name, dtype, shape, data) in tensors {
        header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [body.count, body.count + data.count]] as [String: Any]
        body += data
    }
    let h = [UInt8](try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
    var out: [UInt8] = []
    withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
    return out + h + body
}

func f32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

@Suite("Model format")
struct ModelFormatTests {
    func sampleModel() throws -> ModelFile {
        let net = try Sequential<Float>(architecture: ReferenceModel.cryptonetsBN.trainingArchitecture(activation: .degree4))
        net.initialize(seed: 3)
        var rng = SeededGenerator(seed: 4)
        for layer in net.layers where layer is BatchNorm<Float> {
            try layer.setStateTensor("running_mean", randomFloatTensor([(layer as! BatchNorm<Float>).features], &rng))
        }
        return ModelFile(network: net, preprocessing: ReferenceModel.cryptonetsBN.preprocessing, metadata: ["name": "sample", "note": "ü ✓"])
    }

    /// The standard metadata of a small dense model, for hand-built files.
    func denseMetadata(inFeatures: Int = 4, out: Int = 2) -> [String: String] {
        [
            "format": "cryptonetkit.model", "format_version": "1",
            "architecture": #"{"input_shape":[1,2,2],"layers":[{"type":"flatten"},{"type":"dense","in_features":\#(inFeatures),"out_features":\#(out)}]}"#,
            "preprocessing": #"{"input_shape":[1,2,2],"padding":[0,0,0,0],"mean":[0],"std":[1]}"#,
        ]
    }

    @Test func roundTrip() throws {
        let file = try sampleModel()
        let bytes = try ModelFormat.encode(file)
        let back = try ModelFormat.decode(bytes)
        #expect(back.network.architecture == file.network.architecture)
        #expect(back.preprocessing == file.preprocessing)
        #expect(back.metadata == file.metadata)
        let a = Dictionary(uniqueKeysWithValues: file.network.namedTensors().map { ($0.name, $0.tensor) })
        let b = Dictionary(uniqueKeysWithValues: back.network.namedTensors().map { ($0.name, $0.tensor) })
        #expect(a == b)
        #expect(a["2.running_mean"] == nil && a["1.running_mean"] != nil)
        var rng = SeededGenerator(seed: 1)
        let x = randomFloatTensor([3, 1, 29, 29], &rng)
        #expect(try back.network.forward(x) == file.network.forward(x))
        // Through a file on disk as well.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nn-roundtrip-\(UInt32.random(in: 0...UInt32.max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFormat.save(file, to: url)
        #expect(try ModelFormat.load(from: url).network.forward(x) == file.network.forward(x))
        #expect(try ModelFormat.encode(back) == bytes)
    }

    /// A file written by hand (as from PyTorch, with a BatchNorm counter) loads and computes x W^T + b.
    @Test func handWrittenFileLoads() throws {
        let bytes = safetensorsBytes(metadata: denseMetadata(), tensors: [
            ("1.weight", "F32", [2, 4], f32Bytes([1, 2, 3, 4, 0, 0, 0, -1])),
            ("1.bias", "F32", [2], f32Bytes([0.5, 1])),
            ("1.num_batches_tracked", "I64", [], [7, 0, 0, 0, 0, 0, 0, 0]),
        ])
        let file = try ModelFormat.decode(bytes)
        let y = try file.network.forward(Tensor(shape: [1, 1, 2, 2], scalars: [1, 1, 1, 2]))
        let expected: [Float] = [14.5, -1]   // [1+2+3+8+0.5, -2+1]
        #expect(y.scalars == expected)
    }

    @Test func everyTruncationRejected() throws {
        let bytes = try ModelFormat.encode(try sampleModel())
        var cuts = Array(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)))
        cuts += [1, 7, 8, 9, bytes.count - 1, bytes.count - 4]
        for cut in cuts {
            expectNNError("truncated at \(cut)", { _ = try ModelFormat.decode(Array(bytes[0..<cut])) }) { e in
                switch e {
                case .truncated, .malformedModelFile: return true
                default: return false
                }
            }
        }
        expectNNError("trailing garbage", { _ = try ModelFormat.decode(bytes + [0, 0, 0, 0]) }) {
            if case .malformedModelFile = $0 { return true } else { return false }
        }
    }

    @Test func malformedFilesRejectedWithTypedErrors() throws {
        let good: [(String, String, [Int], [UInt8])] = [("1.weight", "F32", [2, 4], f32Bytes([Float](repeating: 1, count: 8))), ("1.bias", "F32", [2], f32Bytes([0, 0]))]
        #expect(throws: Never.self) { _ = try ModelFormat.decode(safetensorsBytes(metadata: denseMetadata(), tensors: good)) }

        func rejects(_ what: String, _ bytes: [UInt8], _ match: @escaping (NeuralNetworkError) -> Bool) {
            expectNNError(what, { _ = try ModelFormat.decode(bytes) }, match)
        }
        var meta = denseMetadata()
        meta["format_version"] = "2"
        rejects("version 2", safetensorsBytes(metadata: meta, tensors: good)) { $0 == .unsupportedFormatVersion("2") }
        meta = denseMetadata()
        meta["format"] = "something.else"
        rejects("other format", safetensorsBytes(metadata: meta, tensors: good)) { if case .malformedModelFile = $0 { true } else { false } }
        meta = denseMetadata()
        meta["architecture"] = "{not json"
        rejects("bad architecture JSON", safetensorsBytes(metadata: meta, tensors: good)) { if case .malformedModelFile = $0 { true } else { false } }
        rejects("dense in_features does not fit input", safetensorsBytes(metadata: denseMetadata(inFeatures: 5), tensors: good)) {
            if case .invalidArchitecture = $0 { true } else { false }
        }
        meta = denseMetadata()
        meta["architecture"] = #"{"input_shape":[1,2,2],"layers":[{"type":"conv2d","in_channels":1,"out_channels":-3,"kernel_size":[1,1]}]}"#
        rejects("negative channels", safetensorsBytes(metadata: meta, tensors: [])) { if case .invalidArchitecture = $0 { true } else { false } }
        meta["architecture"] = #"{"input_shape":[1,2,2],"layers":[{"type":"teleport"}]}"#
        rejects("unknown layer type", safetensorsBytes(metadata: meta, tensors: [])) { if case .malformedModelFile = $0 { true } else { false } }
        rejects("wrong tensor shape", safetensorsBytes(metadata: denseMetadata(), tensors: [good[0], ("1.bias", "F32", [3], f32Bytes([0, 0, 0]))])) {
            if case .shapeMismatch = $0 { true } else { false }
        }
        rejects("missing tensor", safetensorsBytes(metadata: denseMetadata(), tensors: [good[0]])) { $0 == .missingTensor("1.bias") }
        rejects("unexpected tensor", safetensorsBytes(metadata: denseMetadata(), tensors: good + [("0.weight", "F32", [1], f32Bytes([1]))])) {
            $0 == .unexpectedTensor("0.weight")
        }
        rejects("F16 tensor", safetensorsBytes(metadata: denseMetadata(), tensors: [good[0], ("1.bias", "F16", [2], [0, 0, 0, 0])])) {
            $0 == .unsupportedDType(tensor: "1.bias", dtype: "F16")
        }
        rejects("NaN weight", safetensorsBytes(metadata: denseMetadata(), tensors: [("1.weight", "F32", [2, 4], f32Bytes([1, 1, 1, .nan, 1, 1, 1, 1])), good[1]])) {
            $0 == .nonFiniteValue(tensor: "1.weight")
        }
        rejects("byte count disagrees with shape", safetensorsBytes(metadata: denseMetadata(), tensors: [("1.weight", "F32", [2, 4], f32Bytes([1, 1, 1, 1, 1, 1, 1])), good[1]])) {
            if case .malformedModelFile = $0 { true } else { false }
        }
        var noMeta = safetensorsBytes(metadata: [:], tensors: good)
        rejects("no format metadata", noMeta) { if case .malformedModelFile = $0 { true } else { false } }
        noMeta.replaceSubrange(0..<8, with: [255, 255, 255, 255, 255, 255, 255, 255])
        rejects("absurd header length", noMeta) { if case .malformedModelFile = $0 { true } else { false } }
        var notJSON = safetensorsBytes(metadata: denseMetadata(), tensors: good)
        notJSON[9] = UInt8(ascii: "!")
        rejects("header not JSON", notJSON) { if case .malformedModelFile = $0 { true } else { false } }
        expectNNError("missing file", { _ = try ModelFormat.load(from: URL(fileURLWithPath: "/nonexistent/model.safetensors")) }) {
            if case .io = $0 { true } else { false }
        }
    }

    /// Random byte corruption never crashes the loader: it either loads or throws the typed error.
    @Test func fuzzedBytesNeverCrash() throws {
        let bytes = try ModelFormat.encode(try sampleModel())
        var rng = SeededGenerator(seed: 77)
        var rejected = 0
        for _ in 0..<200 {
            var b = bytes
            let headerEnd = 8 + Int(b[0]) + Int(b[1]) << 8
            for _ in 0..<3 {
                let i = Int(rng.next() % UInt64(min(b.count, headerEnd)))
                b[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            do { _ = try ModelFormat.decode(b) } catch is NeuralNetworkError { rejected += 1 }
        }
        #expect(rejected > 100)
    }
}

import BundledAssets
import Foundation
import NeuralNetwork
import Testing

@Suite("Datasets")
struct DatasetTests {
    func idx(type: UInt8, dims: [Int], payload: [UInt8]) -> [UInt8] {
        var b: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { b += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return b + payload
    }

    @Test func rawIDX() throws {
        let f = try IDXFile(bytes: idx(type: 0x08, dims: [2, 2, 3], payload: Array(0..<12)))
        #expect(f.shape == [2, 2, 3])
        #expect(f.floatValues() == (0..<12).map(Float.init))
        let s = try IDXFile(bytes: idx(type: 0x0B, dims: [2], payload: [0xFF, 0xFE, 0x01, 0x00]))
        #expect(try s.integerValues() == [-2, 256])
        let fl = try IDXFile(bytes: idx(type: 0x0D, dims: [1], payload: [0x3F, 0xC0, 0, 0]))
        #expect(fl.floatValues() == [1.5])
        expectNNError("float labels", { _ = try fl.integerValues() })
    }

    @Test func malformedIDXRejected() {
        let good = idx(type: 0x08, dims: [2, 3], payload: Array(0..<6))
        expectNNError("truncated data", { _ = try IDXFile(bytes: Array(good.dropLast())) }) {
            if case .truncated = $0 { true } else { false }
        }
        expectNNError("truncated header", { _ = try IDXFile(bytes: Array(good.prefix(6))) }) {
            if case .truncated = $0 { true } else { false }
        }
        expectNNError("extra bytes", { _ = try IDXFile(bytes: good + [1]) }) { if case .malformedIDX = $0 { true } else { false } }
        expectNNError("bad magic", { _ = try IDXFile(bytes: [1] + good.dropFirst()) }) { if case .malformedIDX = $0 { true } else { false } }
        expectNNError("bad type", { _ = try IDXFile(bytes: idx(type: 0x07, dims: [1], payload: [0])) }) { if case .malformedIDX = $0 { true } else { false } }
        expectNNError("huge dims", { _ = try IDXFile(bytes: idx(type: 0x0E, dims: [1 << 30, 1 << 30], payload: [])) })
        expectNNError("empty", { _ = try IDXFile(bytes: []) })
    }

    /// The bundled MNIST test set: 10,000 gzip-compressed 28x28 images with labels 0-9.
    @Test func bundledMNISTTestSet() throws {
        let test = try MNIST.load(directory: BundledAssets.mnistDirectory, split: .test)
        #expect(test.count == 10_000)
        #expect(test.sampleShape == [1, 28, 28])
        #expect(Set(test.labels) == Set(0..<10))
        #expect(test.images.scalars.min() == 0 && test.images.scalars.max() == 1)
        #expect(test.labels.prefix(5) == [7, 2, 1, 0, 4])
        expectNNError("no training set bundled", { _ = try MNIST.load(directory: BundledAssets.mnistDirectory, split: .train) }) {
            if case .io = $0 { true } else { false }
        }
    }

    @Test func truncatedGzipRejected() throws {
        let url = BundledAssets.mnistDirectory.appendingPathComponent("t10k-labels-idx1-ubyte.gz")
        let bytes = [UInt8](try Data(contentsOf: url))
        #expect(try IDXFile(bytes: bytes).shape == [10_000])
        expectNNError("truncated gzip", { _ = try IDXFile(bytes: Array(bytes.prefix(bytes.count / 2))) }) {
            if case .decompression = $0 { true } else { false }
        }
        var corrupt = bytes
        corrupt[40] ^= 0xFF
        corrupt[41] ^= 0xFF
        expectNNError("corrupt gzip", { _ = try IDXFile(bytes: corrupt) })
    }

    @Test func csv() throws {
        let dir = FileManager.default.temporaryDirectory
        let url = dir.appendingPathComponent("nn-csv-\(UInt32.random(in: 0...UInt32.max)).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try "label,p0,p1,p2,p3\n3,0,255,51,102\n7,255,255,0,0\n".write(to: url, atomically: true, encoding: .utf8)
        let d = try LabeledImages.loadCSV(url, sampleShape: [1, 2, 2])
        #expect(d.labels == [3, 7])
        #expect(d.images.shape == [2, 1, 2, 2])
        let expected: [Float] = [0, 1, 0.2, 0.4, 1, 1, 0, 0]
        #expect(zip(d.images.scalars, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        for (text, line) in [("1,2,3\n", 1), ("label,a,b,c,d\n1,2,3,4,x\n", 2), ("1,2,3,4,5\n-1,0,0,0,0\n", 2)] {
            try text.write(to: url, atomically: true, encoding: .utf8)
            expectNNError("bad CSV \(text)", { _ = try LabeledImages.loadCSV(url, sampleShape: [1, 2, 2]) }) {
                if case let .malformedCSV(l, _) = $0 { l == line } else { false }
            }
        }
    }

    @Test func preprocessingPadsAndNormalizes() throws {
        let p = Preprocessing(inputShape: [1, 2, 2], padding: [1, 0, 1, 0], mean: [0.5], std: [0.5])
        #expect(p.outputShape == [1, 3, 3])
        let y = try p.apply(Tensor(shape: [1, 1, 2, 2], scalars: [0, 1, 0.5, 1]))
        #expect(y.scalars == [-1, -1, -1, -1, -1, 1, -1, 0, 1])
        expectNNError("wrong input shape", { _ = try p.apply(Tensor(zeros: [1, 1, 3, 3])) })
        expectNNError("zero std", { _ = try Preprocessing(inputShape: [1, 2, 2], std: [0]).apply(Tensor(zeros: [1, 1, 2, 2])) })
    }
}

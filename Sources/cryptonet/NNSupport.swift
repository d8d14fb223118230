import ArgumentParser
import BundledAssets
import Foundation
import NeuralNetwork

/// Helpers shared by the `train`, `evaluate` and `models` commands.
enum NNSupport {
    /// A bundled model name or a path to a model file.
    static func resolveModel(_ nameOrPath: String) throws -> URL {
        if FileManager.default.fileExists(atPath: nameOrPath) { return URL(fileURLWithPath: nameOrPath) }
        if let url = BundledAssets.modelURL(named: nameOrPath) { return url }
        throw NeuralNetworkError.unknownModel(
            "\(nameOrPath): no such file and no bundled model of that name (bundled: \(BundledAssets.modelNames.joined(separator: ", ")))")
    }

    /// Test images: from `directory` if given, else the bundled MNIST test set.
    static func loadTest(directory: String?) throws -> LabeledImages {
        let dir = directory.map { URL(fileURLWithPath: $0) } ?? BundledAssets.mnistDirectory
        return try MNIST.load(directory: dir, split: .test)
    }

    static func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }

    /// A one-line progress bar on stderr.
    static func progressLine(_ p: TrainingProgress) -> String {
        let width = 30
        let filled = p.batches == 0 ? width : p.batch * width / p.batches
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return String(format: "\repoch %d/%d [%@] %d/%d loss %.4f acc %.2f%%", p.epoch, p.epochs, bar, p.batch, p.batches, p.loss, p.accuracy * 100)
    }

    static func percent(_ x: Double) -> String { String(format: "%.2f%%", x * 100) }
}

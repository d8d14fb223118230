import BundledAssets
import Foundation
import NeuralNetwork
import Testing

/// Every bundled reference model loads and reaches its accuracy on the bundled MNIST test set
/// (inference only).
@Suite("Bundled models")
struct BundledModelTests {
    static let test = Result { try MNIST.load(directory: BundledAssets.mnistDirectory, split: .test) }

    @Test(arguments: ReferenceModel.allCases)
    func reachesAccuracy(_ model: ReferenceModel) throws {
        let url = try #require(BundledAssets.modelURL(named: model.rawValue), "model \(model.rawValue) is not bundled")
        let file = try ModelFormat.load(from: url)
        let test = try Self.test.get()
        let evaluation = try Evaluation(model: file.network, data: test, preprocessing: file.preprocessing)
        let stored = try #require(Double(file.metadata["test_accuracy"] ?? ""), "no stored accuracy")
        // The stored figure is what this very file measures (4 decimals).
        #expect(abs(evaluation.accuracy - stored) < 1e-4)
        if let required = model.requiredAccuracy {
            #expect(evaluation.accuracy >= required, "\(model.rawValue): \(evaluation.accuracy) < \(required)")
        } else {
            #expect(evaluation.accuracy >= 0.95, "\(model.rawValue): \(evaluation.accuracy)")
        }
        #expect(file.preprocessing == model.preprocessing)
    }

    @Test func cryptonetsIsTheFiveLayerInferenceNetwork() throws {
        let file = try ModelFormat.load(from: try #require(BundledAssets.modelURL(named: "cryptonets")))
        #expect(file.network.architecture.layers.map(\.type) == [.conv2d, .square, .dense, .square, .dense])
        #expect(file.network.parameterCount == 130 + 84_500 + 100 + 1_000 + 10)
    }

    /// The polynomial model folds to a network without batch norm with the same predictions.
    @Test func cryptonetsBNFolds() throws {
        let file = try ModelFormat.load(from: try #require(BundledAssets.modelURL(named: "cryptonets-bn")))
        let test = try Self.test.get().prefix(1000)
        let folded = try Folding.foldingBatchNorm(file.network)
        let a = try Evaluation(model: file.network, data: test, preprocessing: file.preprocessing)
        let b = try Evaluation(model: folded, data: test, preprocessing: file.preprocessing)
        let agree = zip(a.predictions, b.predictions).filter { $0 == $1 }.count
        #expect(agree >= 998)
    }
}

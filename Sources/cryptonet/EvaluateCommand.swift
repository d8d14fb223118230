import ArgumentParser
import BundledAssets
import Foundation
import NeuralNetwork

/// `cryptonet evaluate`: plaintext accuracy and confusion matrix of a model.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Plaintext accuracy and confusion matrix of a model on MNIST test images (or a CSV file)."
    )

    @Option(help: "Bundled model name (see `cryptonet models`) or path to a model file.")
    var model: String = "cryptonets-bn"

    @Option(help: "Directory with t10k-images-idx3-ubyte[.gz] / t10k-labels-idx1-ubyte[.gz] (default: bundled).")
    var data: String?

    @Option(help: "CSV file instead: label, then the raw pixel values 0-255 of each image.")
    var csv: String?

    @Option(help: "Evaluate the first N images only.")
    var limit: Int?

    @Flag(help: "Print a JSON object (accuracy, count, confusion, ...).")
    var json = false

    func run() throws {
        let url = try NNSupport.resolveModel(model)
        let file = try ModelFormat.load(from: url)
        var test: LabeledImages
        if let csv {
            test = try LabeledImages.loadCSV(URL(fileURLWithPath: csv), sampleShape: file.preprocessing.inputShape)
        } else {
            test = try NNSupport.loadTest(directory: data)
        }
        if let limit { test = test.prefix(limit) }
        let start = Date()
        let evaluation = try Evaluation(model: file.network, data: test, preprocessing: file.preprocessing)
        let seconds = Date().timeIntervalSince(start)
        if json {
            struct Output: Encodable {
                var model: String, path: String, accuracy: Double, count: Int, correct: Int, confusion: [[Int]], seconds: Double
            }
            let correct = (0..<evaluation.confusion.count).reduce(0) { $0 + evaluation.confusion[$1][$1] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Output(
                model: file.metadata["name"] ?? model, path: url.path, accuracy: evaluation.accuracy, count: evaluation.count,
                correct: correct, confusion: evaluation.confusion, seconds: seconds)), as: UTF8.self))
            return
        }
        print("model \(file.metadata["name"] ?? model) (\(url.lastPathComponent)): \(file.network.parameterCount) parameters")
        print("accuracy \(NNSupport.percent(evaluation.accuracy)) on \(evaluation.count) images (" + String(format: "%.2f s", seconds) + ")")
        print("confusion matrix (rows: true class, columns: predicted)")
        let classes = evaluation.confusion.count
        print("     " + (0..<classes).map { String(format: "%6d", $0) }.joined())
        for (i, row) in evaluation.confusion.enumerated() {
            print(String(format: "%4d ", i) + row.map { String(format: "%6d", $0) }.joined())
        }
    }
}

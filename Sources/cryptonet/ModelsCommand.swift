import ArgumentParser
import BundledAssets
import Foundation
import NeuralNetwork

/// `cryptonet models`: lists the bundled models.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the bundled reference models with their test accuracy."
    )

    @Flag(help: "Re-measure each model's accuracy on the bundled test set instead of showing the stored figure.")
    var verify = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        struct Row: Encodable {
            var name: String, parameters: Int, layers: Int, accuracy: Double, measured: Bool, epochs: String, description: String
        }
        var rows: [Row] = []
        let test = verify ? try NNSupport.loadTest(directory: nil) : nil
        for name in BundledAssets.modelNames {
            let file = try ModelFormat.load(from: BundledAssets.modelURL(named: name)!)
            var accuracy = Double(file.metadata["test_accuracy"] ?? "") ?? .nan
            if let test { accuracy = try Evaluation(model: file.network, data: test, preprocessing: file.preprocessing).accuracy }
            rows.append(Row(name: name, parameters: file.network.parameterCount, layers: file.network.layers.count, accuracy: accuracy,
                            measured: verify, epochs: file.metadata["epochs"] ?? "?", description: file.metadata["description"] ?? ""))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print("name                 params  layers  test acc  epochs  description")
        for r in rows {
            print(r.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(format: " %7d  %6d  %7.2f%%  %6@  ", r.parameters, r.layers, r.accuracy * 100, r.epochs) + r.description)
        }
        print(verify ? "(accuracy measured now on the bundled 10,000 MNIST test images)" : "(accuracy stored at training time; --verify re-measures it)")
    }
}

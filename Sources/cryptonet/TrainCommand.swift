import ArgumentParser
import BundledAssets
import Foundation
import NeuralNetwork

/// `cryptonet train`: trains a reference architecture on MNIST and writes a model file.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a reference network on MNIST (plaintext) and save it as a model file.",
        discussion: "Architectures: \(ReferenceModel.allCases.map(\.rawValue).joined(separator: ", ")). "
            + "The training set is read from --data (IDX, raw or .gz); the test set from --test-data or the bundled copy."
    )

    @Argument(help: "Architecture name.")
    var architecture: String

    @Option(help: "Directory with train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz].")
    var data: String

    @Option(help: "Directory with the t10k test files (default: the bundled MNIST test set).")
    var testData: String?

    @Option(help: "Number of epochs (default: the architecture's recipe).")
    var epochs: Int?

    @Option(help: "Random seed (initialization, shuffling, augmentation).")
    var seed: UInt64 = 1

    @Option(help: "Degree of the N(0,1) ReLU fit used by cryptonets-bn: 2, 4 or 6.")
    var degree: Int = 2

    @Option(help: "Train this architecture (JSON: {\"input_shape\": [...], \"layers\": [...]}, see ModelFormat.md) with the named architecture's preprocessing and recipe.")
    var architectureFile: String?

    @Option(help: "Train on the first N training images only.")
    var limit: Int?

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 1

    @Option(help: "Output model file (.safetensors).")
    var output: String

    @Flag(help: "Measure test accuracy after every epoch.")
    var testEachEpoch = false

    func run() throws {
        guard let reference = ReferenceModel(rawValue: architecture) else {
            throw ValidationError("unknown architecture \(architecture); choose one of \(ReferenceModel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let approximation = ReLUApproximation(rawValue: degree) else { throw ValidationError("--degree must be 2, 4 or 6") }
        setBLASThreadCount(threads)
        var train = try MNIST.load(directory: URL(fileURLWithPath: data), split: .train)
        if let limit { train = train.prefix(limit) }
        let test = try NNSupport.loadTest(directory: testData)
        let config = reference.trainingConfiguration(epochs: epochs, seed: seed)
        var trainingArchitecture = reference.trainingArchitecture(activation: approximation)
        if let architectureFile {
            let data = try Data(contentsOf: URL(fileURLWithPath: architectureFile))
            do { trainingArchitecture = try JSONDecoder().decode(Architecture.self, from: data) } catch {
                throw ValidationError("cannot decode \(architectureFile) as an architecture: \(error)")
            }
        }
        let network = try Sequential<Float>(architecture: trainingArchitecture)
        network.initialize(seed: seed)
        let pre = reference.preprocessing
        NNSupport.write("training \(reference.rawValue) (\(network.parameterCount) parameters) on \(train.count) images, \(config.epochs) epochs\n")
        var lastDraw = Date.distantPast
        let reports = try Trainer.train(
            network, on: train, preprocessing: pre, configuration: config, test: testEachEpoch ? test : nil,
            progress: { p in
                if p.batch == p.batches || Date().timeIntervalSince(lastDraw) > 0.25 {
                    NNSupport.write(NNSupport.progressLine(p))
                    lastDraw = Date()
                }
            },
            epochEnd: { r in
                let t = r.testAccuracy.map { " test \(NNSupport.percent($0))" } ?? ""
                NNSupport.write(String(format: "  %.1f s, lr %.2e%@\n", r.seconds, r.learningRate, t))
            })
        let inference = try reference.inferenceNetwork(fromTrained: network)
        let evaluation = try Evaluation(model: inference, data: test, preprocessing: pre)
        let secondsPerEpoch = reports.map(\.seconds).reduce(0, +) / Double(max(1, reports.count))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var description = reference.summary
        if reference == .cryptonetsBN { description += " (degree \(degree))" }
        let metadata: [String: String] = [
            "name": reference.rawValue,
            "description": description,
            "test_accuracy": String(format: "%.4f", evaluation.accuracy),
            "epochs": "\(config.epochs)",
            "seconds_per_epoch": String(format: "%.1f", secondsPerEpoch),
            "seed": "\(seed)",
            "training_images": "\(train.count)",
            "training_configuration": String(decoding: try encoder.encode(config), as: UTF8.self),
            "training_log": String(decoding: try encoder.encode(reports), as: UTF8.self),
            "command": "cryptonet train \(architecture) --data <mnist dir> --epochs \(config.epochs) --seed \(seed)"
                + (reference == .cryptonetsBN && degree != 2 ? " --degree \(degree)" : "") + (limit.map { " --limit \($0)" } ?? "")
                + (architectureFile.map { " --architecture-file \(URL(fileURLWithPath: $0).lastPathComponent)" } ?? "")
                + " --output \(URL(fileURLWithPath: output).lastPathComponent)",
        ]
        try ModelFormat.save(ModelFile(network: inference, preprocessing: pre, metadata: metadata), to: URL(fileURLWithPath: output))
        print("\(reference.rawValue): test accuracy \(NNSupport.percent(evaluation.accuracy)) on \(test.count) images, "
              + String(format: "%.1f s/epoch", secondsPerEpoch) + "; saved \(output)")
        if let required = reference.requiredAccuracy, evaluation.accuracy < required {
            NNSupport.write("warning: below the target accuracy \(NNSupport.percent(required))\n")
        }
    }
}

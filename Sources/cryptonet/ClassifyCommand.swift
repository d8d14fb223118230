import ArgumentParser
import BundledAssets
import CryptoNetsBN
import Foundation
import HomomorphicRLWE
import NeuralNetwork

/// `cryptonet classify`: encrypted batch classification (client and server in one process,
/// exchanging serialized messages only; bytes each way are counted).
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify images under encryption (CryptoNets on BFV with two CRT plaintext primes) and report accuracy, agreement, times and bytes."
    )

    @Option(help: "Bundled model name or path to a model file (this slice: square activations, e.g. cryptonets).")
    var model: String = "cryptonets"

    @Option(name: .customLong("protocol"), help: "Protocol: cryptonets-bn.")
    var protocolName: String = "cryptonets-bn"

    @Option(help: "IDX images file (labels read from the matching *labels-idx1-ubyte[.gz] next to it if present) or a directory with the MNIST test split (default: bundled MNIST test set).")
    var input: String?

    @Option(help: "Classify the first N images only.")
    var limit: Int?

    @Option(help: "Images per batch (at most the slot count; default: the slot count).")
    var batch: Int?

    @Option(help: "Threads for encryption, evaluation and decryption.")
    var threads: Int = 2

    @Option(help: "RLWE parameter preset (128-bit n8192_logq218_p30 by default; insecure_* for tests only).")
    var parameters: String = RLWEParameters.Preset.n8192_logq218_p30.rawValue

    @Option(help: "Calibration images (the first N of the input) used to check the plaintext space.")
    var calibration: Int = 500

    @Option(help: "Write the predictions to this file (.csv or .json).")
    var output: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard protocolName == "cryptonets-bn" else { throw ValidationError("unknown protocol '\(protocolName)' (supported: cryptonets-bn)") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard calibration >= 1 else { throw ValidationError("--calibration must be at least 1") }
        guard RLWEParameters.Preset(rawValue: parameters) != nil else {
            throw ValidationError("unknown parameter preset '\(parameters)' (known: \(RLWEParameters.Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if let output {
            let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
            guard ext == "csv" || ext == "json" else { throw ValidationError("--output must end in .csv or .json") }
        }
    }

    static func loadImages(_ path: String?) throws -> (LabeledImages, labeled: Bool) {
        guard let path else { return (try MNIST.load(directory: BundledAssets.mnistDirectory, split: .test), true) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw ValidationError("--input \(path): no such file or directory") }
        if isDir.boolValue { return (try MNIST.load(directory: URL(fileURLWithPath: path), split: .test), true) }
        let url = URL(fileURLWithPath: path)
        let idx = try IDXFile(contentsOf: url)
        guard idx.shape.count == 3 || idx.shape.count == 4 else { throw ValidationError("--input \(path): IDX images of shape \(idx.shape), expected [N, H, W]") }
        let shape = idx.shape.count == 3 ? [idx.shape[0], 1, idx.shape[1], idx.shape[2]] : idx.shape
        let values = idx.floatValues().map { $0 / 255 }
        let images = try Tensor<Float>(shape: shape, scalars: values)
        let labelsURL = url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent.replacingOccurrences(of: "images-idx3", with: "labels-idx1"))
        if labelsURL != url, FileManager.default.fileExists(atPath: labelsURL.path) {
            return (try LabeledImages(images: images, labels: try IDXFile(contentsOf: labelsURL).integerValues()), true)
        }
        return (try LabeledImages(images: images, labels: [Int](repeating: 0, count: shape[0])), false)
    }

    struct Report: Encodable {
        var model: String
        var `protocol`: String
        var parameters: String
        var plaintextModuli: [UInt64]
        var images: Int
        var batches: Int
        var batchSize: Int
        var threads: Int
        var accuracy: Double?
        var plaintextAccuracy: Double?
        var agreement: Double
        var layerSeconds: [String: Double]
        var keySeconds: Double
        var encryptSeconds: Double
        var evaluateSeconds: Double
        var decryptSeconds: Double
        /// Encryption through decryption (client encrypt + server evaluate + client decrypt), all batches.
        var pipelineSeconds: Double
        var wallSeconds: Double
        var bytesClientToServer: Int
        var bytesServerToClient: Int
        var noiseBudgetBits: Int
        var plan: [String]
    }

    func run() throws {
        let wallStart = Date()
        let url = try NNSupport.resolveModel(model)
        let file = try ModelFormat.load(from: url)
        var (data, labeled) = try Self.loadImages(input)
        guard data.sampleShape == file.preprocessing.inputShape else {
            throw ValidationError("images of size \(data.sampleShape) do not match the model's input \(file.preprocessing.inputShape)")
        }
        if let limit { data = data.prefix(limit) }
        let preset = RLWEParameters.Preset(rawValue: parameters)!
        let plan = try PlanCompiler.compile(file, calibration: data.prefix(min(calibration, data.count)).images)
        if !json { for line in plan.explanation { NNSupport.write("plan: \(line)\n") } }

        let keyStart = Date()
        let client = try Client(plan: plan, preset: preset, threads: threads)
        let channel = InProcessChannel()
        var server: Server?
        _ = try channel.request(client.setupMessage()) { m throws(CryptoNetsBNError) in
            server = try Server(plan: plan, setup: m, threads: threads)
            return []
        }
        let keySeconds = Date().timeIntervalSince(keyStart)
        let slots = client.slotCount
        let batchSize = batch ?? slots
        guard batchSize <= slots else { throw ValidationError("--batch \(batchSize) exceeds the \(slots) slots of \(parameters)") }

        let inputs = try plan.quantize(images: data.images)
        let expected = try plan.predictIntegers(inputs)
        var predictions: [Int] = []
        var layerSeconds: [String: Double] = [:]
        var (enc, eval, dec) = (0.0, 0.0, 0.0)
        var budget = Int.max
        var batches = 0
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let chunk = Array(inputs[start..<min(start + batchSize, inputs.count)])
            var t = Date()
            let message = try client.encryptBatch(chunk)
            enc += Date().timeIntervalSince(t); t = Date()
            let reply = try channel.request(message) { m throws(CryptoNetsBNError) in try server!.evaluate(m) }
            eval += Date().timeIntervalSince(t); t = Date()
            let result = try client.decrypt(reply, count: chunk.count)
            dec += Date().timeIntervalSince(t)
            predictions += result.predictions
            budget = min(budget, result.noiseBudgetBits)
            for s in server!.lastTimings { layerSeconds[s.name, default: 0] += s.seconds }
            batches += 1
            NNSupport.write(String(format: "\rclassified %d/%d images (%.1f s)", predictions.count, inputs.count, Date().timeIntervalSince(wallStart)))
        }
        NNSupport.write("\n")

        let n = Double(predictions.count)
        let accuracy = labeled ? Double(zip(predictions, data.labels).filter { $0 == $1 }.count) / n : nil
        let plainAccuracy = labeled ? Double(zip(expected, data.labels).filter { $0 == $1 }.count) / n : nil
        let agreement = Double(zip(predictions, expected).filter { $0 == $1 }.count) / n
        let report = Report(model: file.metadata["name"] ?? model, protocol: protocolName, parameters: parameters,
                            plaintextModuli: plan.plaintextModuli, images: predictions.count, batches: batches, batchSize: batchSize,
                            threads: threads, accuracy: accuracy, plaintextAccuracy: plainAccuracy, agreement: agreement,
                            layerSeconds: layerSeconds, keySeconds: keySeconds, encryptSeconds: enc, evaluateSeconds: eval,
                            decryptSeconds: dec, pipelineSeconds: enc + eval + dec, wallSeconds: Date().timeIntervalSince(wallStart),
                            bytesClientToServer: channel.bytesClientToServer, bytesServerToClient: channel.bytesServerToClient,
                            noiseBudgetBits: budget, plan: plan.explanation)

        if let output { try writePredictions(output, predictions: predictions, expected: expected, labels: labeled ? data.labels : nil) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("model \(report.model), protocol \(protocolName), \(parameters), plaintext primes \(plan.plaintextModuli)")
        print("\(predictions.count) images in \(batches) batch(es) of up to \(batchSize), \(threads) thread(s)")
        if let accuracy, let plainAccuracy { print("accuracy \(NNSupport.percent(accuracy)) (plaintext integer model \(NNSupport.percent(plainAccuracy)))") }
        print("agreement with the plaintext integer model \(NNSupport.percent(agreement))")
        for s in plan.steps.indices {
            let name: String
            switch plan.steps[s] { case .linear(let l): name = l.name; case .square: name = "square\(s)" }
            print("  " + name.padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: " %8.2f s", layerSeconds[name] ?? 0))
        }
        print(String(format: "keys %.2f s, encrypt %.2f s, evaluate %.2f s, decrypt %.2f s (encryption to decryption %.2f s), wall %.2f s", keySeconds, enc, eval, dec, enc + eval + dec, report.wallSeconds))
        print("bytes client→server \(channel.bytesClientToServer), server→client \(channel.bytesServerToClient); noise budget left \(budget) bits")
    }

    func writePredictions(_ path: String, predictions: [Int], expected: [Int], labels: [Int]?) throws {
        let url = URL(fileURLWithPath: path)
        if url.pathExtension.lowercased() == "json" {
            struct Row: Encodable { var index: Int, prediction: Int, plaintext: Int, label: Int? }
            let rows = predictions.indices.map { Row(index: $0, prediction: predictions[$0], plaintext: expected[$0], label: labels?[$0]) }
            try JSONEncoder().encode(rows).write(to: url)
        } else {
            var s = labels == nil ? "index,prediction,plaintext\n" : "index,prediction,plaintext,label\n"
            for i in predictions.indices { s += "\(i),\(predictions[i]),\(expected[i])" + (labels.map { ",\($0[i])" } ?? "") + "\n" }
            try Data(s.utf8).write(to: url)
        }
    }
}

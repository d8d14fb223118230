import NeuralNetwork
import Testing

@Suite("Engine")
struct EngineTests {
    @Test func tensorValidation() throws {
        expectNNError("count mismatch", { _ = try Tensor<Float>(shape: [2, 3], scalars: [1, 2]) })
        expectNNError("negative dim", { _ = try Tensor<Float>(shape: [-1], scalars: []) })
        let t = try Tensor<Double>(shape: [2, 3], scalars: [1, 5, 2, 9, 0, 1])
        #expect(t[1, 0] == 9)
        #expect(t.argmaxPerSample() == [1, 0])
        expectNNError("reshape", { _ = try t.reshaped([4]) })
    }

    @Test func shapeChainValidated() throws {
        expectNNError("dense after conv with wrong width", {
            _ = try Sequential<Float>(architecture: Architecture(inputShape: [1, 29, 29], layers: [
                .conv2d(inChannels: 1, outChannels: 5, kernel: 5, stride: 2), .dense(inFeatures: 800, outFeatures: 10)]))
        }) { if case .invalidArchitecture = $0 { true } else { false } }
        expectNNError("kernel larger than input", {
            _ = try Sequential<Float>(architecture: Architecture(inputShape: [1, 4, 4], layers: [.conv2d(inChannels: 1, outChannels: 1, kernel: 5)]))
        })
        expectNNError("empty", { _ = try Sequential<Float>(architecture: Architecture(inputShape: [3], layers: [])) })
        let net = try Sequential<Float>(architecture: ReferenceModel.mlpSMLP.trainingArchitecture())
        expectNNError("wrong input", { _ = try net.forward(Tensor(zeros: [2, 1, 29, 29])) }) { if case .shapeMismatch = $0 { true } else { false } }
        expectNNError("backward before forward", { _ = try Dense<Float>(inFeatures: 2, outFeatures: 2).backward(Tensor(zeros: [1, 2])) })
        expectNNError("bad label", { _ = try Loss.crossEntropy.evaluate(Tensor<Float>(zeros: [1, 10]), labels: [10]) })
    }

    @Test func referenceShapes() throws {
        let cn = try Sequential<Float>(architecture: ReferenceModel.cryptonets.trainingArchitecture())
        #expect(cn.layerOutputShapes[0] == [5, 13, 13])
        #expect(cn.layerOutputShapes[3] == [50, 5, 5])
        let le = try Sequential<Float>(architecture: ReferenceModel.lenet5.trainingArchitecture())
        let sizes: [Int] = le.layerOutputShapes.map { $0.reduce(1, *) }
        let expectedSizes: [Int] = [4704, 4704, 1176, 1600, 1600, 400, 120, 120, 120, 84, 84, 10]
        #expect(sizes == expectedSizes)
        // cryptonets-bn: 6 polynomial activations, each preceded by batch normalization, widest layer <= 1,400.
        let bn = try Sequential<Float>(architecture: ReferenceModel.cryptonetsBN.trainingArchitecture())
        let kinds = bn.architecture.layers.map(\.type)
        #expect(kinds.filter { $0 == .polynomial }.count == 6)
        for (i, k) in kinds.enumerated() where k == .polynomial { #expect(kinds[i - 1] == .batchNorm) }
        #expect(bn.layerOutputShapes.map { $0.reduce(1, *) }.max()! <= 1400)
    }

    @Test func layerOutputsMatchForward() throws {
        let net = try Sequential<Double>(architecture: ReferenceModel.cryptonetsBN.trainingArchitecture())
        net.initialize(seed: 4)
        var rng = SeededGenerator(seed: 2)
        let x = randomTensor([3, 1, 29, 29], &rng)
        let outs = try net.layerOutputs(x)
        #expect(outs.count == net.layers.count)
        #expect(outs.map { Array($0.shape.dropFirst()) } == net.layerOutputShapes)
        #expect(outs.last == (try net.forward(x)))
        let ranges = try net.maxAbsoluteOutputs(x)
        #expect(ranges.count == outs.count && ranges.allSatisfy { $0 > 0 })
    }

    @Test func reluApproximationCoefficients() {
        let c2 = ReLUApproximation.degree2.coefficients
        let c4 = ReLUApproximation.degree4.coefficients
        let c6 = ReLUApproximation.degree6.coefficients
        let published: [[Double]] = [
            [0.199471, 0.5, 0.199471], [0.149603, 0.5, 0.299207, 0, -0.016623],
            [0.124669, 0.5, 0.374008, 0, -0.041556, 0, 0.001662],
        ]
        for (ours, paper) in zip([c2, c4, c6], published) {
            #expect(ours.count == paper.count)
            for (a, b) in zip(ours, paper) { #expect(abs(a - b) < 1e-6) }
        }
        // The fit is good under N(0,1): RMSE of degree 2 about 0.106 (papers.md §3.4).
        var rng = SeededGenerator(seed: 1)
        var se = 0.0
        let n = 200_000
        for _ in 0..<n {
            let x = rng.nextGaussian()
            let p = c2[0] + c2[1] * x + c2[2] * x * x
            se += (p - max(0, x)) * (p - max(0, x))
        }
        #expect(abs((se / Double(n)).squareRoot() - 0.106) < 0.005)
    }

    /// Synthetic two-class images: training is reproducible from the seed and learns the task.
    func syntheticData(_ n: Int, seed: UInt64) throws -> LabeledImages {
        var rng = SeededGenerator(seed: seed)
        var pixels: [Float] = []
        var labels: [Int] = []
        for i in 0..<n {
            let label = i % 2
            labels.append(label)
            for y in 0..<8 { for x in 0..<8 {
                let bright = label == 0 ? y < 4 : x < 4
                pixels.append(Float(min(1, max(0, (bright ? 0.7 : 0.2) + 0.2 * rng.nextGaussian()))))
            } }
        }
        return try LabeledImages(images: Tensor(shape: [n, 1, 8, 8], scalars: pixels), labels: labels)
    }

    @Test func seededTrainingIsReproducibleAndLearns() throws {
        let data = try syntheticData(400, seed: 1)
        let pre = Preprocessing(inputShape: [1, 8, 8], mean: [0.45], std: [0.3])
        let arch = Architecture(inputShape: [1, 8, 8], layers: [
            .conv2d(inChannels: 1, outChannels: 4, kernel: 3, stride: 2), .batchNorm(features: 4), .polynomial(ReLUApproximation.degree2.coefficients),
            .flatten, .dense(inFeatures: 36, outFeatures: 2)])
        func run(seed: UInt64, optimizer: TrainingConfiguration.OptimizerKind) throws -> (Sequential<Float>, [EpochReport]) {
            let net = try Sequential<Float>(architecture: arch)
            net.initialize(seed: seed)
            let config = TrainingConfiguration(epochs: 3, batchSize: 16, optimizer: optimizer, learningRate: optimizer == .adam ? 0.01 : 0.05,
                                               finalLearningRate: 0.005, maxShift: 1, seed: seed)
            let reports = try Trainer.train(net, on: data, preprocessing: pre, configuration: config)
            return (net, reports)
        }
        for opt in [TrainingConfiguration.OptimizerKind.adam, .sgd] {
            let (a, ra) = try run(seed: 5, optimizer: opt)
            let (b, _) = try run(seed: 5, optimizer: opt)
            let (c, _) = try run(seed: 6, optimizer: opt)
            #expect(a.namedTensors().map(\.tensor) == b.namedTensors().map(\.tensor))
            #expect(a.namedTensors().map(\.tensor) != c.namedTensors().map(\.tensor))
            #expect(ra.last!.loss < ra.first!.loss)
            let eval = try Evaluation(model: a, data: try syntheticData(200, seed: 2), preprocessing: pre)
            #expect(eval.accuracy > 0.95, "\(opt)")
            #expect(eval.confusion.flatMap { $0 }.reduce(0, +) == 200)
        }
        expectNNError("bad config", {
            _ = try Trainer.train(try Sequential<Float>(architecture: arch), on: data, preprocessing: pre, configuration: TrainingConfiguration(epochs: 0))
        })
    }
}

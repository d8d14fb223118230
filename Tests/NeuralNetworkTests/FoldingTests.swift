import NeuralNetwork
import Testing

/// Batch-norm folding and linear-run collapsing compute the same function as the original network.
@Suite("Folding")
struct FoldingTests {
    func randomized(_ arch: Architecture, seed: UInt64) throws -> Sequential<Double> {
        let net = try Sequential<Double>(architecture: arch)
        net.initialize(seed: seed)
        var rng = SeededGenerator(seed: seed + 100)
        for layer in net.layers where layer is BatchNorm<Double> { try randomizeState(layer, &rng) }
        return net
    }

    @Test func foldIntoPrecedingDenseAndConv() throws {
        var rng = SeededGenerator(seed: 1)
        let dense = Dense<Double>(inFeatures: 6, outFeatures: 4)
        try randomizeState(dense, &rng)
        let bn = BatchNorm<Double>(features: 4)
        try randomizeState(bn, &rng)
        let x = randomTensor([5, 6], &rng)
        let reference = try bn.forward(try dense.forward(x, training: false), training: false)
        let folded = try Folding.foldBatchNorm(bn, intoPreceding: dense)
        #expect(try folded.forward(x, training: false).maxAbsDifference(reference) < 1e-12)

        let conv = Conv2D<Double>(inChannels: 2, outChannels: 3, kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        try randomizeState(conv, &rng)
        let bn2 = BatchNorm<Double>(features: 3)
        try randomizeState(bn2, &rng)
        let xi = randomTensor([2, 2, 7, 7], &rng)
        let ref2 = try bn2.forward(try conv.forward(xi, training: false), training: false)
        #expect(try Folding.foldBatchNorm(bn2, intoPreceding: conv).forward(xi, training: false).maxAbsDifference(ref2) < 1e-12)

        // Mismatched channel counts are a typed error.
        expectNNError("fold into wrong width", { _ = try Folding.foldBatchNorm(bn2, intoPreceding: dense) })
        expectNNError("fold into ReLU", { _ = try Folding.foldBatchNorm(bn2, intoPreceding: ReLU<Double>()) })
    }

    @Test func foldIntoFollowingPolynomial() throws {
        var rng = SeededGenerator(seed: 2)
        for activation in [Polynomial<Double>(coefficients: ReLUApproximation.degree6.coefficients), Square<Double>()] as [any Layer<Double>] {
            let bn = BatchNorm<Double>(features: 3)
            try randomizeState(bn, &rng)
            let x = randomTensor([4, 3, 2, 2], &rng)
            let reference = try activation.forward(try bn.forward(x, training: false), training: false)
            let folded = try Folding.foldBatchNorm(bn, intoFollowing: activation)
            #expect(folded.channels == 3)
            let y = try folded.forward(x, training: false)
            #expect(y.maxAbsDifference(reference) < 1e-9 * max(1, reference.scalars.map(abs).max()!))
        }
    }

    /// cryptonets-bn shaped network: both strategies give the same outputs and no batch norm remains.
    @Test func networkFoldingBothStrategies() throws {
        let net = try randomized(ReferenceModel.cryptonetsBN.trainingArchitecture(), seed: 4)
        var rng = SeededGenerator(seed: 8)
        let x = randomTensor([5, 1, 29, 29], &rng)
        let reference = try net.forward(x, training: false)
        for target in [Folding.BatchNormTarget.precedingLinear, .followingPolynomial] {
            let folded = try Folding.foldingBatchNorm(net, preferred: target)
            #expect(!folded.layers.contains { $0 is BatchNorm<Double> })
            #expect(folded.layers.count == net.layers.count - 6)
            let y = try folded.forward(x, training: false)
            #expect(y.maxAbsDifference(reference) < 1e-8 * max(1, reference.scalars.map(abs).max()!), "\(target)")
        }
        // A batch norm after a ReLU with a ReLU after it cannot be folded.
        let bad = try randomized(Architecture(inputShape: [4], layers: [.relu, .batchNorm(features: 4), .relu]), seed: 1)
        expectNNError("unfoldable BN", { _ = try Folding.foldingBatchNorm(bad) })
    }

    /// CryptoNets: sum-pool, conv, sum-pool, flatten, dense become one 845 -> 100 dense layer.
    @Test func collapseCryptoNetsMiddle() throws {
        let net = try randomized(ReferenceModel.cryptonets.trainingArchitecture(), seed: 6)
        let collapsed = try Folding.collapsingLinearRuns(net)
        #expect(collapsed.architecture.layers.map(\.type) == [.conv2d, .square, .dense, .square, .dense])
        let middle = try #require(collapsed.layers[2] as? Dense<Double>)
        #expect(middle.inFeatures == 845 && middle.outFeatures == 100)
        var rng = SeededGenerator(seed: 3)
        let x = randomTensor([4, 1, 29, 29], &rng)
        let reference = try net.forward(x)
        #expect(try collapsed.forward(x).maxAbsDifference(reference) < 1e-9 * max(1, reference.scalars.map(abs).max()!))
    }
}

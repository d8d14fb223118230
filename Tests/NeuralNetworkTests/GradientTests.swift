import NeuralNetwork
import Testing

/// Finite-difference checks of every layer's backward pass (in Double).
@Suite("Gradient checks")
struct GradientTests {
    @Test func dense() throws {
        try gradientCheck(Dense<Double>(inFeatures: 7, outFeatures: 5), inputShape: [4, 7])
        // Dense flattens image-shaped input.
        try gradientCheck(Dense<Double>(inFeatures: 12, outFeatures: 3), inputShape: [2, 3, 2, 2])
    }

    @Test func conv2dStridePadding() throws {
        try gradientCheck(Conv2D<Double>(inChannels: 2, outChannels: 3, kernel: (3, 3), stride: (2, 2), padding: (1, 1)), inputShape: [2, 2, 7, 7])
        try gradientCheck(Conv2D<Double>(inChannels: 1, outChannels: 5, kernel: (5, 5), stride: (2, 2)), inputShape: [3, 1, 13, 13])
        try gradientCheck(Conv2D<Double>(inChannels: 3, outChannels: 2, kernel: (2, 3), stride: (1, 2), padding: (1, 0)), inputShape: [2, 3, 5, 6])
    }

    @Test func pooling() throws {
        for mode in [Pool2D<Double>.Mode.average, .sum, .max] {
            try gradientCheck(Pool2D<Double>(mode: mode, kernel: (2, 2)), inputShape: [2, 3, 6, 6])
            try gradientCheck(Pool2D<Double>(mode: mode, kernel: (3, 3), stride: (1, 1), padding: (1, 1)), inputShape: [2, 2, 5, 5])
            try gradientCheck(Pool2D<Double>(mode: mode, kernel: (3, 2), stride: (2, 1)), inputShape: [1, 2, 7, 5])
        }
    }

    @Test func batchNormTrainingAndInference() throws {
        try gradientCheck(BatchNorm<Double>(features: 3), inputShape: [4, 3, 3, 3], training: true)
        try gradientCheck(BatchNorm<Double>(features: 6), inputShape: [8, 6], training: true)
        try gradientCheck(BatchNorm<Double>(features: 3), inputShape: [4, 3, 2, 2], training: false)
        try gradientCheck(BatchNorm<Double>(features: 5), inputShape: [3, 5], training: false)
    }

    @Test func activations() throws {
        try gradientCheck(ReLU<Double>(), inputShape: [3, 10])
        try gradientCheck(Square<Double>(), inputShape: [3, 2, 3, 3])
        try gradientCheck(Sigmoid<Double>(), inputShape: [3, 10], inputScale: 3)
        try gradientCheck(Softmax<Double>(), inputShape: [4, 10], inputScale: 2)
        try gradientCheck(Flatten<Double>(), inputShape: [2, 3, 2, 2])
        for approx in ReLUApproximation.allCases {
            try gradientCheck(Polynomial<Double>(coefficients: approx.coefficients), inputShape: [3, 12], inputScale: 1.5)
        }
        var rng = SeededGenerator(seed: 3)
        try gradientCheck(ChannelPolynomial<Double>(coefficients: randomTensor([3, 4], &rng)), inputShape: [2, 3, 2, 2])
    }

    /// The whole chain through both losses: d(loss)/d(input) of a small CNN with every layer kind.
    @Test func networkAndLosses() throws {
        for loss in Loss.allCases {
            let net = try Sequential<Double>(architecture: Architecture(inputShape: [1, 8, 8], layers: [
                .conv2d(inChannels: 1, outChannels: 3, kernel: 3, stride: 1, padding: 1), .batchNorm(features: 3),
                .polynomial(ReLUApproximation.degree2.coefficients), .avgPool2d(kernel: 2),
                .conv2d(inChannels: 3, outChannels: 4, kernel: 3), .relu, .maxPool2d(kernel: 2), .flatten,
                .dense(inFeatures: 4, outFeatures: 6), .sigmoid, .dense(inFeatures: 6, outFeatures: 5),
            ]))
            net.initialize(seed: 11)
            var rng = SeededGenerator(seed: 5)
            let x = randomTensor([6, 1, 8, 8], &rng)
            let labels = [0, 1, 2, 3, 4, 0]
            let (_, g) = try loss.evaluate(try net.forward(x, training: true), labels: labels)
            let dx = try net.backward(g)
            let h = 1e-5
            for _ in 0..<25 {
                let i = Int(rng.next() % UInt64(x.count))
                var xp = x, xm = x
                xp.scalars[i] += h
                xm.scalars[i] -= h
                let lp = try loss.evaluate(try net.forward(xp, training: true), labels: labels).loss
                let lm = try loss.evaluate(try net.forward(xm, training: true), labels: labels).loss
                let numeric = (lp - lm) / (2 * h)
                #expect(abs(numeric - dx.scalars[i]) < 1e-7 + 1e-5 * abs(numeric), "\(loss) d/dx[\(i)]: \(numeric) vs \(dx.scalars[i])")
            }
        }
    }

    /// Float and Double engines agree on the forward pass.
    @Test func floatMatchesDouble() throws {
        let arch = ReferenceModel.lenet5.trainingArchitecture()
        let d = try Sequential<Double>(architecture: arch)
        d.initialize(seed: 2)
        let f = try d.converted(to: Float.self)
        var rng = SeededGenerator(seed: 9)
        let x = randomTensor([3, 1, 32, 32], &rng)
        let yd = try d.forward(x)
        let yf = try f.forward(x.converted(to: Float.self)).converted(to: Double.self)
        #expect(yd.maxAbsDifference(yf) < 1e-4)
    }
}

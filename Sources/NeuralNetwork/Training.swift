import Foundation

/// Training losses. Both average over the batch.
public enum Loss: String, Codable, Sendable, CaseIterable {
    /// Softmax cross-entropy on logits: `-log softmax(y)[label]`.
    case crossEntropy = "cross_entropy"
    /// Half squared error against the one-hot label: `0.5 * sum_j (y_j - t_j)^2`.
    case meanSquaredError = "mse"

    /// The mean loss over the batch and its gradient with respect to `output` (`[N, classes]`).
    public func evaluate<T: NNScalar>(_ output: Tensor<T>, labels: [Int]) throws -> (loss: Double, gradient: Tensor<T>) {
        guard let n = output.shape.first, n == labels.count, n > 0 else {
            throw NeuralNetworkError.shapeMismatch(context: "loss: outputs vs labels", expected: [labels.count], actual: output.shape)
        }
        let F = output.count / n
        guard labels.allSatisfy({ $0 >= 0 && $0 < F }) else {
            throw NeuralNetworkError.invalidArgument("label outside 0..<\(F)")
        }
        var grad = [T](repeating: 0, count: output.count)
        var total = 0.0
        switch self {
        case .crossEntropy:
            let p = softmaxRows(output.scalars, rows: n)
            for i in 0..<n {
                total -= Foundation.log(max(Double(p[i * F + labels[i]]), 1e-30))
                for j in 0..<F { grad[i * F + j] = (p[i * F + j] - (j == labels[i] ? 1 : 0)) / T(n) }
            }
        case .meanSquaredError:
            for i in 0..<n {
                for j in 0..<F {
                    let d = output.scalars[i * F + j] - (j == labels[i] ? 1 : 0)
                    total += 0.5 * Double(d * d)
                    grad[i * F + j] = d / T(n)
                }
            }
        }
        return (total / Double(n), Tensor(unchecked: output.shape, grad))
    }
}

/// Updates parameters from their gradients.
public protocol Optimizer<Scalar>: AnyObject {
    associatedtype Scalar: NNScalar
    /// The step size (changed by learning-rate schedules between steps).
    var learningRate: Double { get set }
    /// One update of every parameter from its current gradient.
    func step(_ parameters: [Parameter<Scalar>])
}

/// Stochastic gradient descent with (heavy-ball) momentum and optional L2 weight decay:
/// `v = momentum * v + g + decay * w; w -= lr * v`.
public final class SGD<Scalar: NNScalar>: Optimizer {
    /// Learning rate used in the epoch.
    public var learningRate: Double
    /// Momentum factor (0 = plain SGD).
    public let momentum: Double
    /// L2 penalty factor added to the gradient.
    public let weightDecay: Double
    private var velocity: [ObjectIdentifier: [Scalar]] = [:]

    /// SGD with the given rate, momentum and decay.
    public init(learningRate: Double, momentum: Double = 0.9, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    @_specialize(where Scalar == Float)
    public func step(_ parameters: [Parameter<Scalar>]) {
        let lr = Scalar(learningRate), mu = Scalar(momentum), wd = Scalar(weightDecay)
        for p in parameters {
            let id = ObjectIdentifier(p)
            var v = velocity[id] ?? [Scalar](repeating: 0, count: p.value.count)
            velocity[id] = nil
            p.value.scalars.withUnsafeMutableBufferPointer { w in
                p.gradient.scalars.withUnsafeBufferPointer { g in
                    v.withUnsafeMutableBufferPointer { v in
                        for i in 0..<w.count {
                            v[i] = mu * v[i] + g[i] + wd * w[i]
                            w[i] -= lr * v[i]
                        }
                    }
                }
            }
            velocity[id] = v
        }
    }
}

/// Adam (Kingma & Ba) with bias correction and optional decoupled weight decay (AdamW).
public final class Adam<Scalar: NNScalar>: Optimizer {
    /// Learning rate used in the epoch.
    public var learningRate: Double
    /// Moment decay rates, denominator epsilon, decoupled weight decay.
    public let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    private var moments: [ObjectIdentifier: (m: [Scalar], v: [Scalar])] = [:]
    private var t = 0

    /// Adam with the usual defaults.
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    @_specialize(where Scalar == Float)
    public func step(_ parameters: [Parameter<Scalar>]) {
        t += 1
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        let c1 = Scalar(1 - Foundation.pow(beta1, Double(t))), c2 = Scalar(1 - Foundation.pow(beta2, Double(t)))
        let lr = Scalar(learningRate), wd = Scalar(learningRate * weightDecay)
        for p in parameters {
            let id = ObjectIdentifier(p)
            var (m, v) = moments[id] ?? ([Scalar](repeating: 0, count: p.value.count), [Scalar](repeating: 0, count: p.value.count))
            moments[id] = nil
            p.value.scalars.withUnsafeMutableBufferPointer { w in
                p.gradient.scalars.withUnsafeBufferPointer { g in
                    m.withUnsafeMutableBufferPointer { m in
                        v.withUnsafeMutableBufferPointer { v in
                            for i in 0..<w.count {
                                m[i] = b1 * m[i] + (1 - b1) * g[i]
                                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                                let mh = m[i] / c1, vh = v[i] / c2
                                w[i] -= lr * mh / (vh.squareRoot() + eps) + wd * w[i]
                            }
                        }
                    }
                }
            }
            moments[id] = (m, v)
        }
    }
}

/// Hyper-parameters of a training run.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// Which optimizer to use.
    public enum OptimizerKind: String, Codable, Sendable { case sgd, adam }
    /// Total epochs.
    public var epochs: Int
    /// Samples per mini-batch.
    public var batchSize: Int
    /// The optimizer.
    public var optimizer: OptimizerKind
    /// Learning rate of the first epoch.
    public var learningRate: Double
    /// Learning rate of the last epoch; rates in between decay geometrically. Equal to
    /// `learningRate` for a constant rate.
    public var finalLearningRate: Double
    /// SGD momentum (ignored by Adam).
    public var momentum: Double
    /// L2 (SGD) or decoupled (Adam) weight decay.
    public var weightDecay: Double
    /// The loss minimized.
    public var loss: Loss
    /// Random shifts of the raw images by up to this many pixels in each direction (0 = none).
    public var maxShift: Int
    /// Seed of shuffling and augmentation (initialization takes its own seed).
    public var seed: UInt64

    public init(epochs: Int, batchSize: Int = 64, optimizer: OptimizerKind = .adam, learningRate: Double = 1e-3,
                finalLearningRate: Double? = nil, momentum: Double = 0.9, weightDecay: Double = 0,
                loss: Loss = .crossEntropy, maxShift: Int = 0, seed: UInt64 = 1) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.finalLearningRate = finalLearningRate ?? learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.loss = loss
        self.maxShift = maxShift
        self.seed = seed
    }

    /// The learning rate used during `epoch` (0-based).
    public func learningRate(epoch: Int) -> Double {
        guard epochs > 1 else { return learningRate }
        return learningRate * Foundation.pow(finalLearningRate / learningRate, Double(epoch) / Double(epochs - 1))
    }

    func validate() throws {
        guard epochs > 0, batchSize > 0, learningRate > 0, finalLearningRate > 0, maxShift >= 0, maxShift < 8,
              momentum >= 0, momentum < 1, weightDecay >= 0
        else { throw NeuralNetworkError.invalidArgument("training configuration out of range: \(self)") }
    }
}

/// Progress of a training run, reported after each mini-batch.
public struct TrainingProgress: Sendable {
    /// Epoch number, from 1.
    public var epoch: Int
    /// Total epochs.
    public var epochs: Int
    /// Mini-batch number in the epoch, from 1.
    public var batch: Int
    /// Mini-batches per epoch.
    public var batches: Int
    /// Running mean loss and accuracy of this epoch so far.
    public var loss: Double
    public var accuracy: Double
}

/// Summary of one epoch.
public struct EpochReport: Codable, Sendable {
    /// Epoch number, from 1.
    public var epoch: Int
    /// Mean training loss over the epoch.
    public var loss: Double
    /// Training accuracy over the epoch (in training mode, augmented).
    public var trainAccuracy: Double
    /// Test accuracy after the epoch, when a test set was given.
    public var testAccuracy: Double?
    /// Learning rate used in the epoch.
    public var learningRate: Double
    /// Wall-clock seconds of the epoch (training only).
    public var seconds: Double
}

/// Mini-batch training of a `Sequential` on labelled images.
public enum Trainer {
    /// Trains `model` in place. Each epoch shuffles with a generator seeded from `configuration.seed`
    /// and the epoch number, optionally shifts images at random, applies `preprocessing`, and steps
    /// the optimizer once per mini-batch. If `test` is given, its accuracy is measured after each epoch.
    public static func train<T: NNScalar>(
        _ model: Sequential<T>, on data: LabeledImages, preprocessing: Preprocessing,
        configuration: TrainingConfiguration, test: LabeledImages? = nil,
        progress: (TrainingProgress) -> Void = { _ in }, epochEnd: (EpochReport) -> Void = { _ in }
    ) throws -> [EpochReport] {
        try configuration.validate()
        guard data.count > 0 else { throw NeuralNetworkError.invalidArgument("empty training set") }
        let optimizer: any Optimizer<T> = configuration.optimizer == .adam
            ? Adam<T>(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay)
            : SGD<T>(learningRate: configuration.learningRate, momentum: configuration.momentum, weightDecay: configuration.weightDecay)
        let parameters = model.parameters
        let batches = (data.count + configuration.batchSize - 1) / configuration.batchSize
        var reports: [EpochReport] = []
        for epoch in 0..<configuration.epochs {
            let start = Date()
            optimizer.learningRate = configuration.learningRate(epoch: epoch)
            var rng = SeededGenerator(seed: configuration.seed &* 0x9E37_79B9 &+ UInt64(epoch) &+ 1)
            var order = Array(0..<data.count)
            order.shuffle(using: &rng)
            var lossSum = 0.0, correct = 0, seen = 0
            for b in 0..<batches {
                let idx = Array(order[(b * configuration.batchSize)..<min(data.count, (b + 1) * configuration.batchSize)])
                var raw = data.images(at: idx)
                if configuration.maxShift > 0 { raw = randomShift(raw, maxShift: configuration.maxShift, rng: &rng) }
                let x: Tensor<T> = try preprocessing.apply(raw).converted(to: T.self)
                let labels = idx.map { data.labels[$0] }
                let y = try model.forward(x, training: true)
                let (loss, grad) = try configuration.loss.evaluate(y, labels: labels)
                guard loss.isFinite else {
                    throw NeuralNetworkError.invalidArgument("training diverged (loss \(loss)) at epoch \(epoch + 1), batch \(b + 1); lower the learning rate")
                }
                try model.backward(grad)
                optimizer.step(parameters)
                lossSum += loss * Double(idx.count)
                correct += zip(y.argmaxPerSample(), labels).filter { $0 == $1 }.count
                seen += idx.count
                progress(TrainingProgress(epoch: epoch + 1, epochs: configuration.epochs, batch: b + 1, batches: batches,
                                          loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen)))
            }
            let seconds = Date().timeIntervalSince(start)
            let testAccuracy = try test.map { try Evaluation(model: model, data: $0, preprocessing: preprocessing).accuracy }
            let report = EpochReport(epoch: epoch + 1, loss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                                     testAccuracy: testAccuracy, learningRate: optimizer.learningRate, seconds: seconds)
            reports.append(report)
            epochEnd(report)
        }
        return reports
    }

    /// Shifts each image of a `[N, C, H, W]` batch by a random offset in `-maxShift...maxShift` along
    /// each axis, filling with zeros (data augmentation).
    public static func randomShift(_ images: Tensor<Float>, maxShift: Int, rng: inout SeededGenerator) -> Tensor<Float> {
        guard images.rank == 4, maxShift > 0 else { return images }
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var out = [Float](repeating: 0, count: images.count)
        for i in 0..<n {
            let dy = Int(rng.next() % UInt64(2 * maxShift + 1)) - maxShift
            let dx = Int(rng.next() % UInt64(2 * maxShift + 1)) - maxShift
            for ch in 0..<c {
                let base = (i * c + ch) * h * w
                for y in 0..<h {
                    let sy = y - dy
                    if sy < 0 || sy >= h { continue }
                    for x in 0..<w {
                        let sx = x - dx
                        if sx >= 0 && sx < w { out[base + y * w + x] = images.scalars[base + sy * w + sx] }
                    }
                }
            }
        }
        return Tensor(unchecked: images.shape, out)
    }
}

/// Accuracy and confusion matrix of a model on labelled images.
public struct Evaluation: Codable, Sendable {
    /// Fraction of correctly classified samples.
    public var accuracy: Double
    /// `confusion[true][predicted]` counts.
    public var confusion: [[Int]]
    /// The number of samples evaluated.
    public var count: Int
    /// Predicted class of each sample.
    public var predictions: [Int]

    /// Runs inference (running statistics) on every sample.
    public init<T: NNScalar>(model: Sequential<T>, data: LabeledImages, preprocessing: Preprocessing, batchSize: Int = 500) throws {
        guard data.count > 0 else { throw NeuralNetworkError.invalidArgument("empty evaluation set") }
        let classes = model.outputShape.reduce(1, *)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var predictions: [Int] = []
        var start = 0
        while start < data.count {
            let idx = Array(start..<min(data.count, start + batchSize))
            let x: Tensor<T> = try preprocessing.apply(data.images(at: idx)).converted(to: T.self)
            let pred = try model.forward(x, training: false).argmaxPerSample()
            for (p, i) in zip(pred, idx) {
                let label = data.labels[i]
                guard label >= 0 && label < classes else {
                    throw NeuralNetworkError.invalidArgument("label \(label) outside the model's \(classes) classes")
                }
                confusion[label][p] += 1
            }
            predictions += pred
            start += batchSize
        }
        self.confusion = confusion
        self.predictions = predictions
        self.count = data.count
        self.accuracy = Double((0..<classes).reduce(0) { $0 + confusion[$1][$1] }) / Double(data.count)
    }
}

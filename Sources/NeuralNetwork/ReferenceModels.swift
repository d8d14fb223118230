/// The reference networks of the four papers and the CryptoNets baseline, with the preprocessing
/// and training recipe used to build the bundled models.
public enum ReferenceModel: String, CaseIterable, Sendable {
    /// CryptoNets (papers.md §1.4): trained as conv-square-pool-conv-pool-dense-square-dense, saved
    /// with the linear middle collapsed into one 845 -> 100 layer. The 3x3 pools are trained as
    /// average pools: CryptoNets' scaled mean (sum) pool differs only by the factor 9, which the
    /// collapse absorbs, and the sum makes the pre-activation values 81 times larger, which slows
    /// training with Adam (83% vs 91% test accuracy after 10,000 images in our runs).
    case cryptonets
    /// Chabanne et al.: 6 polynomial activations, each after a batch normalization.
    case cryptonetsBN = "cryptonets-bn"
    /// The same network with ReLU instead of the polynomial (for comparison).
    case cryptonetsBNReLU = "cryptonets-bn-relu"
    /// Classic LeNet-5 on 32x32 with ReLU and max pooling (2P-DNN's client-aided protocol).
    case lenet5
    /// 784-30-10 with sigmoid (CryptoNN's MLP).
    case mlpCryptoNN = "mlp-cryptonn"
    /// 784-128-10 with ReLU (SMLP).
    case mlpSMLP = "mlp-smlp"

    /// Human-readable summary.
    public var summary: String {
        switch self {
        case .cryptonets: return "CryptoNets: 29x29 -> conv 5@5x5 s2 -> x^2 -> dense 845->100 -> x^2 -> dense 100->10"
        case .cryptonetsBN: return "Chabanne et al.: 2 strided convs + 4 dense, BN before each of 6 degree-2 ReLU-fit polynomials"
        case .cryptonetsBNReLU: return "cryptonets-bn with ReLU activations (comparison)"
        case .lenet5: return "LeNet-5 on 32x32, ReLU, 2x2 max pooling (2P-DNN)"
        case .mlpCryptoNN: return "MLP 784-30-10, sigmoid hidden layer (CryptoNN)"
        case .mlpSMLP: return "MLP 784-128-10, ReLU hidden layer (SMLP)"
        }
    }

    /// Preprocessing of raw 28x28 MNIST images for this network.
    public var preprocessing: Preprocessing {
        switch self {
        case .cryptonets, .cryptonetsBN, .cryptonetsBNReLU: return .mnist(padding: [1, 0, 1, 0])   // top/left to 29x29
        case .lenet5: return .mnist(padding: [2, 2, 2, 2])                                          // centered 32x32
        case .mlpCryptoNN, .mlpSMLP: return .mnist()
        }
    }

    /// The architecture that is trained (for `cryptonets` this differs from the saved one).
    public func trainingArchitecture(activation: ReLUApproximation = .degree2) -> Architecture {
        let input = preprocessing.outputShape
        switch self {
        case .cryptonets:
            return Architecture(inputShape: input, layers: [
                .conv2d(inChannels: 1, outChannels: 5, kernel: 5, stride: 2), .square,
                .avgPool2d(kernel: 3, stride: 1, padding: 1),
                .conv2d(inChannels: 5, outChannels: 50, kernel: 5, stride: 2),
                .avgPool2d(kernel: 3, stride: 1, padding: 1),
                .flatten, .dense(inFeatures: 1250, outFeatures: 100), .square,
                .dense(inFeatures: 100, outFeatures: 10),
            ])
        case .cryptonetsBN, .cryptonetsBNReLU:
            let act: LayerSpec = self == .cryptonetsBN ? .polynomial(activation.coefficients) : .relu
            return Architecture(inputShape: input, layers: [
                .conv2d(inChannels: 1, outChannels: 5, kernel: 5, stride: 2), .batchNorm(features: 5), act,
                .conv2d(inChannels: 5, outChannels: 50, kernel: 5, stride: 2), .batchNorm(features: 50), act,
                .flatten,
                .dense(inFeatures: 1250, outFeatures: 100), .batchNorm(features: 100), act,
                .dense(inFeatures: 100, outFeatures: 100), .batchNorm(features: 100), act,
                .dense(inFeatures: 100, outFeatures: 100), .batchNorm(features: 100), act,
                .dense(inFeatures: 100, outFeatures: 100), .batchNorm(features: 100), act,
                .dense(inFeatures: 100, outFeatures: 10),
            ])
        case .lenet5:
            return Architecture(inputShape: input, layers: [
                .conv2d(inChannels: 1, outChannels: 6, kernel: 5), .relu, .maxPool2d(kernel: 2),
                .conv2d(inChannels: 6, outChannels: 16, kernel: 5), .relu, .maxPool2d(kernel: 2),
                .conv2d(inChannels: 16, outChannels: 120, kernel: 5), .relu, .flatten,
                .dense(inFeatures: 120, outFeatures: 84), .relu,
                .dense(inFeatures: 84, outFeatures: 10),
            ])
        case .mlpCryptoNN:
            return Architecture(inputShape: input, layers: [
                .flatten, .dense(inFeatures: 784, outFeatures: 30), .sigmoid, .dense(inFeatures: 30, outFeatures: 10),
            ])
        case .mlpSMLP:
            return Architecture(inputShape: input, layers: [
                .flatten, .dense(inFeatures: 784, outFeatures: 128), .relu, .dense(inFeatures: 128, outFeatures: 10),
            ])
        }
    }

    /// The training recipe of the bundled model (`epochs` may be overridden).
    public func trainingConfiguration(epochs: Int? = nil, seed: UInt64 = 1) -> TrainingConfiguration {
        switch self {
        case .cryptonets:
            return TrainingConfiguration(epochs: epochs ?? 15, batchSize: 64, optimizer: .adam, learningRate: 1e-3,
                                         finalLearningRate: 5e-5, maxShift: 1, seed: seed)
        case .cryptonetsBN, .cryptonetsBNReLU:
            return TrainingConfiguration(epochs: epochs ?? 20, batchSize: 64, optimizer: .adam, learningRate: 2e-3,
                                         finalLearningRate: 2e-5, maxShift: 2, seed: seed)
        case .lenet5:
            return TrainingConfiguration(epochs: epochs ?? 10, batchSize: 64, optimizer: .adam, learningRate: 1e-3,
                                         finalLearningRate: 5e-5, maxShift: 1, seed: seed)
        case .mlpCryptoNN:
            return TrainingConfiguration(epochs: epochs ?? 10, batchSize: 32, optimizer: .sgd, learningRate: 0.1,
                                         finalLearningRate: 0.01, momentum: 0.9, seed: seed)
        case .mlpSMLP:
            return TrainingConfiguration(epochs: epochs ?? 10, batchSize: 64, optimizer: .adam, learningRate: 1e-3,
                                         finalLearningRate: 5e-5, seed: seed)
        }
    }

    /// The accuracy on the 10,000 MNIST test images the bundled model must reach (nil: report only).
    public var requiredAccuracy: Double? {
        switch self {
        case .cryptonets: return 0.989
        case .cryptonetsBN: return 0.993
        case .lenet5: return 0.990
        case .cryptonetsBNReLU, .mlpCryptoNN, .mlpSMLP: return nil
        }
    }

    /// Turns the trained network into the one that is saved (collapses CryptoNets' linear middle;
    /// other models are kept as trained, batch normalization included).
    public func inferenceNetwork(fromTrained trained: Sequential<Float>) throws -> Sequential<Float> {
        self == .cryptonets ? try Folding.collapsingLinearRuns(trained) : trained
    }
}

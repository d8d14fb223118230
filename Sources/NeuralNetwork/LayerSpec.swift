/// The architecture description of one layer, as stored (JSON) in a model file.
///
/// Only the fields that the layer's `type` uses are set; the others are `nil` and absent from the
/// JSON. Field names are snake_case in JSON (`in_channels`, `kernel_size`, ...), matching PyTorch's
/// constructor arguments. See `ModelFormat.md` for the full list.
public struct LayerSpec: Codable, Equatable, Sendable {
    /// The kind of layer.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case conv2d, dense
        case avgPool2d = "avg_pool2d", sumPool2d = "sum_pool2d", maxPool2d = "max_pool2d"
        case batchNorm = "batch_norm"
        case relu, square, polynomial
        case channelPolynomial = "channel_polynomial"
        case sigmoid, softmax, flatten
    }

    /// The layer kind (JSON `type`).
    public var type: Kind
    /// Convolution input channels.
    public var inChannels: Int?
    /// Convolution output channels.
    public var outChannels: Int?
    /// Dense input features.
    public var inFeatures: Int?
    /// Dense output features.
    public var outFeatures: Int?
    /// `[height, width]` of a convolution or pooling window.
    public var kernelSize: [Int]?
    /// `[vertical, horizontal]` stride.
    public var stride: [Int]?
    /// `[vertical, horizontal]` zero padding added on both sides.
    public var padding: [Int]?
    /// Channels of a batch normalization or channel polynomial.
    public var numFeatures: Int?
    /// Batch normalization epsilon.
    public var eps: Double?
    /// Batch normalization running-statistics momentum (PyTorch convention).
    public var momentum: Double?
    /// Polynomial coefficients `c0, c1, ..., cd` of `c0 + c1 x + ... + cd x^d`.
    public var coefficients: [Double]?
    /// Degree of a channel polynomial (its coefficients are a tensor).
    public var degree: Int?

    enum CodingKeys: String, CodingKey {
        case type, inChannels = "in_channels", outChannels = "out_channels", inFeatures = "in_features"
        case outFeatures = "out_features", kernelSize = "kernel_size", stride, padding
        case numFeatures = "num_features", eps, momentum, coefficients, degree
    }

    /// A description with only the kind set.
    public init(type: Kind) { self.type = type }

    /// A 2-D convolution (weights `[out, in, kh, kw]`, bias `[out]`).
    public static func conv2d(
        inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0
    ) -> LayerSpec {
        var s = LayerSpec(type: .conv2d)
        s.inChannels = inChannels
        s.outChannels = outChannels
        s.kernelSize = [kernel, kernel]
        s.stride = [stride, stride]
        s.padding = [padding, padding]
        return s
    }

    /// A fully connected layer (weights `[out, in]`, bias `[out]`); flattens its input.
    public static func dense(inFeatures: Int, outFeatures: Int) -> LayerSpec {
        var s = LayerSpec(type: .dense)
        s.inFeatures = inFeatures
        s.outFeatures = outFeatures
        return s
    }

    private static func pool(_ kind: Kind, _ kernel: Int, _ stride: Int?, _ padding: Int) -> LayerSpec {
        var s = LayerSpec(type: kind)
        s.kernelSize = [kernel, kernel]
        s.stride = [stride ?? kernel, stride ?? kernel]
        s.padding = [padding, padding]
        return s
    }
    /// Average pooling (padding counts as zeros in the mean, like PyTorch's default).
    public static func avgPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> LayerSpec {
        pool(.avgPool2d, kernel, stride, padding)
    }
    /// Sum pooling: CryptoNets' "scaled mean pool", the window sum without division.
    public static func sumPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> LayerSpec {
        pool(.sumPool2d, kernel, stride, padding)
    }
    /// Max pooling.
    public static func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> LayerSpec {
        pool(.maxPool2d, kernel, stride, padding)
    }
    /// Batch normalization over the channels of `[N, C, H, W]` or the features of `[N, F]`.
    public static func batchNorm(features: Int, eps: Double = 1e-5, momentum: Double = 0.1) -> LayerSpec {
        var s = LayerSpec(type: .batchNorm)
        s.numFeatures = features
        s.eps = eps
        s.momentum = momentum
        return s
    }
    /// ReLU, `max(0, x)`.
    public static var relu: LayerSpec { LayerSpec(type: .relu) }
    /// The square activation `x^2`.
    public static var square: LayerSpec { LayerSpec(type: .square) }
    /// The logistic sigmoid.
    public static var sigmoid: LayerSpec { LayerSpec(type: .sigmoid) }
    /// Softmax over each sample.
    public static var softmax: LayerSpec { LayerSpec(type: .softmax) }
    /// Flattening to `[N, features]`.
    public static var flatten: LayerSpec { LayerSpec(type: .flatten) }
    /// A polynomial activation with fixed coefficients `c0, c1, ..., cd`.
    public static func polynomial(_ coefficients: [Double]) -> LayerSpec {
        var s = LayerSpec(type: .polynomial)
        s.coefficients = coefficients
        return s
    }
    /// A polynomial activation with one coefficient vector per channel (the result of folding a batch
    /// normalization into the polynomial); coefficients are a `[channels, degree + 1]` tensor.
    public static func channelPolynomial(channels: Int, degree: Int) -> LayerSpec {
        var s = LayerSpec(type: .channelPolynomial)
        s.numFeatures = channels
        s.degree = degree
        return s
    }

    /// True for layers that are affine maps at inference (collapsible into one dense layer).
    public var isLinearAtInference: Bool {
        switch type {
        case .conv2d, .dense, .avgPool2d, .sumPool2d, .batchNorm, .flatten: return true
        default: return false
        }
    }
}

/// Least-squares polynomial fits of ReLU under the standard normal distribution (papers.md §3.4):
/// the projection onto Hermite polynomials, optimal when batch normalization makes the activation's
/// input about N(0, 1).
public enum ReLUApproximation: Int, Sendable, CaseIterable {
    case degree2 = 2, degree4 = 4, degree6 = 6

    /// Coefficients `c0 ... cd` (closed forms with s = sqrt(2 pi)).
    public var coefficients: [Double] {
        let s = (2 * Double.pi).squareRoot()
        switch self {
        case .degree2: return [1 / (2 * s), 0.5, 1 / (2 * s)]
        case .degree4: return [3 / (8 * s), 0.5, 3 / (4 * s), 0, -1 / (24 * s)]
        case .degree6: return [5 / (16 * s), 0.5, 15 / (16 * s), 0, -5 / (48 * s), 0, 1 / (240 * s)]
        }
    }
}

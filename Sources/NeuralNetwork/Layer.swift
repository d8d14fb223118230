/// A trainable tensor of a layer together with the gradient of the last `backward` pass.
public final class Parameter<Scalar: NNScalar> {
    /// The name under which the tensor is stored in a model file (`weight`, `bias`, ...).
    public let name: String
    /// The current value.
    public var value: Tensor<Scalar>
    /// d(loss)/d(value) from the last backward pass (overwritten, not accumulated).
    public var gradient: Tensor<Scalar>

    /// A parameter with a zero gradient.
    public init(name: String, value: Tensor<Scalar>) {
        self.name = name
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
    }
}

/// One layer of a `Sequential` network.
///
/// Tensors carry the batch as their first dimension. `forward` caches what `backward` needs, so
/// `backward` must follow the `forward` of the same batch; it returns d(loss)/d(input) and sets the
/// gradients of the layer's parameters.
public protocol Layer<Scalar>: AnyObject {
    associatedtype Scalar: NNScalar
    /// The architecture description (serialized in model files).
    var spec: LayerSpec { get }
    /// The per-sample output shape for a per-sample input shape (batch dimension excluded); throws
    /// `NeuralNetworkError.shapeMismatch` or `.invalidArchitecture` when the input does not fit.
    func outputShape(forInput shape: [Int]) throws -> [Int]
    /// Applies the layer to a batch. `training` selects batch statistics in batch normalization.
    func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar>
    /// Back-propagates `gradOutput` through the last `forward`.
    func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar>
    /// The trainable tensors.
    var parameters: [Parameter<Scalar>] { get }
    /// Names and shapes of every stored tensor (parameters and buffers such as running statistics).
    var stateShapes: [(name: String, shape: [Int])] { get }
    /// A stored tensor by name.
    func stateTensor(_ name: String) -> Tensor<Scalar>?
    /// Replaces a stored tensor; throws if the name is unknown or the shape differs.
    func setStateTensor(_ name: String, _ value: Tensor<Scalar>) throws
}

extension Layer {
    public var parameters: [Parameter<Scalar>] { [] }
    public var stateShapes: [(name: String, shape: [Int])] { parameters.map { ($0.name, $0.value.shape) } }
    public func stateTensor(_ name: String) -> Tensor<Scalar>? {
        parameters.first { $0.name == name }?.value
    }
    public func setStateTensor(_ name: String, _ value: Tensor<Scalar>) throws {
        guard let p = parameters.first(where: { $0.name == name }) else {
            throw NeuralNetworkError.unexpectedTensor(name)
        }
        guard p.value.shape == value.shape else {
            throw NeuralNetworkError.shapeMismatch(context: "tensor \(name)", expected: p.value.shape, actual: value.shape)
        }
        p.value = value
    }

    /// A deep copy (same spec and stored tensors).
    public func copy() throws -> any Layer<Scalar> {
        let l: any Layer<Scalar> = try makeLayer(spec)
        for (name, _) in stateShapes {
            if let t = stateTensor(name) { try l.setStateTensor(name, t) }
        }
        return l
    }

    func checkBatch(_ input: Tensor<Scalar>, _ expected: [Int]?) throws {
        guard input.rank >= 1 else {
            throw NeuralNetworkError.shapeMismatch(context: "\(spec.type.rawValue) input", expected: [-1] + (expected ?? []), actual: input.shape)
        }
        if let e = expected, Array(input.shape.dropFirst()) != e {
            throw NeuralNetworkError.shapeMismatch(
                context: "\(spec.type.rawValue) input (per sample)", expected: e, actual: Array(input.shape.dropFirst()))
        }
    }

    func noForward() -> NeuralNetworkError {
        .invalidArgument("\(spec.type.rawValue).backward called without a preceding forward")
    }

    func checkGrad(_ g: Tensor<Scalar>, _ shape: [Int]) throws {
        guard g.shape == shape else {
            throw NeuralNetworkError.shapeMismatch(context: "\(spec.type.rawValue) gradient", expected: shape, actual: g.shape)
        }
    }
}

/// Builds a layer from its description, with zero weights (initialize with `Sequential.initialize`
/// or load them from a file). Throws `.invalidArchitecture` for missing or out-of-range fields.
public func makeLayer<Scalar: NNScalar>(_ spec: LayerSpec, as: Scalar.Type = Scalar.self) throws -> any Layer<Scalar> {
    func need<V>(_ v: V?, _ field: String) throws -> V {
        guard let v else { throw NeuralNetworkError.invalidArchitecture("\(spec.type.rawValue) needs \(field)") }
        return v
    }
    func pair(_ v: [Int]?, _ field: String, min: Int) throws -> (Int, Int) {
        let a = try need(v, field)
        guard a.count == 2, a[0] >= min, a[1] >= min, a[0] <= 1 << 16, a[1] <= 1 << 16 else {
            throw NeuralNetworkError.invalidArchitecture("\(spec.type.rawValue).\(field) must be two integers >= \(min), got \(a)")
        }
        return (a[0], a[1])
    }
    func positive(_ v: Int?, _ field: String) throws -> Int {
        let x = try need(v, field)
        guard x > 0, x <= 1 << 24 else {
            throw NeuralNetworkError.invalidArchitecture("\(spec.type.rawValue).\(field) must be positive, got \(x)")
        }
        return x
    }
    func bounded(_ dims: [Int]) throws {
        guard checkedProduct(dims) != nil else {
            throw NeuralNetworkError.invalidArchitecture("\(spec.type.rawValue) has too many weights \(dims)")
        }
    }
    switch spec.type {
    case .conv2d:
        let k = try pair(spec.kernelSize, "kernel_size", min: 1)
        try bounded([spec.inChannels ?? 0, spec.outChannels ?? 0, k.0, k.1])
        let s = try pair(spec.stride ?? [1, 1], "stride", min: 1)
        let p = try pair(spec.padding ?? [0, 0], "padding", min: 0)
        return Conv2D<Scalar>(
            inChannels: try positive(spec.inChannels, "in_channels"), outChannels: try positive(spec.outChannels, "out_channels"),
            kernel: k, stride: s, padding: p)
    case .dense:
        try bounded([spec.inFeatures ?? 0, spec.outFeatures ?? 0])
        return Dense<Scalar>(inFeatures: try positive(spec.inFeatures, "in_features"), outFeatures: try positive(spec.outFeatures, "out_features"))
    case .avgPool2d, .sumPool2d, .maxPool2d:
        let k = try pair(spec.kernelSize, "kernel_size", min: 1)
        let s = try pair(spec.stride ?? spec.kernelSize, "stride", min: 1)
        let p = try pair(spec.padding ?? [0, 0], "padding", min: 0)
        let mode: Pool2D<Scalar>.Mode = spec.type == .maxPool2d ? .max : spec.type == .avgPool2d ? .average : .sum
        return Pool2D<Scalar>(mode: mode, kernel: k, stride: s, padding: p)
    case .batchNorm:
        let eps = spec.eps ?? 1e-5
        let m = spec.momentum ?? 0.1
        guard eps > 0, eps.isFinite, m >= 0, m <= 1 else {
            throw NeuralNetworkError.invalidArchitecture("batch_norm eps must be > 0 and momentum in [0, 1]")
        }
        return BatchNorm<Scalar>(features: try positive(spec.numFeatures, "num_features"), eps: eps, momentum: m)
    case .relu: return ReLU<Scalar>()
    case .square: return Square<Scalar>()
    case .sigmoid: return Sigmoid<Scalar>()
    case .softmax: return Softmax<Scalar>()
    case .flatten: return Flatten<Scalar>()
    case .polynomial:
        let c = try need(spec.coefficients, "coefficients")
        guard !c.isEmpty, c.count <= 33, c.allSatisfy({ $0.isFinite }) else {
            throw NeuralNetworkError.invalidArchitecture("polynomial needs 1 to 33 finite coefficients")
        }
        return Polynomial<Scalar>(coefficients: c.map { Scalar($0) })
    case .channelPolynomial:
        let d = try need(spec.degree, "degree")
        guard d >= 0, d <= 32 else { throw NeuralNetworkError.invalidArchitecture("channel_polynomial degree must be in 0...32") }
        try bounded([spec.numFeatures ?? 0, d + 1])
        return ChannelPolynomial<Scalar>(
            coefficients: Tensor(zeros: [try positive(spec.numFeatures, "num_features"), d + 1]))
    }
}

/// The product of `dims`, or nil if it overflows or exceeds `limit` (2^28 elements by default).
func checkedProduct(_ dims: [Int], limit: Int = 1 << 28) -> Int? {
    var p = 1
    for d in dims {
        guard d >= 0 else { return nil }
        let (r, o) = p.multipliedReportingOverflow(by: d)
        guard !o, r <= limit else { return nil }
        p = r
    }
    return p
}

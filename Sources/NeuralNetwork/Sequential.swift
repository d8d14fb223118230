/// A network's architecture: the per-sample input shape and the chain of layers. This is the JSON
/// stored under `architecture` in a model file.
public struct Architecture: Codable, Equatable, Sendable {
    /// Per-sample input shape, e.g. `[1, 29, 29]` for a one-channel 29x29 image.
    public var inputShape: [Int]
    public var layers: [LayerSpec]

    enum CodingKeys: String, CodingKey { case inputShape = "input_shape", layers }

    public init(inputShape: [Int], layers: [LayerSpec]) {
        self.inputShape = inputShape
        self.layers = layers
    }
}

/// A feed-forward chain of layers with a fixed per-sample input shape.
///
/// The initializer checks that every layer accepts the previous layer's output, so a constructed
/// network never fails on a well-shaped input. Stored tensors are named `"<layer index>.<name>"`
/// (`"0.weight"`, `"2.running_mean"`), exactly like the `state_dict` of a PyTorch `nn.Sequential`.
public final class Sequential<Scalar: NNScalar> {
    /// Per-sample input shape.
    public let inputShape: [Int]
    /// The layers, applied in order.
    public let layers: [any Layer<Scalar>]
    /// Per-sample output shape of each layer.
    public let layerOutputShapes: [[Int]]

    /// Creates a network, validating the chain of shapes.
    public init(inputShape: [Int], layers: [any Layer<Scalar>]) throws {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }), checkedProduct(inputShape) != nil else {
            throw NeuralNetworkError.invalidArchitecture("input shape must be non-empty and positive, got \(inputShape)")
        }
        guard !layers.isEmpty else { throw NeuralNetworkError.invalidArchitecture("a network needs at least one layer") }
        var shape = inputShape
        var shapes: [[Int]] = []
        for (i, layer) in layers.enumerated() {
            do {
                shape = try layer.outputShape(forInput: shape)
            } catch let e as NeuralNetworkError {
                throw NeuralNetworkError.invalidArchitecture("layer \(i) (\(layer.spec.type.rawValue)): \(e)")
            }
            guard shape.allSatisfy({ $0 > 0 }), checkedProduct(shape) != nil else {
                throw NeuralNetworkError.invalidArchitecture("layer \(i) produces empty shape \(shape)")
            }
            shapes.append(shape)
        }
        self.inputShape = inputShape
        self.layers = layers
        self.layerOutputShapes = shapes
    }

    /// Builds a network (zero weights, unit batch-norm scales) from its description.
    public convenience init(architecture: Architecture) throws {
        guard architecture.layers.count <= 4096 else { throw NeuralNetworkError.invalidArchitecture("too many layers") }
        try self.init(inputShape: architecture.inputShape, layers: architecture.layers.map { try makeLayer($0) })
    }

    /// The description of this network.
    public var architecture: Architecture { Architecture(inputShape: inputShape, layers: layers.map { $0.spec }) }

    /// Per-sample output shape.
    public var outputShape: [Int] { layerOutputShapes.last ?? inputShape }

    /// All trainable parameters, in layer order.
    public var parameters: [Parameter<Scalar>] { layers.flatMap { $0.parameters } }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Fills weights with seeded uniform values (variance 2/fan-in before a ReLU, 1/fan-in otherwise)
    /// and zeroes biases; batch normalization starts at the identity.
    public func initialize(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for (i, layer) in layers.enumerated() {
            let weight: Parameter<Scalar>, bias: Parameter<Scalar>, fanIn: Int
            if let d = layer as? Dense<Scalar> {
                (weight, bias, fanIn) = (d.weight, d.bias, d.inFeatures)
            } else if let c = layer as? Conv2D<Scalar> {
                (weight, bias, fanIn) = (c.weight, c.bias, c.inChannels * c.kernel.height * c.kernel.width)
            } else {
                continue
            }
            let nextActivation = layers[(i + 1)...].first { !$0.spec.isLinearAtInference }
            let gain = nextActivation?.spec.type == .relu ? 2.0 : 1.0
            let bound = (3 * gain / Double(fanIn)).squareRoot()
            weight.value.scalars = weight.value.scalars.map { _ in Scalar((rng.nextUnit() * 2 - 1) * bound) }
            bias.value.scalars = bias.value.scalars.map { _ in 0 }
        }
    }

    /// Runs the network on a batch `[N] + inputShape`.
    public func forward(_ input: Tensor<Scalar>, training: Bool = false) throws -> Tensor<Scalar> {
        guard input.rank == inputShape.count + 1, Array(input.shape.dropFirst()) == inputShape else {
            throw NeuralNetworkError.shapeMismatch(context: "network input", expected: [-1] + inputShape, actual: input.shape)
        }
        var x = input
        for layer in layers { x = try layer.forward(x, training: training) }
        return x
    }

    /// Inference returning the output of every layer, in order (the last one is `forward`'s result).
    /// Protocol modules use it to measure value ranges (fixed-point scales, plaintext moduli) and to
    /// check an encrypted evaluation layer by layer.
    public func layerOutputs(_ input: Tensor<Scalar>) throws -> [Tensor<Scalar>] {
        guard input.rank == inputShape.count + 1, Array(input.shape.dropFirst()) == inputShape else {
            throw NeuralNetworkError.shapeMismatch(context: "network input", expected: [-1] + inputShape, actual: input.shape)
        }
        var outputs: [Tensor<Scalar>] = []
        var x = input
        for layer in layers {
            x = try layer.forward(x, training: false)
            outputs.append(x)
        }
        return outputs
    }

    /// The largest absolute value of each layer's output over `input` (inference mode).
    public func maxAbsoluteOutputs(_ input: Tensor<Scalar>) throws -> [Scalar] {
        try layerOutputs(input).map { t in t.scalars.reduce(0) { Swift.max($0, Swift.abs($1)) } }
    }

    /// Back-propagates d(loss)/d(output) of the last `forward`; sets every parameter's gradient and
    /// returns d(loss)/d(input).
    @discardableResult
    public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
        var g = gradOutput
        for layer in layers.reversed() { g = try layer.backward(g) }
        return g
    }

    /// Inference on a batch of any size, in chunks of `batchSize`.
    public func predict(_ input: Tensor<Scalar>, batchSize: Int = 500) throws -> Tensor<Scalar> {
        guard batchSize > 0 else { throw NeuralNetworkError.invalidArgument("batch size must be positive") }
        guard let n = input.shape.first else { throw NeuralNetworkError.shapeMismatch(context: "predict", expected: [-1] + inputShape, actual: input.shape) }
        var out: [Scalar] = []
        var start = 0
        while start < n {
            let end = min(n, start + batchSize)
            out += try forward(input.slice(batch: start..<end), training: false).scalars
            start = end
        }
        return Tensor(unchecked: [n] + outputShape, out)
    }

    /// Every stored tensor under its file name (`"<layer>.<name>"`), in layer order.
    public func namedTensors() -> [(name: String, tensor: Tensor<Scalar>)] {
        layers.enumerated().flatMap { i, layer in
            layer.stateShapes.compactMap { s in layer.stateTensor(s.name).map { ("\(i).\(s.name)", $0) } }
        }
    }

    /// Names and shapes of every tensor the architecture stores.
    public var expectedTensorShapes: [(name: String, shape: [Int])] {
        layers.enumerated().flatMap { i, layer in layer.stateShapes.map { ("\(i).\($0.name)", $0.shape) } }
    }

    /// Replaces all stored tensors; every expected tensor must be present with its exact shape and no
    /// other tensor may be given.
    public func load(namedTensors: [String: Tensor<Scalar>]) throws {
        let expected = expectedTensorShapes
        let names = Set(expected.map { $0.name })
        if let extra = namedTensors.keys.sorted().first(where: { !names.contains($0) }) {
            throw NeuralNetworkError.unexpectedTensor(extra)
        }
        for (name, shape) in expected {
            guard let t = namedTensors[name] else { throw NeuralNetworkError.missingTensor(name) }
            guard t.shape == shape else { throw NeuralNetworkError.shapeMismatch(context: "tensor \(name)", expected: shape, actual: t.shape) }
        }
        for (i, layer) in layers.enumerated() {
            for s in layer.stateShapes { try layer.setStateTensor(s.name, namedTensors["\(i).\(s.name)"]!) }
        }
    }

    /// A deep copy in another scalar type.
    public func converted<T: NNScalar>(to: T.Type = T.self) throws -> Sequential<T> {
        let net = try Sequential<T>(architecture: architecture)
        try net.load(namedTensors: Dictionary(uniqueKeysWithValues: namedTensors().map { ($0.name, $0.tensor.converted(to: T.self)) }))
        return net
    }

    /// A deep copy.
    public func copy() throws -> Sequential<Scalar> { try converted(to: Scalar.self) }
}

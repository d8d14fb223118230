/// `max(0, x)`.
public final class ReLU<Scalar: NNScalar>: Layer {
    private var input: Tensor<Scalar>?
    /// Creates the layer.
    public init() {}
    public var spec: LayerSpec { .relu }
    public func outputShape(forInput shape: [Int]) throws -> [Int] { shape }
    @_specialize(where Scalar == Float)
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(x, nil)
        input = x
        return Tensor(unchecked: x.shape, x.scalars.map { $0 > 0 ? $0 : 0 })
    }
    @_specialize(where Scalar == Float)
    public func backward(_ g: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let x = input else { throw noForward() }
        try checkGrad(g, x.shape)
        return Tensor(unchecked: x.shape, zip(x.scalars, g.scalars).map { $0 > 0 ? $1 : 0 })
    }
}

/// `x^2` (CryptoNets' activation; multiplicative depth 1).
public final class Square<Scalar: NNScalar>: Layer {
    private var input: Tensor<Scalar>?
    /// Creates the layer.
    public init() {}
    public var spec: LayerSpec { .square }
    public func outputShape(forInput shape: [Int]) throws -> [Int] { shape }
    @_specialize(where Scalar == Float)
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(x, nil)
        input = x
        return Tensor(unchecked: x.shape, x.scalars.map { $0 * $0 })
    }
    @_specialize(where Scalar == Float)
    public func backward(_ g: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let x = input else { throw noForward() }
        try checkGrad(g, x.shape)
        return Tensor(unchecked: x.shape, zip(x.scalars, g.scalars).map { 2 * $0 * $1 })
    }
}

/// A polynomial `c0 + c1 x + ... + cd x^d` applied element-wise (Horner's rule).
/// ``ReLUApproximation`` gives the N(0, 1) least-squares fits of ReLU.
public final class Polynomial<Scalar: NNScalar>: Layer {
    /// `c0, c1, ..., cd`.
    public let coefficients: [Scalar]
    private var input: Tensor<Scalar>?
    /// A polynomial with coefficients `c0 ... cd`.
    public init(coefficients: [Scalar]) { self.coefficients = coefficients }
    public var spec: LayerSpec { .polynomial(coefficients.map { Double($0) }) }
    public func outputShape(forInput shape: [Int]) throws -> [Int] { shape }

    static func evaluate(_ c: ArraySlice<Scalar>, _ x: Scalar) -> Scalar {
        var r: Scalar = 0
        for k in c.indices.reversed() { r = r * x + c[k] }
        return r
    }
    static func derivative(_ c: ArraySlice<Scalar>, _ x: Scalar) -> Scalar {
        var r: Scalar = 0
        for k in c.indices.reversed() where k > c.startIndex { r = r * x + Scalar(k - c.startIndex) * c[k] }
        return r
    }
    @_specialize(where Scalar == Float)
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(x, nil)
        input = x
        let c = coefficients[...]
        return Tensor(unchecked: x.shape, x.scalars.map { Self.evaluate(c, $0) })
    }
    @_specialize(where Scalar == Float)
    public func backward(_ g: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let x = input else { throw noForward() }
        try checkGrad(g, x.shape)
        let c = coefficients[...]
        return Tensor(unchecked: x.shape, zip(x.scalars, g.scalars).map { Self.derivative(c, $0) * $1 })
    }
}

/// A polynomial activation with its own coefficients per channel: the result of folding a batch
/// normalization into the following polynomial. Stores the tensor `coefficients [C, d + 1]`.
public final class ChannelPolynomial<Scalar: NNScalar>: Layer {
    /// Coefficients `[channels, degree + 1]`, lowest degree first.
    public private(set) var coefficients: Tensor<Scalar>
    private var input: Tensor<Scalar>?
    /// A per-channel polynomial from a `[channels, degree + 1]` coefficient tensor.
    public init(coefficients: Tensor<Scalar>) { self.coefficients = coefficients }
    /// The number of channels.
    public var channels: Int { coefficients.shape[0] }
    /// The polynomial degree.
    public var degree: Int { coefficients.shape[1] - 1 }
    public var spec: LayerSpec { .channelPolynomial(channels: channels, degree: degree) }
    public var stateShapes: [(name: String, shape: [Int])] { [("coefficients", coefficients.shape)] }
    public func stateTensor(_ name: String) -> Tensor<Scalar>? { name == "coefficients" ? coefficients : nil }
    public func setStateTensor(_ name: String, _ value: Tensor<Scalar>) throws {
        guard name == "coefficients" else { throw NeuralNetworkError.unexpectedTensor(name) }
        guard value.shape == coefficients.shape else {
            throw NeuralNetworkError.shapeMismatch(context: "channel_polynomial coefficients", expected: coefficients.shape, actual: value.shape)
        }
        coefficients = value
    }
    public func outputShape(forInput shape: [Int]) throws -> [Int] {
        guard shape.first == channels else {
            throw NeuralNetworkError.shapeMismatch(context: "channel_polynomial input (per sample)", expected: [channels], actual: shape)
        }
        return shape
    }
    private func apply(_ x: Tensor<Scalar>, _ f: (ArraySlice<Scalar>, Scalar, Int) -> Scalar) -> [Scalar] {
        let n = x.shape[0], S = x.count / max(1, n * channels), d1 = degree + 1
        var out = [Scalar](repeating: 0, count: x.count)
        for i in 0..<n {
            for c in 0..<channels {
                let coef = coefficients.scalars[(c * d1)..<((c + 1) * d1)]
                for j in 0..<S { let idx = (i * channels + c) * S + j; out[idx] = f(coef, x.scalars[idx], idx) }
            }
        }
        return out
    }
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(x, nil)
        _ = try outputShape(forInput: Array(x.shape.dropFirst()))
        input = x
        return Tensor(unchecked: x.shape, apply(x) { c, v, _ in Polynomial<Scalar>.evaluate(c, v) })
    }
    public func backward(_ g: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let x = input else { throw noForward() }
        try checkGrad(g, x.shape)
        return Tensor(unchecked: x.shape, apply(x) { c, v, idx in Polynomial<Scalar>.derivative(c, v) * g.scalars[idx] })
    }
}

/// The logistic function `1 / (1 + e^-x)`.
public final class Sigmoid<Scalar: NNScalar>: Layer {
    private var output: Tensor<Scalar>?
    /// Creates the layer.
    public init() {}
    public var spec: LayerSpec { .sigmoid }
    public func outputShape(forInput shape: [Int]) throws -> [Int] { shape }
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(x, nil)
        let y = Tensor(unchecked: x.shape, x.scalars.map { v -> Scalar in
            v >= 0 ? 1 / (1 + Scalar.exponential(-v)) : Scalar.exponential(v) / (1 + Scalar.exponential(v))
        })
        output = y
        return y
    }
    public func backward(_ g: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let y = output else { throw noForward() }
        try checkGrad(g, y.shape)
        return Tensor(unchecked: y.shape, zip(y.scalars, g.scalars).map { $0 * (1 - $0) * $1 })
    }
}

/// Softmax over the features of each sample (all non-batch dimensions).
public final class Softmax<Scalar: NNScalar>: Layer {
    private var output: Tensor<Scalar>?
    /// Creates the layer.
    public init() {}
    public var spec: LayerSpec { .softmax }
    public func outputShape(forInput shape: [Int]) throws -> [Int] { shape }
    public func forward(_ x: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(x, nil)
        let y = Tensor(unchecked: x.shape, softmaxRows(x.scalars, rows: x.shape[0]))
        output = y
        return y
    }
    public func backward(_ g: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let y = output else { throw noForward() }
        try checkGrad(g, y.shape)
        let n = y.shape[0], F = y.count / max(1, n)
        var dx = [Scalar](repeating: 0, count: y.count)
        for i in 0..<n {
            var dot: Scalar = 0
            for j in 0..<F { dot += g.scalars[i * F + j] * y.scalars[i * F + j] }
            for j in 0..<F { dx[i * F + j] = y.scalars[i * F + j] * (g.scalars[i * F + j] - dot) }
        }
        return Tensor(unchecked: y.shape, dx)
    }
}

/// Numerically stable softmax of each of `rows` equal-length rows.
func softmaxRows<Scalar: NNScalar>(_ x: [Scalar], rows: Int) -> [Scalar] {
    guard rows > 0 else { return [] }
    let F = x.count / rows
    var out = [Scalar](repeating: 0, count: x.count)
    for i in 0..<rows {
        var m = -Scalar.infinity
        for j in 0..<F { m = max(m, x[i * F + j]) }
        var s: Scalar = 0
        for j in 0..<F { let e = Scalar.exponential(x[i * F + j] - m); out[i * F + j] = e; s += e }
        for j in 0..<F { out[i * F + j] /= s }
    }
    return out
}

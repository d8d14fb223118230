/// A fully connected layer `y = x W^T + b` (PyTorch `nn.Linear` layout: `weight [out, in]`,
/// `bias [out]`). Inputs of any per-sample shape with `inFeatures` elements are flattened.
public final class Dense<Scalar: NNScalar>: Layer {
    /// Input features (per-sample element count).
    public let inFeatures: Int
    /// Output features.
    public let outFeatures: Int
    /// The weights (layout in the type description).
    public let weight: Parameter<Scalar>
    /// The bias, one per output feature or channel.
    public let bias: Parameter<Scalar>
    private var cachedInput: Tensor<Scalar>?

    /// A layer with zero weights; see `Sequential.initialize(seed:)`.
    public init(inFeatures: Int, outFeatures: Int) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(name: "weight", value: Tensor(zeros: [outFeatures, inFeatures]))
        bias = Parameter(name: "bias", value: Tensor(zeros: [outFeatures]))
    }

    public var spec: LayerSpec { .dense(inFeatures: inFeatures, outFeatures: outFeatures) }
    public var parameters: [Parameter<Scalar>] { [weight, bias] }

    public func outputShape(forInput shape: [Int]) throws -> [Int] {
        guard checkedProduct(shape) == inFeatures else {
            throw NeuralNetworkError.shapeMismatch(context: "dense input (per sample)", expected: [inFeatures], actual: shape)
        }
        return [outFeatures]
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(input, nil)
        let n = input.shape[0]
        _ = try outputShape(forInput: Array(input.shape.dropFirst()))
        cachedInput = input
        var out = [Scalar](repeating: 0, count: n * outFeatures)
        for i in 0..<n { for j in 0..<outFeatures { out[i * outFeatures + j] = bias.value.scalars[j] } }
        input.scalars.withUnsafeBufferPointer { x in
            weight.value.scalars.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { y in
                    Scalar.gemm(
                        transposeA: false, transposeB: true, m: n, n: outFeatures, k: inFeatures, alpha: 1,
                        a: x.baseAddress!, lda: inFeatures, b: w.baseAddress!, ldb: inFeatures, beta: 1,
                        c: y.baseAddress!, ldc: outFeatures)
                }
            }
        }
        return Tensor(unchecked: [n, outFeatures], out)
    }

    public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let x = cachedInput else { throw noForward() }
        let n = x.shape[0]
        try checkGrad(gradOutput, [n, outFeatures])
        var dW = [Scalar](repeating: 0, count: outFeatures * inFeatures)
        var db = [Scalar](repeating: 0, count: outFeatures)
        var dx = [Scalar](repeating: 0, count: n * inFeatures)
        gradOutput.scalars.withUnsafeBufferPointer { g in
            x.scalars.withUnsafeBufferPointer { xp in
                weight.value.scalars.withUnsafeBufferPointer { w in
                    dW.withUnsafeMutableBufferPointer { dw in
                        Scalar.gemm(
                            transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: n, alpha: 1,
                            a: g.baseAddress!, lda: outFeatures, b: xp.baseAddress!, ldb: inFeatures, beta: 0,
                            c: dw.baseAddress!, ldc: inFeatures)
                    }
                    dx.withUnsafeMutableBufferPointer { d in
                        Scalar.gemm(
                            transposeA: false, transposeB: false, m: n, n: inFeatures, k: outFeatures, alpha: 1,
                            a: g.baseAddress!, lda: outFeatures, b: w.baseAddress!, ldb: inFeatures, beta: 0,
                            c: d.baseAddress!, ldc: inFeatures)
                    }
                }
            }
            for i in 0..<n { for j in 0..<outFeatures { db[j] += g[i * outFeatures + j] } }
        }
        weight.gradient = Tensor(unchecked: weight.value.shape, dW)
        bias.gradient = Tensor(unchecked: [outFeatures], db)
        return Tensor(unchecked: x.shape, dx)
    }
}

/// A 2-D convolution on `[N, C, H, W]` batches through im2col and one BLAS product per batch
/// (PyTorch `nn.Conv2d` layout: `weight [out, in, kh, kw]`, `bias [out]`).
public final class Conv2D<Scalar: NNScalar>: Layer {
    /// Input channels.
    public let inChannels: Int
    /// Output channels (feature maps).
    public let outChannels: Int
    /// Window size.
    public let kernel: (height: Int, width: Int)
    /// Step between windows.
    public let stride: (vertical: Int, horizontal: Int)
    /// Zero rows/columns added on both sides.
    public let padding: (vertical: Int, horizontal: Int)
    /// The weights (layout in the type description).
    public let weight: Parameter<Scalar>
    /// The bias, one per output feature or channel.
    public let bias: Parameter<Scalar>
    private var cache: (input: Tensor<Scalar>, col: [Scalar], geometry: WindowGeometry)?

    /// A convolution with zero weights; see `Sequential.initialize(seed:)`.
    public init(inChannels: Int, outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        weight = Parameter(name: "weight", value: Tensor(zeros: [outChannels, inChannels, kernel.0, kernel.1]))
        bias = Parameter(name: "bias", value: Tensor(zeros: [outChannels]))
    }

    public var spec: LayerSpec {
        var s = LayerSpec.conv2d(inChannels: inChannels, outChannels: outChannels, kernel: kernel.height)
        s.kernelSize = [kernel.height, kernel.width]
        s.stride = [stride.vertical, stride.horizontal]
        s.padding = [padding.vertical, padding.horizontal]
        return s
    }
    public var parameters: [Parameter<Scalar>] { [weight, bias] }

    func geometry(_ shape: [Int]) throws -> WindowGeometry {
        guard shape.count == 3, shape[0] == inChannels else {
            throw NeuralNetworkError.shapeMismatch(context: "conv2d input (per sample [C, H, W])", expected: [inChannels, -1, -1], actual: shape)
        }
        let g = WindowGeometry(
            channels: inChannels, height: shape[1], width: shape[2], kernelH: kernel.height, kernelW: kernel.width,
            strideH: stride.vertical, strideW: stride.horizontal, padH: padding.vertical, padW: padding.horizontal)
        try g.validate(context: "conv2d")
        return g
    }

    public func outputShape(forInput shape: [Int]) throws -> [Int] {
        let g = try geometry(shape)
        return [outChannels, g.outH, g.outW]
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(input, nil)
        let g = try geometry(Array(input.shape.dropFirst()))
        let n = input.shape[0], L = g.positions, K = g.patch, O = outChannels
        var col = [Scalar](repeating: 0, count: K * n * L)
        input.scalars.withUnsafeBufferPointer { x in
            col.withUnsafeMutableBufferPointer { c in Kernels.im2col(x.baseAddress!, batch: n, g, c.baseAddress!) }
        }
        var tmp = [Scalar](repeating: 0, count: O * n * L)
        var out = [Scalar](repeating: 0, count: O * n * L)
        col.withUnsafeBufferPointer { c in
            weight.value.scalars.withUnsafeBufferPointer { w in
                tmp.withUnsafeMutableBufferPointer { t in
                    Scalar.gemm(
                        transposeA: false, transposeB: false, m: O, n: n * L, k: K, alpha: 1,
                        a: w.baseAddress!, lda: K, b: c.baseAddress!, ldb: n * L, beta: 0, c: t.baseAddress!, ldc: n * L)
                }
            }
        }
        tmp.withUnsafeBufferPointer { t in
            bias.value.scalars.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { o in
                    Kernels.channelsFirstToBatchFirst(
                        t.baseAddress!, bias: b.baseAddress!, outChannels: O, batch: n, positions: L, o.baseAddress!)
                }
            }
        }
        cache = (input, col, g)
        return Tensor(unchecked: [n, O, g.outH, g.outW], out)
    }

    public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let (x, col, g) = cache else { throw noForward() }
        let n = x.shape[0], L = g.positions, K = g.patch, O = outChannels
        try checkGrad(gradOutput, [n, O, g.outH, g.outW])
        var gO = [Scalar](repeating: 0, count: O * n * L)
        gradOutput.scalars.withUnsafeBufferPointer { s in
            gO.withUnsafeMutableBufferPointer { d in
                Kernels.batchFirstToChannelsFirst(s.baseAddress!, outChannels: O, batch: n, positions: L, d.baseAddress!)
            }
        }
        var dW = [Scalar](repeating: 0, count: O * K)
        var db = [Scalar](repeating: 0, count: O)
        var dcol = [Scalar](repeating: 0, count: K * n * L)
        var dx = [Scalar](repeating: 0, count: x.count)
        gO.withUnsafeBufferPointer { go in
            col.withUnsafeBufferPointer { c in
                dW.withUnsafeMutableBufferPointer { dw in
                    Scalar.gemm(
                        transposeA: false, transposeB: true, m: O, n: K, k: n * L, alpha: 1,
                        a: go.baseAddress!, lda: n * L, b: c.baseAddress!, ldb: n * L, beta: 0, c: dw.baseAddress!, ldc: K)
                }
            }
            weight.value.scalars.withUnsafeBufferPointer { w in
                dcol.withUnsafeMutableBufferPointer { dc in
                    Scalar.gemm(
                        transposeA: true, transposeB: false, m: K, n: n * L, k: O, alpha: 1,
                        a: w.baseAddress!, lda: K, b: go.baseAddress!, ldb: n * L, beta: 0, c: dc.baseAddress!, ldc: n * L)
                }
            }
            for o in 0..<O {
                var s: Scalar = 0
                for i in 0..<(n * L) { s += go[o * n * L + i] }
                db[o] = s
            }
        }
        dcol.withUnsafeBufferPointer { dc in
            dx.withUnsafeMutableBufferPointer { d in Kernels.col2im(dc.baseAddress!, batch: n, g, d.baseAddress!) }
        }
        weight.gradient = Tensor(unchecked: weight.value.shape, dW)
        bias.gradient = Tensor(unchecked: [O], db)
        return Tensor(unchecked: x.shape, dx)
    }
}

/// 2-D pooling on `[N, C, H, W]`: average (padding counted as zeros), sum (CryptoNets' scaled mean
/// pool) or max.
public final class Pool2D<Scalar: NNScalar>: Layer {
    /// How a window is reduced.
    public enum Mode: Sendable { case average, sum, max }
    /// The reduction.
    public let mode: Mode
    /// Window size.
    public let kernel: (height: Int, width: Int)
    /// Step between windows.
    public let stride: (vertical: Int, horizontal: Int)
    /// Zero rows/columns added on both sides.
    public let padding: (vertical: Int, horizontal: Int)
    private var cache: (shape: [Int], geometry: WindowGeometry, argmax: [Int])?

    /// A pooling layer; the stride defaults to the kernel size.
    public init(mode: Mode, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) {
        self.mode = mode
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
    }

    public var spec: LayerSpec {
        var s: LayerSpec
        switch mode {
        case .average: s = .avgPool2d(kernel: 1)
        case .sum: s = .sumPool2d(kernel: 1)
        case .max: s = .maxPool2d(kernel: 1)
        }
        s.kernelSize = [kernel.height, kernel.width]
        s.stride = [stride.vertical, stride.horizontal]
        s.padding = [padding.vertical, padding.horizontal]
        return s
    }

    func geometry(_ shape: [Int]) throws -> WindowGeometry {
        guard shape.count == 3 else {
            throw NeuralNetworkError.shapeMismatch(context: "pooling input (per sample [C, H, W])", expected: [-1, -1, -1], actual: shape)
        }
        let g = WindowGeometry(
            channels: shape[0], height: shape[1], width: shape[2], kernelH: kernel.height, kernelW: kernel.width,
            strideH: stride.vertical, strideW: stride.horizontal, padH: padding.vertical, padW: padding.horizontal)
        try g.validate(context: "pool2d")
        return g
    }

    var scale: Scalar { mode == .average ? 1 / Scalar(kernel.height * kernel.width) : 1 }

    public func outputShape(forInput shape: [Int]) throws -> [Int] {
        let g = try geometry(shape)
        return [g.channels, g.outH, g.outW]
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(input, nil)
        let g = try geometry(Array(input.shape.dropFirst()))
        let n = input.shape[0]
        var out = [Scalar](repeating: 0, count: n * g.channels * g.positions)
        var argmax = [Int]()
        input.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                if mode == .max {
                    argmax = [Int](repeating: 0, count: y.count)
                    argmax.withUnsafeMutableBufferPointer { a in
                        Kernels.maxPoolForward(x.baseAddress!, batch: n, g, y.baseAddress!, a.baseAddress!)
                    }
                } else {
                    Kernels.sumPoolForward(x.baseAddress!, batch: n, g, scale: scale, y.baseAddress!)
                }
            }
        }
        cache = (input.shape, g, argmax)
        return Tensor(unchecked: [n, g.channels, g.outH, g.outW], out)
    }

    public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let (shape, g, argmax) = cache else { throw noForward() }
        try checkGrad(gradOutput, [shape[0], g.channels, g.outH, g.outW])
        var dx = [Scalar](repeating: 0, count: shape.reduce(1, *))
        if mode == .max {
            for (i, src) in argmax.enumerated() { dx[src] += gradOutput.scalars[i] }
        } else {
            gradOutput.scalars.withUnsafeBufferPointer { gy in
                dx.withUnsafeMutableBufferPointer { d in
                    Kernels.sumPoolBackward(gy.baseAddress!, batch: shape[0], g, scale: scale, d.baseAddress!)
                }
            }
        }
        return Tensor(unchecked: shape, dx)
    }
}

/// Batch normalization over the channels of `[N, C, H, W]` or the features of `[N, F]`.
///
/// In training it normalizes with the batch's statistics and updates the running statistics
/// (PyTorch convention: `running = (1 - momentum) * running + momentum * batch`, unbiased variance);
/// in inference it uses the running statistics. Stored tensors: `weight` (gamma), `bias` (beta),
/// `running_mean`, `running_var`.
public final class BatchNorm<Scalar: NNScalar>: Layer {
    /// Channels (or features) normalized.
    public let features: Int
    /// Added to the variance before the square root.
    public let eps: Double
    /// Weight of the batch statistics in the running statistics.
    public let momentum: Double
    /// The weights (layout in the type description).
    public let weight: Parameter<Scalar>
    /// The bias, one per output feature or channel.
    public let bias: Parameter<Scalar>
    /// Running mean used in inference.
    public var runningMean: Tensor<Scalar>
    /// Running (unbiased) variance used in inference.
    public var runningVar: Tensor<Scalar>
    private var cache: (xhat: [Scalar], invStd: [Scalar], shape: [Int], training: Bool)?

    /// Identity-initialized batch normalization (gamma 1, beta 0, running mean 0, variance 1).
    public init(features: Int, eps: Double = 1e-5, momentum: Double = 0.1) {
        self.features = features
        self.eps = eps
        self.momentum = momentum
        weight = Parameter(name: "weight", value: Tensor(repeating: 1, shape: [features]))
        bias = Parameter(name: "bias", value: Tensor(zeros: [features]))
        runningMean = Tensor(zeros: [features])
        runningVar = Tensor(repeating: 1, shape: [features])
    }

    public var spec: LayerSpec { .batchNorm(features: features, eps: eps, momentum: momentum) }
    public var parameters: [Parameter<Scalar>] { [weight, bias] }
    public var stateShapes: [(name: String, shape: [Int])] {
        [("weight", [features]), ("bias", [features]), ("running_mean", [features]), ("running_var", [features])]
    }
    public func stateTensor(_ name: String) -> Tensor<Scalar>? {
        switch name {
        case "weight": return weight.value
        case "bias": return bias.value
        case "running_mean": return runningMean
        case "running_var": return runningVar
        default: return nil
        }
    }
    public func setStateTensor(_ name: String, _ value: Tensor<Scalar>) throws {
        guard value.shape == [features] else {
            throw NeuralNetworkError.shapeMismatch(context: "batch_norm tensor \(name)", expected: [features], actual: value.shape)
        }
        switch name {
        case "weight": weight.value = value
        case "bias": bias.value = value
        case "running_mean": runningMean = value
        case "running_var":
            guard value.scalars.allSatisfy({ $0 >= 0 }) else {
                throw NeuralNetworkError.invalidArgument("batch_norm running_var must be non-negative")
            }
            runningVar = value
        default: throw NeuralNetworkError.unexpectedTensor(name)
        }
    }

    /// The inference-time affine map `BN(z) = a * z + c` per channel.
    public var inferenceAffine: (scale: [Scalar], shift: [Scalar]) {
        var a = [Scalar](repeating: 0, count: features), c = a
        for i in 0..<features {
            a[i] = weight.value.scalars[i] / (runningVar.scalars[i] + Scalar(eps)).squareRoot()
            c[i] = bias.value.scalars[i] - a[i] * runningMean.scalars[i]
        }
        return (a, c)
    }

    public func outputShape(forInput shape: [Int]) throws -> [Int] {
        guard (shape.count == 1 || shape.count == 3), shape[0] == features else {
            throw NeuralNetworkError.shapeMismatch(context: "batch_norm input (per sample [C] or [C, H, W])", expected: [features], actual: shape)
        }
        return shape
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(input, nil)
        _ = try outputShape(forInput: Array(input.shape.dropFirst()))
        let n = input.shape[0], C = features, S = input.count / max(1, n * C), m = n * S
        var out = [Scalar](repeating: 0, count: input.count)
        var xhat = [Scalar](repeating: 0, count: input.count)
        var invStd = [Scalar](repeating: 0, count: C)
        let useBatch = training && m > 1
        input.scalars.withUnsafeBufferPointer { x in
            for c in 0..<C {
                var mean: Scalar, variance: Scalar
                if useBatch {
                    var s: Double = 0, s2: Double = 0
                    for i in 0..<n {
                        let base = (i * C + c) * S
                        for j in 0..<S { let v = Double(x[base + j]); s += v; s2 += v * v }
                    }
                    let mu = s / Double(m)
                    let v = max(0, s2 / Double(m) - mu * mu)
                    mean = Scalar(mu)
                    variance = Scalar(v)
                    runningMean.scalars[c] = Scalar((1 - momentum) * Double(runningMean.scalars[c]) + momentum * mu)
                    runningVar.scalars[c] = Scalar(
                        (1 - momentum) * Double(runningVar.scalars[c]) + momentum * v * Double(m) / Double(m - 1))
                } else {
                    mean = runningMean.scalars[c]
                    variance = runningVar.scalars[c]
                }
                let istd = 1 / (variance + Scalar(eps)).squareRoot()
                invStd[c] = istd
                let gamma = weight.value.scalars[c], beta = bias.value.scalars[c]
                for i in 0..<n {
                    let base = (i * C + c) * S
                    for j in 0..<S {
                        let h = (x[base + j] - mean) * istd
                        xhat[base + j] = h
                        out[base + j] = gamma * h + beta
                    }
                }
            }
        }
        cache = (xhat, invStd, input.shape, useBatch)
        return Tensor(unchecked: input.shape, out)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let (xhat, invStd, shape, training) = cache else { throw noForward() }
        try checkGrad(gradOutput, shape)
        let n = shape[0], C = features, S = gradOutput.count / max(1, n * C), m = Scalar(n * S)
        var dx = [Scalar](repeating: 0, count: gradOutput.count)
        var dGamma = [Scalar](repeating: 0, count: C), dBeta = dGamma
        gradOutput.scalars.withUnsafeBufferPointer { g in
            for c in 0..<C {
                var sumG: Scalar = 0, sumGX: Scalar = 0
                for i in 0..<n {
                    let base = (i * C + c) * S
                    for j in 0..<S { sumG += g[base + j]; sumGX += g[base + j] * xhat[base + j] }
                }
                dBeta[c] = sumG
                dGamma[c] = sumGX
                let gamma = weight.value.scalars[c], istd = invStd[c]
                for i in 0..<n {
                    let base = (i * C + c) * S
                    for j in 0..<S {
                        if training {
                            dx[base + j] = gamma * istd * (g[base + j] - sumG / m - xhat[base + j] * sumGX / m)
                        } else {
                            dx[base + j] = gamma * istd * g[base + j]
                        }
                    }
                }
            }
        }
        weight.gradient = Tensor(unchecked: [C], dGamma)
        bias.gradient = Tensor(unchecked: [C], dBeta)
        return Tensor(unchecked: shape, dx)
    }
}

/// Reshapes `[N, ...]` to `[N, F]`.
public final class Flatten<Scalar: NNScalar>: Layer {
    private var shape: [Int]?
    /// Creates the layer.
    public init() {}
    public var spec: LayerSpec { .flatten }
    public func outputShape(forInput shape: [Int]) throws -> [Int] { [shape.reduce(1, *)] }
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try checkBatch(input, nil)
        shape = input.shape
        return Tensor(unchecked: [input.shape[0], input.count / max(1, input.shape[0])], input.scalars)
    }
    public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let shape else { throw noForward() }
        guard gradOutput.count == shape.reduce(1, *) else {
            throw NeuralNetworkError.shapeMismatch(context: "flatten gradient", expected: shape, actual: gradOutput.shape)
        }
        return Tensor(unchecked: shape, gradOutput.scalars)
    }
}

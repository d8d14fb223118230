/// Inference-time rewrites that remove batch normalization and collapse chains of linear layers
/// (papers.md §7.11, §1.4). Each returns new layers or networks and leaves its input unchanged; each
/// computes exactly the same function as the original in inference mode (up to rounding).
public enum Folding {
    /// Folds an inference-mode batch normalization `BN(z) = a z + c` into the dense or convolution
    /// layer before it: `W' = diag(a) W`, `b' = a b + c`.
    public static func foldBatchNorm<T: NNScalar>(_ bn: BatchNorm<T>, intoPreceding linear: any Layer<T>) throws -> any Layer<T> {
        let (a, c) = bn.inferenceAffine
        let weight: Parameter<T>, bias: Parameter<T>, out: Int
        let folded: any Layer<T> = try linear.copy()
        if let d = folded as? Dense<T> {
            (weight, bias, out) = (d.weight, d.bias, d.outFeatures)
        } else if let cv = folded as? Conv2D<T> {
            (weight, bias, out) = (cv.weight, cv.bias, cv.outChannels)
        } else {
            throw NeuralNetworkError.invalidArgument("batch norm folds only into a dense or conv2d layer, not \(linear.spec.type.rawValue)")
        }
        guard out == bn.features else {
            throw NeuralNetworkError.shapeMismatch(context: "batch norm folding", expected: [out], actual: [bn.features])
        }
        let per = weight.value.count / out
        for o in 0..<out {
            for j in 0..<per { weight.value.scalars[o * per + j] *= a[o] }
            bias.value.scalars[o] = a[o] * bias.value.scalars[o] + c[o]
        }
        return folded
    }

    /// Folds an inference-mode batch normalization into the polynomial activation after it:
    /// `p(a z + c) = sum_j z^j sum_{k >= j} c_k binom(k, j) a^j c^(k-j)`, one coefficient vector per
    /// channel. Accepts `Polynomial`, `Square` or `ChannelPolynomial`.
    public static func foldBatchNorm<T: NNScalar>(_ bn: BatchNorm<T>, intoFollowing activation: any Layer<T>) throws -> ChannelPolynomial<T> {
        let C = bn.features
        var perChannel: [[Double]]
        if let p = activation as? Polynomial<T> {
            perChannel = Array(repeating: p.coefficients.map { Double($0) }, count: C)
        } else if activation is Square<T> {
            perChannel = Array(repeating: [0, 0, 1], count: C)
        } else if let cp = activation as? ChannelPolynomial<T> {
            guard cp.channels == C else {
                throw NeuralNetworkError.shapeMismatch(context: "batch norm folding", expected: [cp.channels], actual: [C])
            }
            let d1 = cp.degree + 1
            perChannel = (0..<C).map { ch in cp.coefficients.scalars[(ch * d1)..<((ch + 1) * d1)].map { Double($0) } }
        } else {
            throw NeuralNetworkError.invalidArgument("batch norm folds only into a polynomial activation, not \(activation.spec.type.rawValue)")
        }
        // Compute the affine map in Double for accuracy.
        let degree = perChannel[0].count - 1
        var out = [T](repeating: 0, count: C * (degree + 1))
        for ch in 0..<C {
            let gamma = Double(bn.weight.value.scalars[ch]), beta = Double(bn.bias.value.scalars[ch])
            let a = gamma / (Double(bn.runningVar.scalars[ch]) + bn.eps).squareRoot()
            let c = beta - a * Double(bn.runningMean.scalars[ch])
            let coef = perChannel[ch]
            for j in 0...degree {
                var s = 0.0
                for k in j...degree {
                    s += coef[k] * binomial(k, j) * pow(a, j) * pow(c, k - j)
                }
                out[ch * (degree + 1) + j] = T(s)
            }
        }
        return ChannelPolynomial(coefficients: Tensor(unchecked: [C, degree + 1], out))
    }

    /// Where `foldingBatchNorm` puts each batch normalization.
    public enum BatchNormTarget: Sendable { case precedingLinear, followingPolynomial }

    /// A copy of `network` without batch normalization: each BN is folded into `preferred` (the
    /// dense/conv before it or the polynomial after it) or, if that neighbour does not fit, into the
    /// other. Throws if some BN has neither neighbour.
    public static func foldingBatchNorm<T: NNScalar>(_ network: Sequential<T>, preferred: BatchNormTarget = .precedingLinear) throws -> Sequential<T> {
        var layers: [any Layer<T>] = try network.layers.map { try $0.copy() }
        var i = 0
        while i < layers.count {
            guard let bn = layers[i] as? BatchNorm<T> else { i += 1; continue }
            let prev = i > 0 ? layers[i - 1] : nil
            let next = i + 1 < layers.count ? layers[i + 1] : nil
            let canPrev = prev.map { ($0 is Dense<T> || $0 is Conv2D<T>) } ?? false
            let canNext = next.map { ($0 is Polynomial<T> || $0 is Square<T> || $0 is ChannelPolynomial<T>) } ?? false
            if canPrev && (preferred == .precedingLinear || !canNext) {
                layers[i - 1] = try foldBatchNorm(bn, intoPreceding: prev!)
                layers.remove(at: i)
            } else if canNext {
                layers[i + 1] = try foldBatchNorm(bn, intoFollowing: next!)
                layers.remove(at: i)
            } else {
                throw NeuralNetworkError.invalidArchitecture("batch norm at layer \(i) has no dense/conv before it and no polynomial after it")
            }
        }
        return try Sequential(inputShape: network.inputShape, layers: layers)
    }

    /// A copy of `network` where every maximal run of at least two consecutive layers that are affine
    /// at inference (conv2d, dense, pooling other than max, batch norm, flatten) and that ends in a
    /// flat (rank-1) output is replaced by one equivalent dense layer, found by probing the run with
    /// the basis vectors (in Double). This is how CryptoNets turns sum-pool, conv, sum-pool, dense
    /// into one 845 -> 100 layer.
    public static func collapsingLinearRuns<T: NNScalar>(_ network: Sequential<T>) throws -> Sequential<T> {
        let layers = network.layers
        var result: [any Layer<T>] = []
        var i = 0
        while i < layers.count {
            var j = i
            while j < layers.count && layers[j].spec.isLinearAtInference { j += 1 }
            // Shrink the run until its output is flat.
            var end = j
            while end - i >= 2 && network.layerOutputShapes[end - 1].count != 1 { end -= 1 }
            if end - i >= 2 {
                let inShape = i == 0 ? network.inputShape : network.layerOutputShapes[i - 1]
                let run = try Sequential<Double>(inputShape: inShape, layers: layers[i..<end].map { l -> any Layer<Double> in
                    let d: any Layer<Double> = try makeLayer(l.spec)
                    for s in l.stateShapes { try d.setStateTensor(s.name, l.stateTensor(s.name)!.converted(to: Double.self)) }
                    return d
                })
                let inCount = inShape.reduce(1, *), outCount = network.layerOutputShapes[end - 1][0]
                var probe = [Double](repeating: 0, count: (inCount + 1) * inCount)
                for k in 0..<inCount { probe[k * inCount + k] = 1 }   // last row: zero input -> bias
                let response = try run.predict(Tensor(unchecked: [inCount + 1] + inShape, probe), batchSize: 1024)
                let dense = Dense<T>(inFeatures: inCount, outFeatures: outCount)
                for o in 0..<outCount {
                    let b = response.scalars[inCount * outCount + o]
                    dense.bias.value.scalars[o] = T(b)
                    for k in 0..<inCount { dense.weight.value.scalars[o * inCount + k] = T(response.scalars[k * outCount + o] - b) }
                }
                result.append(dense)
                i = end
            } else {
                result.append(try layers[i].copy())
                i += 1
            }
        }
        return try Sequential(inputShape: network.inputShape, layers: result)
    }

    private static func binomial(_ n: Int, _ k: Int) -> Double {
        var r = 1.0
        if k > 0 { for t in 1...k { r = r * Double(n - k + t) / Double(t) } }
        return r
    }
    private static func pow(_ x: Double, _ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<max(0, e) { r *= x }
        return r
    }
}

import Foundation
import HomomorphicRLWE
import NeuralNetwork

/// Errors of the CryptoNets-BN pipeline: unsupported models, bad inputs, plaintext space overflow.
public enum CryptoNetsBNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model has a layer the plan compiler cannot express with additions and squares.
    case unsupportedLayer(String)
    /// An input does not have the shape the plan expects.
    case shapeMismatch(String)
    /// The values (measured with the stated margin) do not fit the CRT plaintext space.
    case plaintextSpaceExceeded(requiredBits: Double, availableBits: Int)
    /// An argument out of range (scales, batch sizes, ...).
    case invalidArgument(String)
    /// A malformed message between client and server.
    case malformedMessage(String)
    /// An error of the homomorphic layer.
    case scheme(String)
    /// An integer overflow in the plaintext integer model (|value| ≥ 2^127).
    case integerOverflow(String)

    public var description: String {
        switch self {
        case .unsupportedLayer(let s): return "unsupported layer: \(s)"
        case .shapeMismatch(let s): return "shape mismatch: \(s)"
        case .plaintextSpaceExceeded(let r, let a):
            return String(format: "values need %.1f bits (with margin) but the plaintext space has %d bits", r, a)
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .malformedMessage(let s): return "malformed message: \(s)"
        case .scheme(let s): return "homomorphic scheme error: \(s)"
        case .integerOverflow(let s): return "integer overflow: \(s)"
        }
    }
}

/// One step of an integer evaluation plan.
public enum PlanStep: Sendable, Equatable {
    /// `out[o] = Σ_k weights[o][k] · in[inputIndices[o][k]] + bias[o]` (integers).
    case linear(LinearStep)
    /// `out[i] = in[i]²`.
    case square
}

/// An integer linear layer with sparse rows (a convolution's rows reference only its window).
public struct LinearStep: Sendable, Equatable {
    public let name: String
    public let inputCount: Int
    /// Per output, the input indices it reads; `nil` means every input in order (dense).
    public let inputIndices: [[Int]]?
    /// Per output, the integer weights (aligned with `inputIndices`, or all inputs when dense).
    public let weights: [[Int64]]
    /// Per output, the integer bias at the accumulated scale.
    public let bias: [Int64]
    /// Real-valued weight scale chosen for this layer.
    public let weightScale: Int64
    /// Real-valued scale of the outputs (input scale × weight scale).
    public let outputScale: Double
    public var outputCount: Int { weights.count }
}

/// Fixed-point scales: the input scale (pixels in [0, 1] become integers 0...inputScale) and one
/// weight scale per linear layer, in order.
public struct FixedPointScales: Sendable, Equatable {
    public var inputScale: Int64
    public var weightScales: [Int64]
    public init(inputScale: Int64, weightScales: [Int64]) {
        self.inputScale = inputScale
        self.weightScales = weightScales
    }
    /// CryptoNets' choice (papers.md §1.4): inputs ×16, conv ×32, dense 845→100 ×1024, last ×32.
    public static let cryptoNets = FixedPointScales(inputScale: 16, weightScales: [32, 1024, 32])
}

/// The two 40-bit plaintext primes of papers.md §1.6 (both ≡ 1 mod 16384, so batching works up to n = 8192).
public let cryptoNetsPlaintextPrimes: [UInt64] = [549_764_251_649, 549_764_284_417]

/// An integer evaluation plan compiled from a model: the plaintext integer model it implies,
/// the value ranges measured on a calibration set, and the fit in the CRT plaintext space.
public struct IntegerPlan: Sendable {
    /// Raw input shape (before padding), e.g. [1, 28, 28]; the plan's inputs are these pixels.
    public let rawInputShape: [Int]
    public let steps: [PlanStep]
    public let scales: FixedPointScales
    public let plaintextModuli: [UInt64]
    /// Bits of the CRT plaintext space T = ∏ t_k.
    public let plaintextBits: Int
    /// log2 of the largest |output| the worst case over all inputs in range could reach (interval bound).
    public let worstCaseBits: Double
    /// log2 of the largest |output| measured on the calibration images.
    public let measuredBits: Double
    /// Margin factor applied to the measured range in the fit check.
    public let margin: Double
    public let calibrationCount: Int
    /// Human-readable account of what was chosen and why.
    public let explanation: [String]

    public var inputCount: Int { rawInputShape.reduce(1, *) }
    public var outputCount: Int {
        for s in steps.reversed() { if case .linear(let l) = s { return l.outputCount } }
        return inputCount
    }
    public var linearSteps: [LinearStep] { steps.compactMap { if case .linear(let l) = $0 { return l } else { return nil } } }

    /// Quantizes raw pixels in [0, 1] to integers 0...inputScale (round to nearest).
    public func quantize(_ pixels: [Float]) throws(CryptoNetsBNError) -> [Int64] {
        guard pixels.count == inputCount else { throw .shapeMismatch("image of \(pixels.count) values, plan expects \(inputCount) (\(rawInputShape))") }
        return pixels.map { Int64((Double(min(max($0, 0), 1)) * Double(scales.inputScale)).rounded()) }
    }

    /// Quantizes a `[N, C, H, W]` batch of raw images.
    public func quantize(images: Tensor<Float>) throws(CryptoNetsBNError) -> [[Int64]] {
        guard images.rank == 4, Array(images.shape.dropFirst()) == rawInputShape else {
            throw .shapeMismatch("images of shape \(images.shape), plan expects [N] + \(rawInputShape)")
        }
        let n = images.shape[0], m = inputCount
        let s = images.scalars
        var out: [[Int64]] = []
        out.reserveCapacity(n)
        for i in 0..<n { out.append(try quantize(Array(s[(i * m)..<((i + 1) * m)]))) }
        return out
    }

    /// The plaintext integer model: exact integer outputs of one quantized image.
    public func evaluateIntegers(_ input: [Int64]) throws(CryptoNetsBNError) -> [Int128] {
        guard input.count == inputCount else { throw .shapeMismatch("input of \(input.count) values, plan expects \(inputCount)") }
        var x = input.map { Int128($0) }
        for step in steps {
            switch step {
            case .square:
                for i in x.indices {
                    let (p, o) = x[i].multipliedReportingOverflow(by: x[i])
                    if o { throw .integerOverflow("square") }
                    x[i] = p
                }
            case .linear(let l):
                var y = [Int128](repeating: 0, count: l.outputCount)
                for o in 0..<l.outputCount {
                    var acc = Int128(l.bias[o])
                    let w = l.weights[o]
                    if let idx = l.inputIndices?[o] {
                        for k in w.indices { acc = try Self.fma(acc, Int128(w[k]), x[idx[k]], l.name) }
                    } else {
                        for k in w.indices { acc = try Self.fma(acc, Int128(w[k]), x[k], l.name) }
                    }
                    y[o] = acc
                }
                x = y
            }
        }
        return x
    }

    static func fma(_ acc: Int128, _ a: Int128, _ b: Int128, _ name: String) throws(CryptoNetsBNError) -> Int128 {
        let (p, o1) = a.multipliedReportingOverflow(by: b)
        let (s, o2) = acc.addingReportingOverflow(p)
        if o1 || o2 { throw .integerOverflow(name) }
        return s
    }

    /// Predictions of the plaintext integer model (argmax, lowest index on ties).
    public func predictIntegers(_ inputs: [[Int64]]) throws(CryptoNetsBNError) -> [Int] {
        var out: [Int] = []
        for x in inputs { out.append(argmax(try evaluateIntegers(x))) }
        return out
    }
}

/// Index of the largest value, lowest index on ties.
public func argmax(_ v: [Int128]) -> Int {
    var best = 0
    for i in v.indices where v[i] > v[best] { best = i }
    return best
}

/// Compiles trained `NeuralNetwork` models into integer plans.
public enum PlanCompiler {
    /// Compiles `model` (conv / dense / square / flatten; batch normalization is folded first and
    /// runs of linear layers collapsed) with the given fixed-point scales. The model's input
    /// normalization and zero padding are folded into the first linear layer, so the plan reads
    /// raw pixels. `calibration` (raw images `[N] + preprocessing.inputShape`) measures the output
    /// range; the plan is rejected unless `measured × margin` fits in (-T/2, T/2].
    public static func compile(_ file: ModelFile, scales: FixedPointScales = .cryptoNets,
                               plaintextModuli: [UInt64] = cryptoNetsPlaintextPrimes,
                               calibration: Tensor<Float>, margin: Double = 16) throws(CryptoNetsBNError) -> IntegerPlan {
        guard margin >= 1 else { throw .invalidArgument("margin must be at least 1") }
        guard scales.inputScale >= 1, scales.inputScale < 1 << 16 else { throw .invalidArgument("input scale out of range") }
        let network: Sequential<Float>
        do {
            network = try Folding.collapsingLinearRuns(try Folding.foldingBatchNorm(file.network, preferred: .precedingLinear))
        } catch { throw .unsupportedLayer("cannot fold the model: \(error)") }
        let pre = file.preprocessing
        guard pre.inputShape.count == 3, pre.padding.count == 4 else { throw .shapeMismatch("preprocessing input shape \(pre.inputShape)") }
        let (channels, rawH, rawW) = (pre.inputShape[0], pre.inputShape[1], pre.inputShape[2])
        let (padTop, padLeft) = (pre.padding[0], pre.padding[2])
        guard network.inputShape == pre.outputShape else {
            throw .shapeMismatch("model input \(network.inputShape) differs from the preprocessed shape \(pre.outputShape)")
        }
        func mean(_ c: Int) -> Double { pre.mean.count == 1 ? pre.mean[0] : pre.mean[c] }
        func std(_ c: Int) -> Double { pre.std.count == 1 ? pre.std[0] : pre.std[c] }

        var explanation: [String] = []
        var steps: [PlanStep] = []
        var shape = network.inputShape   // current activation shape
        var scale = Double(scales.inputScale)
        var linearIndex = 0
        var first = true
        var bound: Double = Double(scales.inputScale)   // worst-case |value| over the current activations
        explanation.append("inputs: raw pixels in [0,1] × \(scales.inputScale), rounded (\(channels)×\(rawH)×\(rawW) values; padding and normalization folded into the first linear layer)")

        func weightScale(_ name: String) throws(CryptoNetsBNError) -> Int64 {
            guard linearIndex < scales.weightScales.count else {
                throw .invalidArgument("the model has more linear layers than the \(scales.weightScales.count) weight scales given")
            }
            let s = scales.weightScales[linearIndex]
            guard s >= 1, s < 1 << 24 else { throw .invalidArgument("weight scale \(s) of \(name) out of range") }
            linearIndex += 1
            return s
        }
        func quantizeWeight(_ w: Double, _ s: Int64, _ name: String) throws(CryptoNetsBNError) -> Int64 {
            let q = (w * Double(s)).rounded()
            guard q.isFinite, abs(q) < Double(1 << 31) else { throw .invalidArgument("weight \(w) of \(name) does not fit 31 bits at scale \(s)") }
            return Int64(q)
        }
        /// Maps an index of the (padded, normalized) network input to a raw pixel index, or nil for padding.
        func rawIndex(_ c: Int, _ y: Int, _ x: Int) -> Int? {
            let (ry, rx) = (y - padTop, x - padLeft)
            guard ry >= 0, ry < rawH, rx >= 0, rx < rawW else { return nil }
            return (c * rawH + ry) * rawW + rx
        }

        for (li, layer) in network.layers.enumerated() {
            if let conv = layer as? Conv2D<Float> {
                let name = "conv\(li)"
                let ws = try weightScale(name)
                guard shape.count == 3, shape[0] == conv.inChannels else { throw .shapeMismatch("\(name) input \(shape)") }
                let (h, w) = (shape[1], shape[2])
                let (kh, kw) = conv.kernel, (sv, sh) = conv.stride, (pv, ph) = conv.padding
                let oh = (h + 2 * pv - kh) / sv + 1, ow = (w + 2 * ph - kw) / sh + 1
                if first && (pv != 0 || ph != 0) && (0..<channels).contains(where: { mean($0) != 0 }) {
                    throw .unsupportedLayer("\(name): zero padding after a non-zero-mean normalization cannot be folded")
                }
                let W = conv.weight.value.scalars, B = conv.bias.value.scalars
                var indices: [[Int]] = [], weights: [[Int64]] = [], bias: [Int64] = []
                let outScale = scale * Double(ws)
                var newBound = 0.0
                for oc in 0..<conv.outChannels {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var idx: [Int] = [], row: [Int64] = []
                            var b = Double(B[oc])
                            var rowBound = 0.0
                            for ic in 0..<conv.inChannels {
                                for ky in 0..<kh {
                                    for kx in 0..<kw {
                                        let y = oy * sv + ky - pv, x = ox * sh + kx - ph
                                        guard y >= 0, y < h, x >= 0, x < w else { continue }
                                        var wt = Double(W[((oc * conv.inChannels + ic) * kh + ky) * kw + kx])
                                        let input: Int?
                                        if first {
                                            b -= wt * mean(ic) / std(ic)
                                            wt /= std(ic)
                                            input = rawIndex(ic, y, x)
                                        } else {
                                            input = (ic * h + y) * w + x
                                        }
                                        guard let i = input else { continue }   // padding: raw value 0
                                        // Zero weights are kept: the channels of one window then share
                                        // their input list and run as one fused dot product.
                                        let q = try quantizeWeight(wt, ws, name)
                                        idx.append(i); row.append(q)
                                        rowBound += Double(abs(q)) * bound
                                    }
                                }
                            }
                            let qb = (b * outScale).rounded()
                            guard abs(qb) < 9e18 else { throw .invalidArgument("bias of \(name) too large") }
                            indices.append(idx); weights.append(row); bias.append(Int64(qb))
                            newBound = max(newBound, rowBound + abs(qb))
                        }
                    }
                }
                steps.append(.linear(LinearStep(name: name, inputCount: first ? channels * rawH * rawW : h * w * conv.inChannels,
                                                 inputIndices: indices, weights: weights, bias: bias, weightScale: ws, outputScale: outScale)))
                explanation.append("\(name): \(conv.outChannels)@\(kh)x\(kw) stride \(sv) → \(conv.outChannels * oh * ow) outputs, weights ×\(ws), scale \(outScale)")
                shape = [conv.outChannels, oh, ow]; scale = outScale; bound = newBound; first = false
            } else if let dense = layer as? Dense<Float> {
                let name = "dense\(li)"
                let ws = try weightScale(name)
                let inCount = shape.reduce(1, *)
                guard inCount == dense.inFeatures else { throw .shapeMismatch("\(name) expects \(dense.inFeatures) inputs, gets \(inCount)") }
                let W = dense.weight.value.scalars, B = dense.bias.value.scalars
                let outScale = scale * Double(ws)
                var weights: [[Int64]] = [], bias: [Int64] = [], indices: [[Int]] = []
                var newBound = 0.0
                for o in 0..<dense.outFeatures {
                    var row: [Int64] = [], idx: [Int] = []
                    var b = Double(B[o]), rowBound = 0.0
                    for i in 0..<inCount {
                        var wt = Double(W[o * inCount + i])
                        var input: Int? = i
                        if first {
                            let c = i / (shape[1] * shape[2]), rem = i % (shape[1] * shape[2])
                            b -= wt * mean(c) / std(c)
                            wt /= std(c)
                            input = rawIndex(c, rem / shape[2], rem % shape[2])
                        }
                        guard let ii = input else { continue }
                        let q = try quantizeWeight(wt, ws, name)
                        idx.append(ii); row.append(q)
                        rowBound += Double(abs(q)) * bound
                    }
                    let qb = (b * outScale).rounded()
                    guard abs(qb) < 9e18 else { throw .invalidArgument("bias of \(name) too large") }
                    weights.append(row); bias.append(Int64(qb)); indices.append(idx)
                    newBound = max(newBound, rowBound + abs(qb))
                }
                steps.append(.linear(LinearStep(name: name, inputCount: first ? channels * rawH * rawW : inCount,
                                                 inputIndices: first ? indices : nil, weights: weights, bias: bias,
                                                 weightScale: ws, outputScale: outScale)))
                explanation.append("\(name): \(inCount)→\(dense.outFeatures), weights ×\(ws), scale \(outScale)")
                shape = [dense.outFeatures]; scale = outScale; bound = newBound; first = false
            } else if layer is Square<Float> {
                guard !first else { throw .unsupportedLayer("a square before the first linear layer") }
                steps.append(.square)
                scale *= scale; bound *= bound
                explanation.append("square: scale \(scale)")
            } else if layer is Flatten<Float> {
                shape = [shape.reduce(1, *)]
            } else {
                throw .unsupportedLayer("\(layer.spec) (this slice of CryptoNetsBN handles conv, dense, square, flatten and batch normalization)")
            }
        }
        guard case .linear = steps.last else { throw .unsupportedLayer("the model must end with a linear layer") }
        guard linearIndex == scales.weightScales.count else {
            throw .invalidArgument("\(scales.weightScales.count) weight scales for \(linearIndex) linear layers")
        }

        let moduli: CRTPlaintextModuli
        do { moduli = try CRTPlaintextModuli(plaintextModuli) } catch { throw .invalidArgument("plaintext moduli: \(error)") }
        let tBits = moduli.bits
        var draft = IntegerPlan(rawInputShape: pre.inputShape, steps: steps, scales: scales, plaintextModuli: plaintextModuli,
                                plaintextBits: tBits, worstCaseBits: log2(max(bound, 1)), measuredBits: 0, margin: margin,
                                calibrationCount: 0, explanation: [])
        let inputs = try draft.quantize(images: calibration)
        guard !inputs.isEmpty else { throw .invalidArgument("an empty calibration set") }
        var maxAbs: Int128 = 1
        for x in inputs { for v in try draft.evaluateIntegers(x) { maxAbs = max(maxAbs, v.magnitude > UInt128(Int128.max) ? Int128.max : Int128(v.magnitude)) } }
        let measuredBits = log2(Double(maxAbs))
        let required = measuredBits + log2(margin)
        // Outputs are read as centred residues modulo T: they must stay below T/2 (T/2 ≥ 2^(tBits-2)).
        explanation.append(String(format: "outputs: measured max |value| 2^%.1f on %d calibration images; with margin ×%g: 2^%.1f; worst case over all inputs 2^%.1f",
                                  measuredBits, inputs.count, margin, required, draft.worstCaseBits))
        explanation.append("plaintext space: CRT of \(plaintextModuli.count) primes \(plaintextModuli) = \(tBits) bits; intermediate values may wrap modulo T, only the outputs must be below T/2")
        guard required < Double(tBits - 2) else { throw .plaintextSpaceExceeded(requiredBits: required, availableBits: tBits) }
        explanation.append(draft.worstCaseBits < Double(tBits - 2)
            ? "fits: even the worst case fits the plaintext space"
            : "fits: the measured range with margin fits (the worst case does not; CryptoNets relies on measured ranges too)")
        draft = IntegerPlan(rawInputShape: pre.inputShape, steps: steps, scales: scales, plaintextModuli: plaintextModuli,
                            plaintextBits: tBits, worstCaseBits: draft.worstCaseBits, measuredBits: measuredBits, margin: margin,
                            calibrationCount: inputs.count, explanation: explanation)
        return draft
    }
}

import Foundation
import NeuralNetwork
import Testing

/// Fails the test unless `body` throws a `NeuralNetworkError` accepted by `match`.
func expectNNError(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void, _ match: (NeuralNetworkError) -> Bool = { _ in true }
) {
    do {
        try body()
        Issue.record("\(what): expected a NeuralNetworkError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let e as NeuralNetworkError {
        #expect(match(e), "\(what): unexpected error \(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(what): expected a NeuralNetworkError, got \(error)", sourceLocation: sourceLocation)
    }
}

func randomTensor(_ shape: [Int], _ rng: inout SeededGenerator, scale: Double = 1) -> Tensor<Double> {
    try! Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextGaussian() * scale })
}

func randomFloatTensor(_ shape: [Int], _ rng: inout SeededGenerator, scale: Double = 1) -> Tensor<Float> {
    randomTensor(shape, &rng, scale: scale).converted(to: Float.self)
}

/// Sets every stored tensor of a layer to random values (variances positive).
func randomizeState(_ layer: any Layer<Double>, _ rng: inout SeededGenerator) throws {
    for s in layer.stateShapes {
        var t = randomTensor(s.shape, &rng, scale: 0.5)
        if s.name == "running_var" { t.scalars = t.scalars.map { 0.5 + abs($0) } }
        if s.name == "weight" && layer is BatchNorm<Double> { t.scalars = t.scalars.map { 1 + $0 } }
        try layer.setStateTensor(s.name, t)
    }
}

/// Central finite differences of `L = sum(r * layer(x))` with respect to the input and to every
/// parameter, compared with `backward(r)`. Returns the largest relative error seen.
@discardableResult
func gradientCheck(
    _ layer: any Layer<Double>, inputShape: [Int], training: Bool = true, seed: UInt64 = 7,
    inputScale: Double = 1, samples: Int = 40, tolerance: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> Double {
    var rng = SeededGenerator(seed: seed)
    try randomizeState(layer, &rng)
    let x = randomTensor(inputShape, &rng, scale: inputScale)
    let y = try layer.forward(x, training: training)
    let r = randomTensor(y.shape, &rng)
    let dx = try layer.backward(r)
    #expect(dx.shape == x.shape, sourceLocation: sourceLocation)
    let parameterGradients = layer.parameters.map { $0.gradient }
    func loss(_ input: Tensor<Double>) throws -> Double {
        let out = try layer.forward(input, training: training)
        return zip(out.scalars, r.scalars).reduce(0) { $0 + $1.0 * $1.1 }
    }
    let h = 1e-5
    var worst = 0.0
    func compare(_ numeric: Double, _ analytic: Double, _ what: String) {
        let err = abs(numeric - analytic) / max(1, abs(numeric), abs(analytic))
        worst = max(worst, err)
        #expect(err < tolerance, "\(layer.spec.type.rawValue) \(what): numeric \(numeric) vs analytic \(analytic)", sourceLocation: sourceLocation)
    }
    for _ in 0..<samples {
        let i = Int(rng.next() % UInt64(x.count))
        var xp = x, xm = x
        xp.scalars[i] += h
        xm.scalars[i] -= h
        compare((try loss(xp) - loss(xm)) / (2 * h), dx.scalars[i], "d/dx[\(i)]")
    }
    for (p, g) in zip(layer.parameters, parameterGradients) {
        for _ in 0..<min(samples, p.value.count) {
            let i = Int(rng.next() % UInt64(p.value.count))
            let v = p.value.scalars[i]
            p.value.scalars[i] = v + h
            let lp = try loss(x)
            p.value.scalars[i] = v - h
            let lm = try loss(x)
            p.value.scalars[i] = v
            compare((lp - lm) / (2 * h), g.scalars[i], "d/d\(p.name)[\(i)]")
        }
    }
    return worst
}

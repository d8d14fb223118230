import Foundation
import HomomorphicRLWE

/// Wall time of one plan step (summed over the plaintext primes when several evaluations run).
public struct StepTiming: Sendable, Equatable, Codable {
    public var name: String
    public var seconds: Double
}

func wrap<T>(_ body: () throws(RLWEError) -> T) throws(CryptoNetsBNError) -> T {
    do { return try body() } catch { throw .scheme("\(error)") }
}

/// Encrypted evaluation of an ``IntegerPlan``, generic over ``HomomorphicScheme`` (BFV, or its
/// plaintext twin in tests). One image per slot; each plan input is one ciphertext.
public enum PlanEvaluator {
    /// Evaluates the plan on the input ciphertexts (one per raw pixel) and returns the output
    /// ciphertexts. Conv and dense layers are fused dot products with signed integer weights
    /// plus a plaintext bias; squares are relinearized only when they feed another product
    /// (a square feeding a linear layer is summed at 3 components and relinearized after).
    public static func evaluate<S: HomomorphicScheme>(_ plan: IntegerPlan, scheme: S, inputs: [S.Ciphertext],
                                                      timings: inout [StepTiming]) throws(CryptoNetsBNError) -> [S.Ciphertext]
    where S.Value == Int64 {
        guard inputs.count == plan.inputCount else { throw .shapeMismatch("\(inputs.count) input ciphertexts, plan expects \(plan.inputCount)") }
        var x = inputs
        var relinearized = true
        for (i, step) in plan.steps.enumerated() {
            let start = Date()
            let name: String
            switch step {
            case .square:
                name = "square\(i)"
                if !relinearized {
                    let cur = x
                    x = try wrap { () throws(RLWEError) in try scheme.batch(cur) { c throws(RLWEError) in try scheme.relinearize(c) } }
                }
                let cur = x
                x = try wrap { () throws(RLWEError) in try scheme.batch(cur) { c throws(RLWEError) in try scheme.square(c) } }
                relinearized = false
            case .linear(let l):
                name = l.name
                let cur = x
                if let indices = l.inputIndices {
                    // Rows reading the same inputs (the channels of one convolution window) run as
                    // one fused dot product with several outputs.
                    var groupOf: [[Int]: Int] = [:]
                    var groups: [[Int]] = []
                    for o in 0..<l.outputCount {
                        if let g = groupOf[indices[o]] { groups[g].append(o) } else { groupOf[indices[o]] = groups.count; groups.append([o]) }
                    }
                    let results = try wrap { () throws(RLWEError) in
                        try scheme.batch(groups) { rows throws(RLWEError) -> [S.Ciphertext] in
                            let inputs = indices[rows[0]]
                            if inputs.isEmpty {   // all-zero rows: zero from the first input
                                let z = try scheme.multiply(cur[0], scalar: 0)
                                return rows.map { _ in z }
                            }
                            return try scheme.dotProducts(inputs.map { cur[$0] }, weights: rows.flatMap { l.weights[$0] }, outputs: rows.count)
                        }
                    }
                    var out = [S.Ciphertext?](repeating: nil, count: l.outputCount)
                    for (g, rows) in groups.enumerated() { for (k, o) in rows.enumerated() { out[o] = results[g][k] } }
                    x = out.map { $0! }
                } else {
                    let flat = l.weights.flatMap { $0 }
                    x = try wrap { () throws(RLWEError) in try scheme.dotProducts(cur, weights: flat, outputs: l.outputCount) }
                }
                if l.bias.contains(where: { $0 != 0 }) {
                    // Encode each distinct bias once (a convolution has one bias per channel).
                    let slots = scheme.slotCount
                    var encoded: [Int64: S.Plaintext] = [:]
                    for b in Set(l.bias) where b != 0 {
                        encoded[b] = try wrap { () throws(RLWEError) in try scheme.encode([Int64](repeating: b, count: slots)) }
                    }
                    let table = encoded
                    let sums = Array(zip(x, l.bias))
                    x = try wrap { () throws(RLWEError) in
                        try scheme.batch(sums) { pair throws(RLWEError) in
                            guard let p = table[pair.1] else { return pair.0 }
                            return try scheme.add(pair.0, p)
                        }
                    }
                }
            }
            timings.append(StepTiming(name: name, seconds: Date().timeIntervalSince(start)))
        }
        return x
    }

    /// Packs quantized images one per slot: ciphertext input `i` holds pixel `i` of every image.
    public static func packSlots(_ images: [[Int64]], inputCount: Int, slotCount: Int) throws(CryptoNetsBNError) -> [[Int64]] {
        guard !images.isEmpty else { throw .invalidArgument("an empty batch") }
        guard images.count <= slotCount else { throw .invalidArgument("a batch of \(images.count) images for \(slotCount) slots") }
        for im in images where im.count != inputCount { throw .shapeMismatch("image of \(im.count) values, plan expects \(inputCount)") }
        return (0..<inputCount).map { i in images.map { $0[i] } }
    }

    /// Combines per-prime decrypted outputs (`residues[k][o][slot]`) into class scores per image
    /// (`scores[image][o]`) by the CRT, centred in (-T/2, T/2].
    public static func combine(_ residues: [[[Int64]]], moduli: [UInt64], images: Int) throws(CryptoNetsBNError) -> [[Int128]] {
        let crt: CRTPlaintextModuli
        do { crt = try CRTPlaintextModuli(moduli) } catch { throw .invalidArgument("\(error)") }
        guard residues.count == moduli.count, let outputs = residues.first?.count else { throw .invalidArgument("residues for \(residues.count) primes, \(moduli.count) moduli") }
        var scores = [[Int128]](repeating: [Int128](repeating: 0, count: outputs), count: images)
        for o in 0..<outputs {
            let perPrime = residues.map { Array($0[o].prefix(images)) }
            let v: [Int128]
            do { v = try crt.combine(perPrime) } catch { throw .invalidArgument("\(error)") }
            for j in 0..<images { scores[j][o] = v[j] }
        }
        return scores
    }

    /// The whole pipeline in one process on one scheme instance per plaintext prime (for tests and
    /// the twins): pack, encrypt, evaluate, decrypt, CRT-combine; returns the class scores per image.
    public static func classifyLocally<S: HomomorphicScheme>(_ plan: IntegerPlan, schemes: [S], images: [[Int64]]) throws(CryptoNetsBNError) -> [[Int128]]
    where S.Value == Int64 {
        guard schemes.count == plan.plaintextModuli.count, let slots = schemes.first?.slotCount else {
            throw .invalidArgument("\(schemes.count) schemes for \(plan.plaintextModuli.count) plaintext primes")
        }
        let packed = try packSlots(images, inputCount: plan.inputCount, slotCount: slots)
        var residues: [[[Int64]]] = []
        var timings: [StepTiming] = []
        for s in schemes {
            let cts = try wrap { () throws(RLWEError) in try s.encrypt(batch: try packed.map { v throws(RLWEError) in try s.encode(v) }) }
            let out = try evaluate(plan, scheme: s, inputs: cts, timings: &timings)
            residues.append(try wrap { () throws(RLWEError) in try out.map { c throws(RLWEError) in try s.decrypt(values: c) } })
        }
        return try combine(residues, moduli: plan.plaintextModuli, images: images.count)
    }
}

import CryptoCore
import Foundation
import HomomorphicRLWE
import Testing

/// Plaintext reference semantics of a scheme, for the conformance suite.
struct Reference<V: Sendable> {
    var random: () -> [V]
    var add: (V, V) -> V
    var subtract: (V, V) -> V
    var multiply: (V, V) -> V
    var scalar: (V, Int64) -> V
    var close: ([V], [V]) -> Bool
    /// Expected result of rotating all slots left by k.
    var rotate: ([V], Int) -> [V]
}

final class Box<T>: @unchecked Sendable { var value: T; init(_ v: T) { value = v } }

/// One conformance run: every operation of ``HomomorphicScheme`` against the reference on random
/// inputs, then a depth chain that must end in a typed error with correct decryptions until then.
func conformance<S: HomomorphicScheme>(_ s: S, _ ref: Reference<S.Value>, rotations: [Int]) throws {
    let a = ref.random(), b = ref.random()
    let ca = try s.encrypt(values: a), cb = try s.encrypt(values: b)
    let pb = try s.encode(b)
    func check(_ c: S.Ciphertext, _ expected: [S.Value], _ what: String) throws {
        let got = try s.decrypt(values: c)
        #expect(ref.close(got, expected), "\(what)")
    }
    try check(ca, a, "encrypt/decrypt")
    try check(try s.add(ca, cb), zip(a, b).map(ref.add), "add")
    try check(try s.subtract(ca, cb), zip(a, b).map(ref.subtract), "subtract")
    try check(try s.negate(ca), a.map { ref.scalar($0, -1) }, "negate")
    try check(try s.add(ca, pb), zip(a, b).map(ref.add), "add plaintext")
    try check(try s.multiply(ca, scalar: 3), a.map { ref.scalar($0, 3) }, "scalar")
    try check(try s.multiply(ca, pb), zip(a, b).map(ref.multiply), "multiply plaintext")
    let prod = try s.multiply(ca, cb)
    try check(prod, zip(a, b).map(ref.multiply), "multiply (3 components)")
    let relin = try s.relinearize(prod)
    try check(relin, zip(a, b).map(ref.multiply), "multiply + relinearize")
    try check(try s.relinearize(try s.square(ca)), a.map { ref.multiply($0, $0) }, "square")
    // Misuse is a typed error: a product of a 3-component operand.
    #expect(throws: RLWEError.self) { try s.multiply(prod, ca) }
    #expect(throws: RLWEError.self) { try s.rotate(prod, by: 1) }
    for k in rotations {
        try check(try s.rotate(ca, by: k), ref.rotate(a, k), "rotate \(k)")
    }
    // Dot products with signed weights, 3 outputs of 4 inputs.
    let inputs = [a, b, a, b]
    let cts = try s.encrypt(batch: try inputs.map { try s.encode($0) })
    let w: [Int64] = [1, -2, 3, 0, 5, 7, -1, 2, 0, 0, 0, 1]
    let outs = try s.dotProducts(cts, weights: w, outputs: 3)
    for o in 0..<3 {
        let expected = (0..<a.count).map { j in
            (1..<4).reduce(ref.scalar(inputs[0][j], w[o * 4])) { ref.add($0, ref.scalar(inputs[$1][j], w[o * 4 + $1])) }
        }
        try check(outs[o], expected, "dot product \(o)")
    }
    #expect(throws: RLWEError.self) { try s.dotProducts(cts, weights: [1], outputs: 1) }
    // Depth chain: square, relinearize, rescale until a typed error.
    var c = ca
    var expected = a
    var steps = 0
    var failure: RLWEError?
    while failure == nil && steps < 20 {
        let r = Result { () throws(RLWEError) in try s.rescale(try s.relinearize(try s.square(c))) }
        switch r {
        case .failure(let e): failure = e
        case .success(let next):
            c = next
            expected = expected.map { ref.multiply($0, $0) }
            steps += 1
            // Decryption may itself refuse (typed) but must never be wrong.
            switch Result(catching: { () throws(RLWEError) in try s.decrypt(values: c) }) {
            case .success(let got): #expect(ref.close(got, expected), "depth \(steps)")
            case .failure(let e): failure = e
            }
        }
    }
    switch failure {
    case .noiseBudgetExhausted?, .precisionExhausted?, .levelExhausted?: break
    default: Issue.record("depth chain ended with \(String(describing: failure)) after \(steps) steps")
    }
}

func bfvReference(slots: Int, t: Int64, seed: UInt8) throws -> Reference<Int64> {
    let rng = Box(try SeededRandom(seed: [UInt8](repeating: seed, count: 32)))
    func mod(_ x: Int128) -> Int64 {
        var r = x % Int128(t); if r < 0 { r += Int128(t) }
        return Int64(r > Int128(t / 2) ? r - Int128(t) : r)
    }
    let half = slots / 2
    return Reference(
        random: { (0..<slots).map { _ in Int64(rng.value.uniform(below: UInt64(t))) - t / 2 } },
        add: { mod(Int128($0) + Int128($1)) }, subtract: { mod(Int128($0) - Int128($1)) },
        multiply: { mod(Int128($0) * Int128($1)) }, scalar: { mod(Int128($0) * Int128($1)) },
        close: { $0 == $1 },
        rotate: { v, k in (0..<slots).map { i in v[(i / half) * half + ((i % half + k) % half + half) % half] } })
}

func ckksReference(slots: Int, tolerance: Double, seed: UInt8) throws -> Reference<Double> {
    let rng = Box(try SeededRandom(seed: [UInt8](repeating: seed, count: 32)))
    return Reference(
        random: { (0..<slots).map { _ in Double(rng.value.uniform(below: 2_000_001)) / 1_000_000 - 1 } },
        add: { $0 + $1 }, subtract: { $0 - $1 }, multiply: { $0 * $1 }, scalar: { $0 * Double($1) },
        close: { a, b in a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance } },
        rotate: { v, k in (0..<slots).map { v[(($0 + k) % slots + slots) % slots] } })
}

@Suite("Conformance of BFV, CKKS and the plaintext twins")
struct ConformanceTests {
    @Test("BFV")
    func bfv() throws {
        let f = try BFVFixture()
        try conformance(f.full as BFV, try bfvReference(slots: f.context.degree, t: f.t, seed: 1), rotations: [1, -1, 5])
    }

    @Test("BFV twin")
    func bfvTwin() throws {
        let twin = try BFVTwin(slotCount: 64, plaintextModulus: 65537, levels: 3)
        try conformance(twin, try bfvReference(slots: 64, t: 65537, seed: 2), rotations: [1, -1, 5])
    }

    @Test("CKKS")
    func ckks() throws {
        let context = try RLWEContext(try RLWEParameters.ckks(.insecure_n1024_logq201, scale: 0x1p50))
        let kg = KeyGenerator(context: context)
        let sk = try kg.secretKey(seed: [UInt8](repeating: 9, count: 32))
        let ek = try kg.evaluationKeys(for: sk, rotations: [1, -1, 4, 1 << 8], rowSwap: true)
        let ckks = try CKKS(context: context, secretKey: sk, publicKey: try kg.publicKey(for: sk), evaluationKeys: ek, valueBound: 1)
        try conformance(ckks, try ckksReference(slots: 512, tolerance: 1e-6, seed: 3), rotations: [1, -1, 5])
        // Conjugation leaves real values unchanged.
        let v = (0..<512).map { Double($0) / 512 }
        let c = try ckks.conjugate(try ckks.encrypt(v))
        #expect(zip(try ckks.decrypt(values: c), v).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(ckks.estimatedPrecision(c) > 20)
    }

    @Test("CKKS precision estimate is below the measured precision")
    func ckksPrecision() throws {
        let context = try RLWEContext(try RLWEParameters.ckks(.insecure_n2048_logq276, scale: 0x1p54))
        let kg = KeyGenerator(context: context)
        let sk = kg.secretKey()
        let ckks = try CKKS(context: context, secretKey: sk, publicKey: try kg.publicKey(for: sk),
                            evaluationKeys: try kg.evaluationKeys(for: sk), valueBound: 1)
        let ref = try ckksReference(slots: 1024, tolerance: 1, seed: 5)
        let a = ref.random(), b = ref.random()
        func measured(_ c: RLWECiphertext, _ e: [Double]) throws -> Double {
            -log2(zip(try ckks.decrypt(values: c), e).map { abs($0 - $1) }.max()!)
        }
        let ca = try ckks.encrypt(a), cb = try ckks.encrypt(b)
        #expect(ckks.estimatedPrecision(ca) <= (try measured(ca, a)))
        var c = try ckks.multiplyRelinearizeRescale(ca, cb)
        var e = zip(a, b).map(*)
        #expect(ckks.estimatedPrecision(c) <= (try measured(c, e)))
        #expect(ckks.estimatedPrecision(c) > 15)
        c = try ckks.multiplyRelinearizeRescale(c, c)
        e = e.map { $0 * $0 }
        #expect(ckks.estimatedPrecision(c) <= (try measured(c, e)))
        // Scales must match for additions.
        #expect(throws: RLWEError.self) { try ckks.add(c, try ckks.dropLevel(try ckks.dropLevel(ca))) }
    }

    @Test("CKKS twin")
    func ckksTwin() throws {
        let twin = try CKKSTwin(slotCount: 64, levels: 3)
        try conformance(twin, try ckksReference(slots: 64, tolerance: 1e-12, seed: 4), rotations: [1, -1, 5])
    }
}

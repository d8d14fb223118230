import CryptoCore
import HomomorphicRLWE
import Testing

/// A BFV set-up on insecure small parameters, shared by the tests of this file.
struct BFVFixture {
    let context: RLWEContext
    let client: BFV       // secret + public key
    let server: BFV       // public + evaluation keys
    let full: BFV         // every key (for the conformance suite, which decrypts what it evaluates)
    let t: Int64
    var rng: SeededRandom

    init(_ preset: RLWEParameters.Preset = .insecure_n1024_logq201, tBits: Int = 20, rotations: [Int] = [1, -1, 2, -2, 4, -4, 8, 64]) throws {
        let degree = preset == .insecure_n256_logq151 ? 256 : preset == .insecure_n2048_logq276 ? 2048 : 1024
        let t = try RLWEParameters.batchingPlaintextModulus(bits: tBits, degree: degree)
        context = try RLWEContext(try RLWEParameters.bfv(preset, plaintextModulus: t))
        let kg = KeyGenerator(context: context)
        let sk = try kg.secretKey(seed: [UInt8](repeating: 7, count: 32))
        let pk = try kg.publicKey(for: sk)
        let ek = try kg.evaluationKeys(for: sk, rotations: rotations, rowSwap: true)
        client = try BFV(context: context, secretKey: sk, publicKey: pk)
        server = try BFV(context: context, publicKey: pk, evaluationKeys: ek, maxConcurrency: 2)
        full = try BFV(context: context, secretKey: sk, publicKey: pk, evaluationKeys: ek, maxConcurrency: 2)
        self.t = Int64(t)
        rng = try SeededRandom(seed: [UInt8](repeating: 3, count: 32))
    }

    mutating func values(bound: Int64? = nil) -> [Int64] {
        let b = UInt64(bound ?? t / 2)
        return (0..<context.degree).map { _ in Int64(rng.uniform(below: 2 * b + 1)) - Int64(b) }
    }

    /// Signed representative of x mod t.
    func mod(_ x: Int64) -> Int64 {
        var r = x % t
        if r > t / 2 { r -= t } else if r < -(t / 2) { r += t }
        return r
    }

    func mulMod(_ a: Int64, _ b: Int64) -> Int64 {
        mod(Int64((Int128(a) * Int128(b)) % Int128(t)))
    }
}

@Suite("BFV")
struct BFVTests {
    @Test("encode/decode round trip with signed values")
    func encodeDecode() throws {
        var f = try BFVFixture()
        let v = f.values()
        #expect(try f.client.decode(try f.client.encode(v)) == v)
        #expect(throws: RLWEError.self) { try f.client.encode([Int64](repeating: 1, count: 1025)) }
    }

    @Test("public-key and secret-key encryption decrypt to the input")
    func encryptDecrypt() throws {
        var f = try BFVFixture()
        let v = f.values()
        let ct = try f.client.encryptPublic(try f.client.encode(v))
        #expect(try f.client.decryptValues(ct) == v)
        let cs = try f.client.encryptSecret(try f.client.encode(v))
        #expect(cs.isSeeded)
        #expect(try f.client.decryptValues(cs) == v)
        let budget = try f.client.noiseBudget(of: ct)
        #expect(budget > 100)
        #expect(f.client.estimatedNoiseBudget(ct) <= Double(budget) + 1)
        // The evaluator cannot decrypt.
        #expect(throws: RLWEError.missingKey("secret key")) { try f.server.decrypt(ct) }
    }

    @Test("additive operations match plaintext arithmetic mod t")
    func additive() throws {
        var f = try BFVFixture()
        let a = f.values(), b = f.values()
        let ca = try f.server.encrypt(a), cb = try f.server.encrypt(b)
        let pa = try f.server.encode(b)
        #expect(try f.client.decryptValues(try f.server.add(ca, cb)) == zip(a, b).map { f.mod($0 + $1) })
        #expect(try f.client.decryptValues(try f.server.subtract(ca, cb)) == zip(a, b).map { f.mod($0 - $1) })
        #expect(try f.client.decryptValues(try f.server.negate(ca)) == a.map { f.mod(-$0) })
        #expect(try f.client.decryptValues(try f.server.add(ca, pa)) == zip(a, b).map { f.mod($0 + $1) })
        #expect(try f.client.decryptValues(try f.server.subtract(ca, pa)) == zip(a, b).map { f.mod($0 - $1) })
        #expect(try f.client.decryptValues(try f.server.multiply(ca, scalar: -12345)) == a.map { f.mulMod($0, -12345) })
    }

    @Test("plaintext and ciphertext products match slot-wise products mod t")
    func products() throws {
        var f = try BFVFixture()
        let a = f.values(), b = f.values()
        let ca = try f.server.encrypt(a), cb = try f.server.encrypt(b)
        let expected = zip(a, b).map { f.mulMod($0, $1) }
        #expect(try f.client.decryptValues(try f.server.multiply(ca, try f.server.encode(b))) == expected)
        let prod = try f.server.multiply(ca, cb)
        #expect(prod.size == 3)
        #expect(try f.client.decryptValues(prod) == expected)
        let relin = try f.server.relinearize(prod)
        #expect(relin.size == 2)
        #expect(try f.client.decryptValues(relin) == expected)
        #expect(try f.client.decryptValues(try f.server.square(ca)) == a.map { f.mulMod($0, $0) })
        let budget = try f.client.noiseBudget(of: relin)
        #expect(budget > 0)
        #expect(f.server.estimatedNoiseBudget(relin) <= Double(budget) + 1)
    }

    @Test("row rotations and row swap permute the slots")
    func rotations() throws {
        var f = try BFVFixture()
        let a = f.values()
        let ca = try f.server.encrypt(a)
        let half = f.context.degree / 2
        for steps in [1, -1, 3, 64, 72, -7] {
            let r = try f.client.decryptValues(try f.server.rotateRows(ca, by: steps))
            let expected = (0..<(2 * half)).map { i -> Int64 in
                let row = i / half, col = i % half
                return a[row * half + ((col + steps) % half + half) % half]
            }
            #expect(r == expected, "rotation by \(steps)")
        }
        let s = try f.client.decryptValues(try f.server.swapRows(ca))
        #expect(s == Array(a[half...] + a[..<half]))
    }

    @Test("modulus switching keeps the plaintext")
    func modSwitch() throws {
        var f = try BFVFixture()
        let a = f.values()
        var c = try f.server.encrypt(a)
        while c.level > 1 {
            c = try f.server.modSwitchDown(c)
            #expect(try f.client.decryptValues(c) == a)
        }
        #expect(throws: RLWEError.levelExhausted) { try f.server.modSwitchDown(c) }
        // Products still work at a lower level.
        var f2 = try BFVFixture()
        let b = f2.values(bound: 100)
        let cb = try f2.server.modSwitchDown(try f2.server.encrypt(b))
        #expect(try f2.client.decryptValues(try f2.server.multiplyRelinearize(cb, cb)) == b.map { f2.mulMod($0, $0) })
    }

    @Test("fused dot products match the plaintext matrix product, also on unrelinearized squares")
    func dotProducts() throws {
        var f = try BFVFixture()
        let inputs = (0..<5).map { _ in f.values(bound: 1000) }
        let cts = try f.server.encrypt(batch: try inputs.map { try f.server.encode($0) })
        let outputs = 3
        let w: [Int64] = (0..<(outputs * 5)).map { _ in Int64(f.rng.uniform(below: 2001)) - 1000 }
        let res = try f.server.dotProducts(cts, weights: w, outputs: outputs)
        #expect(res.count == outputs)
        for o in 0..<outputs {
            let expected = (0..<f.context.degree).map { j in
                f.mod((0..<5).reduce(Int64(0)) { $0 + w[o * 5 + $1] * inputs[$1][j] })
            }
            #expect(try f.client.decryptValues(res[o]) == expected)
        }
        let squares = try cts.map { try f.server.square($0) }
        let sq = try f.server.relinearize(try f.server.dotProducts(squares, weights: Array(w[0..<5]), outputs: 1)[0])
        let expected = (0..<f.context.degree).map { j in
            (0..<5).reduce(Int64(0)) { f.mod($0 + f.mulMod(w[$1], f.mulMod(inputs[$1][j], inputs[$1][j]))) }
        }
        #expect(try f.client.decryptValues(sq) == expected)
        #expect(throws: RLWEError.self) { try f.server.dotProducts(cts, weights: [1, 2], outputs: 1) }
        #expect(throws: RLWEError.self) { try f.server.dotProducts(cts, weights: [Int64](repeating: 1 << 40, count: 5), outputs: 1) }
    }

    @Test("the exact budget check catches what the estimate cannot: a ciphertext under another key")
    func verifiedDecryption() throws {
        var f = try BFVFixture()
        let other = try BFV(context: f.context, secretKey: KeyGenerator(context: f.context).secretKey())
        let ct = try f.server.encrypt(f.values())
        #expect(try other.noiseBudget(of: ct) == 0)
        #expect(throws: RLWEError.decryptionFailed(noiseBudget: 0)) { try other.decryptVerified(ct) }
        #expect(try f.client.decryptVerified(ct) == (try f.client.decrypt(ct)))
    }

    @Test("concurrent batch operations equal the sequential ones")
    func concurrency() throws {
        var f = try BFVFixture()
        let plains = try (0..<5).map { _ in try f.full.encode(f.values(bound: 50)) }
        let cts = try f.full.encrypt(batch: plains)     // maxConcurrency 2
        #expect(try f.full.decrypt(batch: cts) == plains)
        let w: [Int64] = (0..<20).map { Int64($0) - 10 }
        let par = try f.full.dotProducts(cts, weights: w, outputs: 4)
        let seq = try BFV(context: f.context, secretKey: f.full.secretKey, evaluationKeys: f.full.evaluationKeys, maxConcurrency: 1)
        let one = try seq.dotProducts(cts, weights: w, outputs: 4)
        for o in 0..<4 { #expect(try f.full.decrypt(par[o]) == (try f.full.decrypt(one[o]))) }
        #expect(throws: RLWEError.self) { try BFV(context: f.context, maxConcurrency: 0) }
        let server = f.full
        let squares = try server.batch(cts) { (c: RLWECiphertext) throws(RLWEError) in try server.relinearize(try server.square(c)) }
        for (c, p) in zip(squares, plains) {
            let v = try server.decode(p)
            #expect(try server.decrypt(values: c) == v.map { f.mulMod($0, $0) })
        }
        #expect(throws: RLWEError.self) { try server.batch(cts) { c throws(RLWEError) in try server.multiply(try server.square(c), c) } }
    }

    @Test("a depth chain ends in a typed error, never in a wrong decryption")
    func depthChain() throws {
        var f = try BFVFixture(.insecure_n256_logq151, tBits: 17)
        let a = f.values(bound: 3)
        var c = try f.server.encrypt(a)
        var expected = a
        var depth = 0
        var failure: RLWEError?
        while failure == nil {
            let r = Result { () throws(RLWEError) in try f.server.multiplyRelinearize(c, c) }
            switch r {
            case .failure(let e): failure = e
            case .success(let next):
                c = next
                expected = expected.map { f.mulMod($0, $0) }
                depth += 1
                #expect(try f.client.decryptValues(c) == expected, "depth \(depth)")
                #expect(try f.client.noiseBudget(of: c) > 0)
            }
        }
        if case .noiseBudgetExhausted = failure {} else { Issue.record("unexpected \(String(describing: failure))") }
        #expect(depth >= 1)
    }
}

@Suite("BFV with CRT plaintext primes")
struct CRTTests {
    @Test("two 40-bit primes at n = 1024: products beyond one prime recombine exactly")
    func crt() throws {
        let crt = try CRTPlaintextModuli([549_764_251_649, 549_764_284_417])
        #expect(crt.bits == 79)
        let base = try RLWEParameters.bfv(.insecure_n1024_logq201, plaintextModulus: 65537)
        let params = try crt.parameters(degree: 1024, ciphertextModuli: base.ciphertextModuli,
                                        specialModulus: base.specialModulus, security: .unchecked)
        var rng = try SeededRandom(seed: [UInt8](repeating: 11, count: 32))
        let a = (0..<1024).map { _ in Int64(rng.uniform(below: 1 << 34)) - (1 << 33) }
        var residues: [[Int64]] = []
        for p in params {
            let context = try RLWEContext(p)
            let kg = KeyGenerator(context: context)
            let sk = kg.secretKey()
            let bfv = try BFV(context: context, secretKey: sk, evaluationKeys: try kg.evaluationKeys(for: sk))
            let c = try bfv.encrypt(a)
            residues.append(try bfv.decryptValues(try bfv.relinearize(try bfv.square(c))))
        }
        let combined = try crt.combine(residues)
        #expect(combined == a.map { Int128($0) * Int128($0) })   // up to 2^66: beyond each 40-bit prime
        #expect(throws: RLWEError.self) { try CRTPlaintextModuli([6, 9]) }
        #expect(throws: RLWEError.self) { try crt.combine([[1]]) }
    }
}

import CCryptoCore
import CryptoCore
import Testing

@Suite("RNS polynomials")
struct RNSTests {
    func base(_ n: Int, bits: [Int]) throws -> RNSBase {
        var primes: [UInt64] = []
        for b in bits {
            let candidates = try NTTPrimes.generate(count: 4, bits: b, degree: n)
            primes.append(candidates.first { !primes.contains($0) }!)
        }
        return try RNSBase(degree: n, moduli: primes)
    }

    @Test("CRT composition and decomposition round trip, and composition equals the integer")
    func crtRoundTrip() throws {
        let b = try base(64, bits: [50, 55, 60])
        var rng = testRNG(11)
        let p = RNSPolynomial<Coefficient>(uniformIn: b, using: &rng)
        let composed = p.composeCRT()
        #expect(composed.count == 64)
        #expect(composed[0].count == b.productWords)
        let back = try RNSPolynomial<Coefficient>(base: b, wordsLE: composed)
        #expect(back.data == p.data)
        // Small signed integers compose to themselves (negative ones to Q - |x|).
        let small = try RNSPolynomial<Coefficient>(base: b, signedCoefficients: (0..<64).map { Int64($0) - 32 })
        let words = small.composeCRT()
        #expect(words[40] == [8] + [UInt64](repeating: 0, count: b.productWords - 1))
        let q = b.productWordsLE
        var qMinusOne = q
        qMinusOne[0] -= 1  // Q is odd, so no borrow
        #expect(words[31] == qMinusOne)
    }

    @Test("NTT product of RNS polynomials equals the schoolbook product per prime")
    func ringProduct() throws {
        let b = try base(256, bits: [30, 50, 61])
        var rng = testRNG(12)
        let x = RNSPolynomial<Coefficient>(uniformIn: b, using: &rng)
        let y = RNSPolynomial<Coefficient>(uniformIn: b, using: &rng)
        let product = try (x.forwardNTT() * y.forwardNTT()).inverseNTT()
        for i in 0..<b.count {
            let expected = try NTTPlan.schoolbookProduct(x.residues(i), y.residues(i), modulus: b.moduli[i].value)
            #expect(product.residues(i) == expected)
        }
        var acc = RNSPolynomial<Evaluation>(zeroIn: b)
        try acc.multiplyAdd(x.forwardNTT(), y.forwardNTT())
        try acc.multiplyAdd(x.forwardNTT(), y.forwardNTT())
        var twice = product
        twice.multiply(byScalar: 2)
        #expect(acc.inverseNTT().data == twice.data)
        // add / subtract / negate
        let sum = try x + y
        #expect(try (sum - y).data == x.data)
        #expect(try (x + (-x)).data.allSatisfy { $0 == 0 })
    }

    @Test("multiply-accumulate equals the naive sum for signed weights")
    func dotProduct() throws {
        let b = try base(1024 + 0, bits: [40, 60])
        var rng = testRNG(13)
        let inputs = (0..<37).map { _ in RNSPolynomial<Coefficient>(uniformIn: b, using: &rng) }
        let outputs = 5
        var weights = (0..<(outputs * inputs.count)).map { _ in Int64(bitPattern: rng.next()) >> 33 }
        weights[0] = (1 << 31) - 1
        weights[1] = -((1 << 31) - 1)
        weights[2] = 0
        let result = try RNSPolynomial.matrixProduct(inputs, weights: weights, outputs: outputs, base: b)
        for o in 0..<outputs {
            var expected = RNSPolynomial<Coefficient>(zeroIn: b)
            for (i, p) in inputs.enumerated() {
                var t = p
                t.multiply(byScalar: weights[o * inputs.count + i])
                try expected.add(t)
            }
            #expect(result[o].data == expected.data, "output \(o)")
        }
        let single = try RNSPolynomial.dotProduct(inputs, weights: Array(weights[0..<inputs.count]))
        #expect(single.data == result[0].data)
        #expect(throws: CryptoCoreError.self) { _ = try RNSPolynomial.dotProduct(inputs, weights: [1 << 31] + [Int64](repeating: 0, count: 36)) }
        #expect(throws: CryptoCoreError.self) { _ = try RNSPolynomial.dotProduct(inputs, weights: [1]) }
    }

    @Test("every multiply-accumulate kernel equals the portable one", arguments: [20, 31, 50, 60, 61, 62])
    func dotKernels(bits: Int) throws {
        var rng = testRNG(UInt8(bits))
        let q = try NTTPrimes.generate(count: 1, bits: bits, degree: 16)[0]
        let m = try Modulus(q)
        for n in [1, 7, 64, 300, 1027] {
            let count = 45, outputs = 3
            var inputs = (0..<count).map { _ in randomResidues(n, below: q, &rng) }
            inputs[0] = [UInt64](repeating: q - 1, count: n)
            let weights = (0..<(count * outputs)).map { i -> Int64 in
                i % 7 == 0 ? (i % 2 == 0 ? (1 << 31) - 1 : -((1 << 31) - 1)) : Int64(bitPattern: rng.next()) >> 33
            }
            var reference: [[UInt64]] = []
            for o in 0..<outputs {
                var r = [UInt64](repeating: 0, count: n)
                for j in 0..<n {
                    for i in 0..<count { r[j] = m.add(r[j], m.multiply(inputs[i][j], m.reduce(signed: weights[o * count + i]))) }
                }
                reference.append(r)
            }
            let kernels = Kernel.decode(ccc_poly_dot_small_kernels())
            #expect(kernels.contains(.portable))
            for kernel in kernels {
                for accumulate in [false, true] {
                    var outs = (0..<outputs).map { _ in [UInt64](repeating: accumulate ? 5 % q : 0, count: n) }
                    let status = callMatvec(&outs, inputs, weights, n: n, modulus: m, accumulate: accumulate, kernel: kernel)
                    #expect(status == CCC_OK)
                    for o in 0..<outputs {
                        let expected = accumulate ? reference[o].map { m.add($0, 5 % q) } : reference[o]
                        #expect(outs[o] == expected, "kernel \(kernel) n=\(n) output \(o) accumulate=\(accumulate)")
                    }
                }
            }
        }
    }

    func callMatvec(_ outs: inout [[UInt64]], _ inputs: [[UInt64]], _ weights: [Int64], n: Int, modulus: Modulus,
                    accumulate: Bool, kernel: Kernel) -> ccc_status {
        let inPtrs = inputs.map { arr -> UnsafeMutablePointer<UInt64> in
            let p = UnsafeMutablePointer<UInt64>.allocate(capacity: n); p.initialize(from: arr, count: n); return p
        }
        let outPtrs = outs.map { arr -> UnsafeMutablePointer<UInt64> in
            let p = UnsafeMutablePointer<UInt64>.allocate(capacity: n); p.initialize(from: arr, count: n); return p
        }
        defer { inPtrs.forEach { $0.deallocate() }; outPtrs.forEach { $0.deallocate() } }
        var mraw = ccc_modulus()
        _ = ccc_modulus_init(&mraw, modulus.value)
        let ins: [UnsafePointer<UInt64>?] = inPtrs.map { UnsafePointer($0) }
        let os: [UnsafeMutablePointer<UInt64>?] = outPtrs
        let status = ccc_poly_matvec_small_kernel(os, outs.count, ins, weights, inputs.count, UInt64(n), &mraw,
                                                  accumulate ? 1 : 0, ccc_kernel(UInt32(kernel.rawValue)))
        for o in 0..<outs.count { outs[o] = Array(UnsafeBufferPointer(start: outPtrs[o], count: n)) }
        return status
    }

    @Test("mismatched bases and malformed residues are rejected")
    func mismatches() throws {
        let b1 = try base(16, bits: [30])
        let b2 = try base(16, bits: [31])
        var x = RNSPolynomial<Coefficient>(zeroIn: b1)
        let y = RNSPolynomial<Coefficient>(zeroIn: b2)
        #expect(throws: CryptoCoreError.self) { try x.add(y) }
        #expect(throws: CryptoCoreError.self) { _ = try RNSPolynomial<Coefficient>(base: b1, residues: [1, 2]) }
        #expect(throws: CryptoCoreError.self) {
            _ = try RNSPolynomial<Coefficient>(base: b1, residues: [UInt64](repeating: b1.moduli[0].value, count: 16))
        }
        #expect(throws: CryptoCoreError.self) { _ = try RNSBase(degree: 16, moduli: [97, 97]) }
        #expect(throws: CryptoCoreError.self) { _ = try RNSBase(degree: 16, moduli: []) }
    }
}

@Suite("Randomness")
struct RandomTests {
    @Test("seeded ChaCha20 streams are reproducible and chunking does not change them")
    func seeded() throws {
        var a = try SeededRandom(seed: [UInt8](repeating: 0, count: 32))
        var b = try SeededRandom(seed: [UInt8](repeating: 0, count: 32))
        let whole = a.bytes(10000)
        var pieces: [UInt8] = []
        for size in [1, 63, 64, 65, 4096, 5711] { pieces += b.bytes(size) }
        #expect(whole == pieces)
        // RFC 8439 §2.4.2 uses a different nonce; the all-zero key and nonce stream starts with
        // 76 b8 e0 ad a0 f1 3d 90 (the ChaCha20 test vector of RFC 7539 §A.1, block 0).
        #expect(Array(whole.prefix(8)) == [0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90])
        #expect(throws: CryptoCoreError.sizeMismatch(expected: 32, actual: 31)) { try SeededRandom(seed: [UInt8](repeating: 0, count: 31)) }
    }

    @Test("uniform sampling stays below the bound and covers it")
    func uniform() {
        var rng = testRNG(5)
        var seen = Set<UInt64>()
        for _ in 0..<2000 {
            let x = rng.uniform(below: 7)
            #expect(x < 7)
            seen.insert(x)
        }
        #expect(seen.count == 7)
        #expect(rng.uniform(below: 1) == 0)
        var sys = SystemRandom()
        #expect(sys.bytes(32) != sys.bytes(32))
    }
}

import CCryptoCore
import CryptoCore
import Testing

@Suite("Negacyclic NTT")
struct NTTTests {
    /// Known answers computed independently (direct evaluation of a(X) at ψ^(2·bitrev(i)+1),
    /// ψ the smallest primitive 2n-th root) for a(X) = Σ (3j² + 5j + 1) X^j.
    static let knownAnswers: [(q: UInt64, n: Int, psi: UInt64, input: [UInt64], output: [UInt64])] = [
        (97, 4, 33, [1, 9, 23, 43], [12, 32, 76, 78]),
        (97, 8, 8, [1, 9, 23, 43, 69, 4, 42, 86], [9, 85, 44, 21, 42, 41, 13, 44]),
        (97, 16, 19, [1, 9, 23, 43, 69, 4, 42, 86, 39, 95, 60, 31, 8, 88, 77, 72],
         [57, 95, 70, 73, 40, 42, 92, 47, 67, 27, 51, 51, 69, 64, 96, 45]),
        (113, 4, 18, [1, 9, 23, 43], [73, 30, 46, 81]),
        (113, 8, 35, [1, 9, 23, 43, 69, 101, 26, 70], [11, 59, 1, 87, 91, 18, 92, 101]),
    ]

    @Test("known-answer vectors with q = 97, 113 and n = 4, 8, 16", arguments: 0..<5)
    func knownAnswer(_ index: Int) throws {
        let kat = Self.knownAnswers[index]
        let plan = try NTTPlan(degree: kat.n, modulus: kat.q)
        #expect(plan.rootOfUnity == kat.psi)
        for kernel in plan.supportedKernels {
            var v = kat.input
            try plan.forward(&v, kernel: kernel)
            #expect(v == kat.output, "kernel \(kernel)")
            try plan.inverse(&v, kernel: kernel)
            #expect(v == kat.input, "kernel \(kernel)")
        }
    }

    /// Primes at the bit-width boundaries where SIMD reductions tend to break.
    static let boundaryBits = [20, 30, 31, 32, 50, 51, 52, 60, 61, 62]

    @Test("product equals the schoolbook product at bit-width boundaries", arguments: boundaryBits)
    func productMatchesSchoolbook(bits: Int) throws {
        var rng = testRNG(UInt8(bits))
        for n in [2, 16, 256, 2048] {
            let q = try NTTPrimes.generate(count: 1, bits: bits, degree: max(n, 1 << 12))[0]
            let plan = try NTTPlan(degree: n, modulus: q)
            let a = randomResidues(n, below: q, &rng)
            var b = randomResidues(n, below: q, &rng)
            b[0] = q - 1  // extremes
            let fast = try plan.multiply(a, b)
            #expect(fast == (try NTTPlan.schoolbookProduct(a, b, modulus: q)), "n = \(n), \(bits) bits")
        }
    }

    @Test("product equals FLINT nmod_poly_mulmod for every size 2^10 … 2^17")
    func productMatchesFLINT() throws {
        var rng = testRNG(7)
        let bitSizes = [30, 50, 60, 61, 62, 31, 52, 40]
        for (k, logN) in (10...17).enumerated() {
            let n = 1 << logN
            let q = try NTTPrimes.generate(count: 1, bits: bitSizes[k], degree: n)[0]
            let plan = try NTTPlan(degree: n, modulus: q)
            let a = randomResidues(n, below: q, &rng)
            let b = randomResidues(n, below: q, &rng)
            #expect(try plan.multiply(a, b) == NTTPlan.flintProduct(a, b, modulus: q), "n = \(n)")
        }
    }

    @Test("every SIMD kernel equals the portable kernel, lazy and reduced", arguments: [30, 50, 52, 60, 61, 62])
    func kernelsAgree(bits: Int) throws {
        var rng = testRNG(UInt8(100 + bits))
        for logN in 1...17 {
            let n = 1 << logN
            let q = try NTTPrimes.generate(count: 1, bits: bits, degree: 1 << 17)[0]
            let plan = try NTTPlan(degree: n, modulus: q)
            // Lazy inputs up to 4q for the forward transform, 2q for the inverse.
            let input = (0..<n).map { _ in rng.uniform(below: 4 * q) }
            let inverseInput = input.map { $0 % (2 * q) }
            for lazy in [false, true] {
                var reference = input
                try plan.forward(&reference, lazy: lazy, kernel: .portable)
                var referenceInverse = inverseInput
                try plan.inverse(&referenceInverse, lazy: lazy, kernel: .portable)
                for kernel in plan.supportedKernels where kernel != .portable {
                    var v = input
                    try plan.forward(&v, lazy: lazy, kernel: kernel)
                    #expect(v == reference, "forward \(kernel) n=\(n) lazy=\(lazy)")
                    var w = inverseInput
                    try plan.inverse(&w, lazy: lazy, kernel: kernel)
                    #expect(w == referenceInverse, "inverse \(kernel) n=\(n) lazy=\(lazy)")
                }
                if lazy { #expect(reference.allSatisfy { $0 < 4 * q }) } else { #expect(reference.allSatisfy { $0 < q }) }
            }
        }
    }

    @Test("forward then inverse is the identity for n = 2 … 2^17")
    func roundTrip() throws {
        var rng = testRNG(3)
        for logN in 1...17 {
            let n = 1 << logN
            let q = try NTTPrimes.generate(count: 1, bits: 55, degree: n)[0]
            let plan = try NTTPlan(degree: n, modulus: q)
            let a = randomResidues(n, below: q, &rng)
            var v = a
            try plan.forward(&v)
            #expect(v != a || n < 4)
            try plan.inverse(&v)
            #expect(v == a)
        }
    }

    @Test("the automatic kernel is available on this CPU and honours the environment cap")
    func kernelSelection() throws {
        let q = try NTTPrimes.generate(count: 1, bits: 50, degree: 8192)[0]
        let plan = try NTTPlan(degree: 8192, modulus: q)
        #expect(Kernel.supportedByCPU.contains(plan.kernel))
        #expect(Kernel.allowed.contains(plan.kernel))
        #expect(plan.kernel == plan.supportedKernels.filter { Kernel.allowed.contains($0) }.max { $0.rawValue < $1.rawValue })
    }

    @Test("malformed parameters give typed errors")
    func malformed() throws {
        #expect(throws: CryptoCoreError.notPowerOfTwo(12)) { try NTTPlan(degree: 12, modulus: 97) }
        #expect(throws: CryptoCoreError.notPowerOfTwo(1 << 18)) { try NTTPlan(degree: 1 << 18, modulus: 97) }
        #expect(throws: CryptoCoreError.notPrime(91)) { try NTTPlan(degree: 4, modulus: 91) }
        #expect(throws: CryptoCoreError.noRootOfUnity(modulus: 101, degree: 4)) { try NTTPlan(degree: 4, modulus: 101) }
        #expect(throws: CryptoCoreError.self) { try NTTPlan(degree: 4, modulus: (1 << 62) + 1) }
        #expect(throws: CryptoCoreError.self) { try NTTPlan(degree: 4, modulus: 0) }
        let plan = try NTTPlan(degree: 8, modulus: 97)
        var short = [UInt64](repeating: 1, count: 7)
        #expect(throws: CryptoCoreError.sizeMismatch(expected: 8, actual: 7)) { try plan.forward(&short) }
        #expect(throws: CryptoCoreError.self) { _ = try plan.multiply([UInt64](repeating: 97, count: 8), [UInt64](repeating: 1, count: 8)) }
    }
}

@Suite("Primes and word arithmetic")
struct PrimeTests {
    @Test("generated primes are prime, ≡ 1 mod 2n, of the asked size, decreasing, below the bound")
    func nttPrimes() throws {
        for bits in [20, 30, 31, 50, 52, 60, 61, 62] {
            let degree = bits == 20 ? 1 << 10 : 1 << 14
            let primes = try NTTPrimes.generate(count: 4, bits: bits, degree: degree)
            #expect(primes.count == 4)
            for q in primes {
                #expect(NTTPrimes.isPrime(q))
                #expect(q % UInt64(2 * degree) == 1)
                #expect(64 - q.leadingZeroBitCount == bits)
            }
            #expect(primes == primes.sorted(by: >))
            let below = try NTTPrimes.generate(count: 1, bits: bits, degree: degree, below: primes[0])
            #expect(below[0] == primes[1])
        }
        // The anchors' primes: the largest below 2^60, 2^50, 2^30 that are 1 mod 2^16.
        #expect(try NTTPrimes.generate(count: 1, bits: 60, degree: 1 << 15)[0] == 1152921504606584833)
        #expect(try NTTPrimes.generate(count: 1, bits: 50, degree: 1 << 15)[0] == 1125899904679937)
        #expect(try NTTPrimes.generate(count: 1, bits: 30, degree: 1 << 15)[0] == 1073479681)
    }

    @Test("prime generation rejects impossible requests")
    func primeErrors() {
        #expect(throws: CryptoCoreError.self) { try NTTPrimes.generate(count: 1, bits: 63, degree: 16) }
        #expect(throws: CryptoCoreError.notPowerOfTwo(12)) { try NTTPrimes.generate(count: 1, bits: 30, degree: 12) }
        #expect(throws: CryptoCoreError.self) { try NTTPrimes.generate(count: 100, bits: 10, degree: 256) }
    }

    @Test("Barrett and Shoup arithmetic equal 128-bit reference arithmetic")
    func wordArithmetic() throws {
        var rng = testRNG(9)
        for bits in [2, 17, 31, 32, 50, 52, 61, 62] {
            let q = bits == 2 ? 3 : (UInt64(1) << UInt64(bits - 1)) + rng.uniform(below: UInt64(1) << UInt64(bits - 1))
            let m = try Modulus(q)
            for _ in 0..<2000 {
                let a = rng.next(), b = rng.next()
                #expect(m.reduce(a) == a % q)
                let product = a.multipliedFullWidth(by: b)
                #expect(m.multiply(a, b) == q.dividingFullWidth((product.high % q, product.low)).remainder)
                let x = a % q, y = b % q
                #expect(m.add(x, y) == UInt64((UInt128(x) + UInt128(y)) % UInt128(q)))
                #expect(m.subtract(x, y) == (x >= y ? x - y : q - y + x))
            }
        }
        let m = try Modulus(97)
        #expect(try m.inverse(5) * 5 % 97 == 1)
        #expect(throws: CryptoCoreError.notInvertible) { try Modulus(91).inverse(7) }
        #expect(m.reduce(signed: -1) == 96)
        #expect(m.centered(96) == -1)
        #expect(throws: CryptoCoreError.self) { try Modulus(1 << 62) }
        #expect(throws: CryptoCoreError.self) { try Modulus(1) }
    }
}

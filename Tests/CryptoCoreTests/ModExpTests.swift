import CryptoCore
import Testing

/// A Paillier-size key (two 1024-bit primes, N of 2048 bits) from a fixed seed, built once.
enum PaillierFixture {
    struct Key: Sendable {
        let p: BigInt, q: BigInt, n: BigInt, n2: BigInt
    }

    static let key2048: Key = {
        var rng = try! SeededRandom(seed: [UInt8](repeating: 0x5A, count: 32))
        let p = try! BigInt.randomPrime(bits: 1024, using: &rng)
        var q = try! BigInt.randomPrime(bits: 1024, using: &rng)
        while q == p { q = try! BigInt.randomPrime(bits: 1024, using: &rng) }
        let n = p * q
        return Key(p: p, q: q, n: n, n2: n * n)
    }()

    /// A small key for quick exhaustive checks.
    static let key64: Key = {
        var rng = try! SeededRandom(seed: [UInt8](repeating: 0x11, count: 32))
        let p = try! BigInt.randomPrime(bits: 32, using: &rng)
        var q = try! BigInt.randomPrime(bits: 32, using: &rng)
        while q == p { q = try! BigInt.randomPrime(bits: 32, using: &rng) }
        let n = p * q
        return Key(p: p, q: q, n: n, n2: n * n)
    }()
}

/// The reference: the product of single exponentiations (plain `mpz_powm`, inverse for negative exponents).
func naiveProduct(_ bases: [BigInt], _ exps: [Int64], modulus m: BigInt) throws -> BigInt {
    var acc = try BigInt(1).modulo(m)
    for (b, e) in zip(bases, exps) {
        acc = try (acc * b.power(BigInt(e), modulus: m, variableTime: true)).modulo(m)
    }
    return acc
}

@Suite("Modular exponentiation")
struct ModExpTests {
    @Test("multi-exponentiation equals the product of single exponentiations (8-bit signed, every algorithm)",
          arguments: [1, 2, 3, 25, 100, 845])
    func multiExpSmallExponents(_ terms: Int) throws {
        let k = PaillierFixture.key2048
        let mont = try MontgomeryContext(modulus: k.n2)
        var rng = try SeededRandom(seed: [UInt8](repeating: UInt8(terms & 0xFF), count: 32))
        let bases = try (0..<terms).map { _ in try BigInt.random(below: k.n2, using: &rng) }
        let exps = (0..<terms).map { _ in Int64(rng.uniform(below: 256)) - 128 }
        let expected = try naiveProduct(bases, exps, modulus: k.n2)
        for alg in [MultiExponentiationAlgorithm.automatic, .straus, .pippenger, .bosCoster] {
            #expect(try mont.multiExponentiateVariableTime(bases: bases, exponents: exps, algorithm: alg) == expected, "\(alg)")
        }
    }

    @Test("multi-exponentiation with word-size exponents, extremes, zeros and unreduced bases")
    func multiExpWordExponents() throws {
        let k = PaillierFixture.key2048
        let mont = try MontgomeryContext(modulus: k.n2)
        var rng = try SeededRandom(seed: [UInt8](repeating: 9, count: 32))
        var bases = try (0..<12).map { _ in try BigInt.random(below: k.n2, using: &rng) }
        bases[3] = bases[3] + k.n2 * 5          // above the modulus
        bases[4] = -bases[4]                    // negative base
        var exps = (0..<12).map { _ in Int64(bitPattern: rng.next()) }
        exps[0] = .min
        exps[1] = .max
        exps[2] = 0
        exps[5] = -1
        exps[6] = 1
        let expected = try naiveProduct(bases, exps, modulus: k.n2)
        for alg in [MultiExponentiationAlgorithm.automatic, .straus, .pippenger, .bosCoster] {
            #expect(try mont.multiExponentiateVariableTime(bases: bases, exponents: exps, algorithm: alg) == expected, "\(alg)")
        }
        // Empty product and all-zero exponents give 1.
        #expect(try mont.multiExponentiateVariableTime(bases: [], exponents: []) == 1)
        #expect(try mont.multiExponentiateVariableTime(bases: bases, exponents: [Int64](repeating: 0, count: 12)) == 1)
    }

    @Test("multi-exponentiation on a small modulus, many random shapes")
    func multiExpSmallModulus() throws {
        let m = PaillierFixture.key64.n2
        let mont = try MontgomeryContext(modulus: m)
        var rng = try SeededRandom(seed: [UInt8](repeating: 10, count: 32))
        for trial in 0..<60 {
            let terms = 1 + Int(rng.uniform(below: 40))
            let bits = 1 + Int(rng.uniform(below: 20))
            let bases = try (0..<terms).map { _ in try BigInt.random(below: m, using: &rng) }
            let exps = (0..<terms).map { _ in Int64(rng.uniform(below: 1 << UInt64(bits))) - (1 << Int64(bits - 1)) }
            let expected = try naiveProduct(bases, exps, modulus: m)
            for alg in [MultiExponentiationAlgorithm.automatic, .straus, .pippenger, .bosCoster] {
                #expect(try mont.multiExponentiateVariableTime(bases: bases, exponents: exps, algorithm: alg) == expected,
                        "trial \(trial) \(alg)")
            }
        }
    }

    @Test("a base sharing a factor with the modulus: fine with a positive exponent, typed error with a negative one")
    func multiExpNonInvertible() throws {
        let k = PaillierFixture.key2048
        let mont = try MontgomeryContext(modulus: k.n2)
        var rng = try SeededRandom(seed: [UInt8](repeating: 12, count: 32))
        var bases = try (0..<25).map { _ in try BigInt.random(below: k.n2, using: &rng) }
        var exps = (0..<25).map { _ in Int64(rng.uniform(below: 256)) - 128 }
        bases[7] = k.p * 3
        exps[7] = 3   // NAF of 3 is 4 - 1: the negative digit must not make this fail
        for alg in [MultiExponentiationAlgorithm.automatic, .straus, .pippenger, .bosCoster] {
            #expect(try mont.multiExponentiateVariableTime(bases: bases, exponents: exps, algorithm: alg)
                    == (try naiveProduct(bases, exps, modulus: k.n2)))
        }
        exps[7] = -3
        for alg in [MultiExponentiationAlgorithm.automatic, .straus, .pippenger, .bosCoster] {
            #expect(throws: CryptoCoreError.notInvertible) {
                try mont.multiExponentiateVariableTime(bases: bases, exponents: exps, algorithm: alg)
            }
        }
        #expect(throws: CryptoCoreError.notInvertible) {
            try mont.multiExponentiateVariableTime(bases: [k.p], exponents: [-1])  // single term: mpz_powm path
        }
        #expect(try mont.multiExponentiateVariableTime(bases: [k.p], exponents: [2]) == (try (k.p * k.p).modulo(k.n2)))
        #expect(throws: CryptoCoreError.sizeMismatch(expected: 25, actual: 24)) {
            try mont.multiExponentiateVariableTime(bases: bases, exponents: Array(exps.dropLast()))
        }
    }

    @Test("Montgomery context rejects even, zero and negative moduli")
    func montgomeryModuli() throws {
        for m: BigInt in [0, -7, 1, 16, (BigInt(1) << 2048)] {
            #expect(throws: CryptoCoreError.self) { try MontgomeryContext(modulus: m) }
            #expect(throws: CryptoCoreError.self) { try FixedBaseTable(base: 3, modulus: m, maxExponentBits: 64) }
        }
        let mont = try MontgomeryContext(modulus: PaillierFixture.key64.n2)
        #expect(throws: CryptoCoreError.self) { try mont.montgomeryProduct(PaillierFixture.key64.n2, 1) }
        #expect(throws: CryptoCoreError.self) { try mont.montgomeryProduct(-1, 1) }
    }

    @Test("Montgomery products: a·b·R⁻¹ and plain products agree with mpz on random operands")
    func montgomeryProducts() throws {
        let k = PaillierFixture.key2048
        let mont = try MontgomeryContext(modulus: k.n2)
        var rng = try SeededRandom(seed: [UInt8](repeating: 13, count: 32))
        let limbs = (k.n2.bitWidth + 63) / 64
        let r = try (BigInt(1) << (64 * limbs)).modulo(k.n2)
        for _ in 0..<20 {
            let a = try BigInt.random(below: k.n2, using: &rng), b = try BigInt.random(below: k.n2, using: &rng)
            let ab = try (a * b).modulo(k.n2)
            #expect(mont.multiply(a, b) == ab)
            #expect(try (mont.montgomeryProduct(a, b) * r).modulo(k.n2) == ab)
        }
    }

    @Test("CRT exponentiation equals plain mpz_powm mod N² (2048-bit N), both timing paths")
    func crtPower() throws {
        let k = PaillierFixture.key2048
        let crt = try CRTExponentiationContext(p: k.p, q: k.q)
        #expect(crt.n == k.n && crt.nSquared == k.n2)
        var rng = try SeededRandom(seed: [UInt8](repeating: 14, count: 32))
        for i in 0..<6 {
            var b = try BigInt.random(below: k.n2, using: &rng)
            if i == 4 { b = k.p * 7 }      // not prime to N: no exponent reduction for that half
            let e = try BigInt.random(bits: [16, 1024, 2048, 4096, 2048, 3000][i], using: &rng)
            let expected = try b.power(e, modulus: k.n2, variableTime: true)
            #expect(try crt.power(b, e, variableTime: true) == expected)
            #expect(try crt.power(b, e, variableTime: false) == expected)
        }
        let b = try BigInt.random(below: k.n2, using: &rng)
        #expect(try crt.power(b, -12345, variableTime: true) == (try b.power(-12345, modulus: k.n2, variableTime: true)))
        #expect(throws: CryptoCoreError.self) { try crt.power(b, -1, variableTime: false) }
        #expect(throws: CryptoCoreError.notInvertible) { try crt.power(k.q, -1, variableTime: true) }
        #expect(try crt.power(b, 0, variableTime: false) == 1)
    }

    @Test("Garner recombination modulo N and N²")
    func garner() throws {
        let k = PaillierFixture.key2048
        let crt = try CRTExponentiationContext(p: k.p, q: k.q)
        var rng = try SeededRandom(seed: [UInt8](repeating: 15, count: 32))
        for _ in 0..<10 {
            let x = try BigInt.random(below: k.n2, using: &rng)
            #expect(crt.combineModuloSquares(try x.modulo(k.p * k.p), try x.modulo(k.q * k.q)) == x)
            let y = try x.modulo(k.n)
            #expect(crt.combine(try y.modulo(k.p), try y.modulo(k.q)) == y)
        }
    }

    @Test("CRT context rejects composite, equal and tiny primes")
    func crtInvalid() throws {
        let k = PaillierFixture.key64
        #expect(throws: CryptoCoreError.self) { try CRTExponentiationContext(p: k.p, q: k.p) }
        #expect(throws: CryptoCoreError.self) { try CRTExponentiationContext(p: k.p * 3, q: k.q) }
        #expect(throws: CryptoCoreError.self) { try CRTExponentiationContext(p: 2, q: k.q) }
        #expect(throws: CryptoCoreError.self) { try PaillierKeyHolderArithmetic(p: k.p, q: k.p) }
        #expect(throws: CryptoCoreError.self) { try PaillierKeyHolderArithmetic(p: 15, q: k.q) }
    }

    @Test("fixed-base table equals plain exponentiation, every window, both timing paths")
    func fixedBase() throws {
        let k = PaillierFixture.key2048
        var rng = try SeededRandom(seed: [UInt8](repeating: 16, count: 32))
        let g = try BigInt.random(below: k.n2, using: &rng)
        for window in [nil, 1, 3, 4, 8] as [Int?] {
            let bits = window == 8 ? 300 : 2048
            let table = try FixedBaseTable(base: g, modulus: k.n2, maxExponentBits: bits, window: window)
            #expect(table.tableBytes > 0)
            for e in [BigInt(0), BigInt(1), (BigInt(1) << bits) - 1, try BigInt.random(bits: bits, using: &rng),
                      try BigInt.random(bits: bits / 3, using: &rng)] {
                let expected = try g.power(e, modulus: k.n2, variableTime: true)
                #expect(try table.power(e, variableTime: true) == expected, "window \(String(describing: window))")
                #expect(try table.power(e, variableTime: false) == expected, "window \(String(describing: window))")
            }
            #expect(throws: CryptoCoreError.self) { try table.power(BigInt(1) << bits, variableTime: true) }
            #expect(throws: CryptoCoreError.self) { try table.power(-1, variableTime: false) }
        }
        #expect(throws: CryptoCoreError.self) { try FixedBaseTable(base: g, modulus: k.n2, maxExponentBits: 0) }
        #expect(throws: CryptoCoreError.self) { try FixedBaseTable(base: g, modulus: k.n2, maxExponentBits: 64, window: 9) }
    }

    @Test("Paillier: CRT encryption equals public-key encryption; decryption with and without CRT recovers m")
    func paillier() throws {
        let k = PaillierFixture.key2048
        let holder = try PaillierKeyHolderArithmetic(p: k.p, q: k.q)
        let pub = try PaillierPublicArithmetic(n: k.n)
        var rng = try SeededRandom(seed: [UInt8](repeating: 17, count: 32))
        for i in 0..<4 {
            let m = i == 0 ? BigInt(0) : (i == 1 ? k.n - 1 : try BigInt.random(below: k.n, using: &rng))
            let r = try pub.randomness(using: &rng)
            let c = try pub.encrypt(m, randomness: r)
            // textbook formula
            let g = k.n + 1
            let textbook = try (g.power(m, modulus: k.n2, variableTime: true) * r.power(k.n, modulus: k.n2, variableTime: true)).modulo(k.n2)
            #expect(c == textbook)
            #expect(try pub.encrypt(m, randomness: r, variableTime: false) == c)
            #expect(try pub.encrypt(m, nthResidue: r.power(k.n, modulus: k.n2, variableTime: true)) == c)
            #expect(try holder.encrypt(m, randomness: r) == c)
            #expect(try holder.encrypt(m, randomness: r, variableTime: true) == c)
            for crt in [true, false] {
                for vt in [true, false] {
                    #expect(try holder.decrypt(c, useCRT: crt, variableTime: vt) == m)
                }
            }
        }
        // Homomorphism through the kernels: E(a)·E(b)^-3 decrypts to a - 3b mod N.
        let a = try BigInt.random(below: k.n, using: &rng), b = try BigInt.random(below: k.n, using: &rng)
        let ca = try pub.encrypt(a, randomness: try pub.randomness(using: &rng))
        let cb = try pub.encrypt(b, randomness: try pub.randomness(using: &rng))
        let mont = try MontgomeryContext(modulus: k.n2)
        let comb = try mont.multiExponentiateVariableTime(bases: [ca, cb], exponents: [1, -3])
        #expect(try holder.decrypt(comb) == (try (a - b * 3).modulo(k.n)))
    }

    @Test("Paillier L function and malformed inputs")
    func paillierInvalid() throws {
        let k = PaillierFixture.key64
        let holder = try PaillierKeyHolderArithmetic(p: k.p, q: k.q)
        let pub = holder.publicArithmetic
        #expect(try pub.l(k.n * 5 + 1) == 5)
        #expect(throws: CryptoCoreError.self) { try pub.l(k.n * 5 + 2) }
        #expect(throws: CryptoCoreError.self) { try pub.l(0) }
        #expect(throws: CryptoCoreError.self) { try pub.encrypt(k.n, randomness: 5) }       // m = N
        #expect(throws: CryptoCoreError.self) { try pub.encrypt(-1, randomness: 5) }
        #expect(throws: CryptoCoreError.self) { try pub.encrypt(1, randomness: 0) }
        #expect(throws: CryptoCoreError.self) { try pub.encrypt(1, nthResidue: 0) }
        #expect(throws: CryptoCoreError.self) { try pub.encrypt(1, nthResidue: k.n2) }
        #expect(throws: CryptoCoreError.self) { try holder.encrypt(1, randomness: k.n) }
        #expect(throws: CryptoCoreError.self) { try holder.decrypt(0) }
        #expect(throws: CryptoCoreError.self) { try holder.decrypt(k.n2) }
        for crt in [true, false] {
            #expect(throws: CryptoCoreError.self) { try holder.decrypt(k.p, useCRT: crt) }  // not prime to N
        }
        #expect(throws: CryptoCoreError.self) { try PaillierPublicArithmetic(n: 10) }
    }

    @Test("batch entry points with 1, 2 and 5 threads equal the sequential results")
    func batches() throws {
        let k = PaillierFixture.key2048
        let holder = try PaillierKeyHolderArithmetic(p: k.p, q: k.q)
        let pub = holder.publicArithmetic
        let crt = try CRTExponentiationContext(p: k.p, q: k.q)
        let mont = try MontgomeryContext(modulus: k.n2)
        var rng = try SeededRandom(seed: [UInt8](repeating: 18, count: 32))
        let count = 7
        let ms = try (0..<count).map { _ in try BigInt.random(below: k.n, using: &rng) }
        let rs = try (0..<count).map { _ in try pub.randomness(using: &rng) }
        let cs = try zip(ms, rs).map { try pub.encrypt($0, randomness: $1) }
        let es = try (0..<count).map { _ in try BigInt.random(bits: 700, using: &rng) }
        let rows = (0..<5).map { _ in (0..<count).map { _ in Int64(rng.uniform(below: 256)) - 128 } }
        for threads in [1, 2, 5] {
            #expect(try pub.encrypt(ms, randomness: rs, threads: threads) == cs)
            #expect(try holder.encrypt(ms, randomness: rs, threads: threads) == cs)
            #expect(try holder.decrypt(cs, useCRT: true, threads: threads) == ms)
            #expect(try holder.decrypt(cs, useCRT: false, variableTime: true, threads: threads) == ms)
            let seq = try zip(cs, es).map { try $0.power($1, modulus: k.n2, variableTime: true) }
            #expect(try ModularExponentiation.powerVariableTime(bases: cs, exponents: es, modulus: k.n2, threads: threads) == seq)
            #expect(try crt.power(bases: cs, exponents: es, variableTime: false, threads: threads) == seq)
            let multi = try rows.map { try mont.multiExponentiateVariableTime(bases: cs, exponents: $0) }
            #expect(try mont.multiExponentiateVariableTime(bases: cs, exponentRows: rows, threads: threads) == multi)
        }
        #expect(try holder.decrypt([], threads: 2) == [])
        for bad in [0, -1, maximumBatchThreads + 1] {
            #expect(throws: CryptoCoreError.self) { try holder.decrypt(cs, threads: bad) }
            #expect(throws: CryptoCoreError.self) { try mont.multiExponentiateVariableTime(bases: cs, exponentRows: rows, threads: bad) }
        }
        // An invalid item makes the whole batch fail with a typed error.
        var badCs = cs
        badCs[3] = k.p
        #expect(throws: CryptoCoreError.self) { try holder.decrypt(badCs, threads: 2) }
        #expect(throws: CryptoCoreError.sizeMismatch(expected: count, actual: count - 1)) {
            try pub.encrypt(ms, randomness: Array(rs.dropLast()), threads: 2)
        }
        var badRows = rows
        badRows[1][0] = -5
        var badBases = cs
        badBases[0] = k.q
        #expect(throws: CryptoCoreError.notInvertible) {
            try mont.multiExponentiateVariableTime(bases: badBases, exponentRows: badRows, threads: 2)
        }
    }
}

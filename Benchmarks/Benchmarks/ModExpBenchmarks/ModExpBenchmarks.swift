// Micro-benchmarks of the Paillier-size modular exponentiation kernels of CryptoCore
// (ordo-one/benchmark). Run from Benchmarks/:  swift package benchmark --target ModExpBenchmarks
// Each kernel has its reference (plain mpz_powm through BigInt.power, or the naive product of
// single exponentiations) as a neighbouring benchmark, so ratios come from the same run.
import Benchmark
import CryptoCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 2,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    for nbits in [2048, 3072] {
        var rng = try! SeededRandom(seed: [UInt8](repeating: 7, count: 32))
        var p = try! BigInt.randomPrime(bits: nbits / 2, using: &rng)
        var q = try! BigInt.randomPrime(bits: nbits / 2, using: &rng)
        while p == q { q = try! BigInt.randomPrime(bits: nbits / 2, using: &rng) }
        if p < q { swap(&p, &q) }
        let holder = try! PaillierKeyHolderArithmetic(p: p, q: q)
        let pub = holder.publicArithmetic
        let n = pub.n, n2 = pub.nSquared
        let m = try! BigInt.random(below: n, using: &rng)
        let r = try! pub.randomness(using: &rng)
        let c = try! pub.encrypt(m, randomness: r)
        let tag = "N=\(nbits)"

        Benchmark("reference mpz_powm r^N mod N^2 \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? r.power(n, modulus: n2, variableTime: true)) }
        }
        Benchmark("paillier-encrypt \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? pub.encrypt(m, randomness: r)) }
        }
        Benchmark("paillier-encrypt-crt \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? holder.encrypt(m, randomness: r)) }
        }
        Benchmark("paillier-decrypt \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? holder.decrypt(c, useCRT: false)) }
        }
        Benchmark("paillier-decrypt-crt \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? holder.decrypt(c, useCRT: true)) }
        }

        let k16 = BigInt(54_321)
        Benchmark("scalar-mul-16 mpz_powm \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? c.power(k16, modulus: n2, variableTime: true)) }
        }
        let kfull = try! BigInt.random(below: n, using: &rng)
        Benchmark("scalar-mul-full mpz_powm \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? c.power(kfull, modulus: n2, variableTime: true)) }
        }
        let table = try! FixedBaseTable(base: c, modulus: n2, maxExponentBits: nbits)
        Benchmark("fixed-base-full \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? table.power(kfull, variableTime: true)) }
        }

        let mont = try! MontgomeryContext(modulus: n2)
        for terms in [25, 845] {
            let bases = (0..<terms).map { _ in try! BigInt.random(below: n2, using: &rng) }
            let exps = (0..<terms).map { _ in Int64(rng.uniform(below: 256)) - 128 }
            let expBig = exps.map { BigInt($0) }
            Benchmark("multiexp-\(terms) \(tag)") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try? mont.multiExponentiateVariableTime(bases: bases, exponents: exps))
                }
            }
            Benchmark("multiexp-\(terms) naive product \(tag)") { benchmark in
                for _ in benchmark.scaledIterations {
                    var acc = BigInt(1)
                    for i in 0..<terms {
                        if let f = try? bases[i].power(expBig[i], modulus: n2, variableTime: true),
                           let a = try? (acc * f).modulo(n2) { acc = a }
                    }
                    blackHole(acc)
                }
            }
        }
    }
}

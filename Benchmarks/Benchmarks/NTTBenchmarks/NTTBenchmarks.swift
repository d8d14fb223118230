// Micro-benchmarks of the NTT layer of CryptoCore (ordo-one/benchmark).
// Run from Benchmarks/:  swift package benchmark --target NTTBenchmarks
import Benchmark
import CryptoCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    for n in [4096, 8192, 16384] {
        for bits in [30, 50, 60] {
            // The anchors' primes: the largest below 2^bits that are 1 mod 2^16.
            let q = try! NTTPrimes.generate(count: 1, bits: bits, degree: 1 << 15)[0]
            let plan = try! NTTPlan(degree: n, modulus: q)
            var rng = try! SeededRandom(seed: [UInt8](repeating: 7, count: 32))
            let a = (0..<n).map { _ in rng.uniform(below: q) }
            let b = (0..<n).map { _ in rng.uniform(below: q) }
            let tag = "n=\(n) q\(bits)"

            for kernel in plan.supportedKernels {
                Benchmark("ntt-forward \(tag) \(kernel)") { benchmark in
                    var v = a
                    for _ in benchmark.scaledIterations {
                        try? plan.forward(&v, lazy: true, kernel: kernel)
                    }
                    blackHole(v)
                }
                Benchmark("ntt-inverse \(tag) \(kernel)") { benchmark in
                    var v = a
                    for _ in benchmark.scaledIterations {
                        try? plan.inverse(&v, kernel: kernel)
                    }
                    blackHole(v)
                }
            }
            Benchmark("negacyclic-product \(tag) \(plan.kernel)") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try? plan.multiply(a, b))
                }
            }
            if n == 8192 {
                let flint = try! FLINTNegacyclicProduct(a, b, modulus: q)
                Benchmark("negacyclic-product \(tag) flint-mulmod-preinv",
                          configuration: .init(maxDuration: .seconds(2), maxIterations: 200)) { benchmark in
                    for _ in benchmark.scaledIterations { flint.mulmodPreinv() }
                }
            }
        }
    }

    // One tile of an encrypted dense layer: 16 outputs × 256 inputs, n = 8192, 50-bit prime.
    let q = try! NTTPrimes.generate(count: 1, bits: 50, degree: 1 << 15)[0]
    let base = try! RNSBase(degree: 8192, moduli: [q])
    var rng = try! SeededRandom(seed: [UInt8](repeating: 9, count: 32))
    let inputs = (0..<256).map { _ in RNSPolynomial<Evaluation>(uniformIn: base, using: &rng) }
    let weights = (0..<(256 * 16)).map { _ in Int64(rng.uniform(below: 1 << 20)) - (1 << 19) }
    for kernel in Kernel.multiplyAccumulateKernels {
        Benchmark("multiply-accumulate 256x16 n=8192 q50 \(kernel)",
                  configuration: .init(maxDuration: .seconds(2), maxIterations: 500)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try? RNSPolynomial.matrixProduct(inputs, weights: weights, outputs: 16, base: base, kernel: kernel))
            }
        }
    }
}

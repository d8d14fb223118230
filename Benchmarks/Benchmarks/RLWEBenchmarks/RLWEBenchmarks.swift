// Micro-benchmarks of HomomorphicRLWE (ordo-one/benchmark): BFV and CKKS operations at the
// 128-bit presets n = 4096, 8192, 16384 (SEAL's BFVDefault shapes), one thread.
// Run from Benchmarks/:  swift package benchmark --target RLWEBenchmarks
import Benchmark
import HomomorphicRLWE

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 3,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    let presets: [(Int, RLWEParameters.Preset)] = [(4096, .n4096_logq109), (8192, .n8192_logq218), (16384, .n16384_logq438)]
    for (n, preset) in presets {
        // BFV with a 20-bit batching plaintext prime (the anchors' SEAL set-up).
        let t = try! RLWEParameters.batchingPlaintextModulus(bits: 20, degree: n)
        let context = try! RLWEContext(try! RLWEParameters.bfv(preset, plaintextModulus: t))
        let kg = KeyGenerator(context: context)
        let sk = kg.secretKey()
        let pk = try! kg.publicKey(for: sk)
        let ek = try! kg.evaluationKeys(for: sk, rotations: [1])
        let bfv = try! BFV(context: context, secretKey: sk, publicKey: pk, evaluationKeys: ek)
        let values = (0..<n).map { Int64($0 % 1000) }
        let pt = try! bfv.encode(values)
        let a = try! bfv.encrypt(pt), b = try! bfv.encrypt(pt)
        let tag = "bfv n=\(n)"
        Benchmark("keygen secret+public+relin \(tag)") { benchmark in
            for _ in benchmark.scaledIterations {
                let s = kg.secretKey()
                blackHole(try? kg.publicKey(for: s))
                blackHole(try? kg.relinearizationKey(for: s))
            }
        }
        Benchmark("encrypt-public \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? bfv.encryptPublic(pt)) }
        }
        Benchmark("decrypt \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? bfv.decrypt(a)) }
        }
        Benchmark("add \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? bfv.add(a, b)) }
        }
        Benchmark("multiply-plain \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? bfv.multiply(a, pt)) }
        }
        Benchmark("multiply-relinearize \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? bfv.multiplyRelinearize(a, b)) }
        }
        Benchmark("rotate \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? bfv.rotateRows(a, by: 1)) }
        }
        Benchmark("mod-switch \(tag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? bfv.modSwitchDown(a)) }
        }

        // CKKS on the same moduli, scale 2^(last prime bits - 4).
        let shape = try! RLWEParameters.ckks(preset, scale: 2)
        let scale = Double(sign: .plus, exponent: 64 - shape.ciphertextModuli.last!.leadingZeroBitCount - 4, significand: 1)
        let cc = try! RLWEContext(try! RLWEParameters.ckks(preset, scale: scale))
        let ckg = KeyGenerator(context: cc)
        let csk = ckg.secretKey()
        let ckks = try! CKKS(context: cc, secretKey: csk, publicKey: try! ckg.publicKey(for: csk),
                             evaluationKeys: try! ckg.evaluationKeys(for: csk, rotations: [1]))
        let cv = (0..<(n / 2)).map { Double($0 % 100) / 100 }
        let cpt = try! ckks.encode(cv)
        let ca = try! ckks.encrypt(cpt), cb = try! ckks.encrypt(cpt)
        let ctag = "ckks n=\(n)"
        Benchmark("encrypt-public \(ctag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? ckks.encrypt(cpt)) }
        }
        Benchmark("decrypt \(ctag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? ckks.decrypt(ca)) }
        }
        Benchmark("multiply-relinearize-rescale \(ctag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? ckks.multiplyRelinearizeRescale(ca, cb)) }
        }
        Benchmark("rotate \(ctag)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try? ckks.rotate(ca, by: 1)) }
        }
    }
}

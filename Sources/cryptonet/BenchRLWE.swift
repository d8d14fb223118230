import ArgumentParser
import CryptoCore
import Foundation
import HomomorphicRLWE

/// `cryptonet bench rlwe`: BFV and CKKS operations at the 128-bit presets.
struct RLWE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rlwe",
        abstract: "Benchmark BFV and CKKS: keygen, encrypt, decrypt, add, plaintext multiply, multiply+relinearize, rotate, rescale.",
        discussion: """
        Parameters: the 128-bit presets n4096_logq109 (2 primes + special), n8192_logq218 (4 + special),
        n16384_logq438 (8 + special), as SEAL's BFVDefault; BFV with a 20-bit batching plaintext prime
        (as the anchors' SEAL measurements), CKKS with scale 2^(prime bits - 4). One thread.
        """
    )

    @Option(name: .customLong("n"), parsing: .upToNextOption, help: "Ring degrees (4096, 8192, 16384, 32768).")
    var degrees: [Int] = [4096, 8192, 16384]

    @Option(parsing: .upToNextOption, help: "Schemes: bfv, ckks.")
    var schemes: [String] = ["bfv", "ckks"]

    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        for n in degrees where ![4096, 8192, 16384, 32768].contains(n) { throw ValidationError("--n must be 4096, 8192, 16384 or 32768") }
        for s in schemes where s != "bfv" && s != "ckks" { throw ValidationError("--schemes takes bfv and ckks") }
    }

    static func preset(_ n: Int) -> RLWEParameters.Preset {
        switch n {
        case 4096: return .n4096_logq109
        case 8192: return .n8192_logq218
        case 16384: return .n16384_logq438
        default: return .n32768_logq881
        }
    }

    @Option(parsing: .upToNextOption, help: "Only these operations (e.g. multiply relinearize); default all.")
    var operations: [String] = []

    @Flag(help: "Also print the thread CPU time per operation (median of 5 runs of ~0.1 s): on a shared, overloaded machine it is the fairer figure.")
    var cpuTime = false

    /// Median thread CPU time of one call, in ns.
    static func cpuNs(_ body: () -> Void) -> Double {
        func now() -> UInt64 {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
        }
        body()
        var iterations = 1
        while true {
            let t0 = now()
            for _ in 0..<iterations { body() }
            if now() - t0 >= 100_000_000 || iterations >= 1 << 20 { break }
            iterations *= 2
        }
        var runs: [Double] = []
        for _ in 0..<5 {
            let t0 = now()
            for _ in 0..<iterations { body() }
            runs.append(Double(now() - t0) / Double(iterations))
        }
        return benchMedian(runs)
    }

    func run() throws {
        var records: [BenchRecord] = []
        let only = Set(operations)
        func emit(_ scheme: String, _ op: String, _ n: Int, _ bits: Int, _ body: @escaping () -> Void) {
            guard only.isEmpty || only.contains(op) else { return }
            let ns = output.measure(body)
            var r = BenchRecord(operation: op, n: n, modulusBits: bits, kernel: Kernel.allowed.last?.description ?? "portable", medianNs: ns)
            r.scheme = scheme
            records.append(r)
            var line = benchLine(r) + "  [\(scheme)]"
            if cpuTime { line += "  cpu \(benchFormat(ns: Self.cpuNs(body)))" }
            if !output.json { print(line) }
        }
        for n in degrees {
            let preset = Self.preset(n)
            if schemes.contains("bfv") {
                let t = try RLWEParameters.batchingPlaintextModulus(bits: 20, degree: n)
                let params = try RLWEParameters.bfv(preset, plaintextModulus: t)
                output.note("\(params)")
                let context = try RLWEContext(params)
                let bits = params.totalModulusBits
                let kg = KeyGenerator(context: context)
                emit("bfv", "keygen-secret-public-relin", n, bits) {
                    let sk = kg.secretKey()
                    benchBlackHole(try? kg.publicKey(for: sk))
                    benchBlackHole(try? kg.relinearizationKey(for: sk))
                }
                let sk = kg.secretKey()
                let pk = try kg.publicKey(for: sk)
                let ek = try kg.evaluationKeys(for: sk, rotations: [1])
                let bfv = try BFV(context: context, secretKey: sk, publicKey: pk, evaluationKeys: ek)
                let values = (0..<n).map { Int64($0 % 1000) }
                let pt = try bfv.encode(values)
                emit("bfv", "encode", n, bits) { benchBlackHole(try? bfv.encode(values)) }
                emit("bfv", "encrypt-public", n, bits) { benchBlackHole(try? bfv.encryptPublic(pt)) }
                emit("bfv", "encrypt-secret", n, bits) { benchBlackHole(try? bfv.encryptSecret(pt)) }
                let a = try bfv.encrypt(pt), b = try bfv.encrypt(pt)
                emit("bfv", "decrypt", n, bits) { benchBlackHole(try? bfv.decrypt(a)) }
                emit("bfv", "add", n, bits) { benchBlackHole(try? bfv.add(a, b)) }
                emit("bfv", "multiply-plain", n, bits) { benchBlackHole(try? bfv.multiply(a, pt)) }
                emit("bfv", "multiply-scalar", n, bits) { benchBlackHole(try? bfv.multiply(a, scalar: 7)) }
                emit("bfv", "multiply", n, bits) { benchBlackHole(try? bfv.multiply(a, b)) }
                let prod = try bfv.multiply(a, b)
                emit("bfv", "relinearize", n, bits) { benchBlackHole(try? bfv.relinearize(prod)) }
                emit("bfv", "multiply-relinearize", n, bits) { benchBlackHole(try? bfv.multiplyRelinearize(a, b)) }
                emit("bfv", "rotate-rows", n, bits) { benchBlackHole(try? bfv.rotateRows(a, by: 1)) }
                emit("bfv", "mod-switch", n, bits) { benchBlackHole(try? bfv.modSwitchDown(a)) }
                let cts = Array(repeating: a, count: 64)
                let w = (0..<64).map { Int64($0) - 32 }
                emit("bfv", "dot-product-64", n, bits) { benchBlackHole(try? bfv.dotProducts(cts, weights: w, outputs: 1)) }
            }
            if schemes.contains("ckks") {
                try benchCKKS(n: n, preset: preset, emit: emit)
            }
        }
        if output.json { print(benchJSON(records)) }
    }
}

extension RLWE {
    func benchCKKS(n: Int, preset: RLWEParameters.Preset, emit: (String, String, Int, Int, @escaping () -> Void) -> Void) throws {
        let shape = try RLWEParameters.ckks(preset, scale: 2)
        let scale = exp2(Double(64 - shape.ciphertextModuli.last!.leadingZeroBitCount - 4))
        let params = try RLWEParameters.ckks(preset, scale: scale)
        output.note("\(params)")
        let context = try RLWEContext(params)
        let bits = params.totalModulusBits
        let kg = KeyGenerator(context: context)
        let sk = kg.secretKey()
        let pk = try kg.publicKey(for: sk)
        let ek = try kg.evaluationKeys(for: sk, rotations: [1])
        let ckks = try CKKS(context: context, secretKey: sk, publicKey: pk, evaluationKeys: ek)
        let values = (0..<(n / 2)).map { Double($0 % 100) / 100 }
        let pt = try ckks.encode(values)
        emit("ckks", "encode", n, bits) { benchBlackHole(try? ckks.encode(values)) }
        emit("ckks", "encrypt-public", n, bits) { benchBlackHole(try? ckks.encrypt(pt)) }
        let a = try ckks.encrypt(pt), b = try ckks.encrypt(pt)
        emit("ckks", "decrypt", n, bits) { benchBlackHole(try? ckks.decrypt(a)) }
        emit("ckks", "add", n, bits) { benchBlackHole(try? ckks.add(a, b)) }
        emit("ckks", "multiply-plain", n, bits) { benchBlackHole(try? ckks.multiply(a, pt)) }
        emit("ckks", "multiply-relinearize", n, bits) { benchBlackHole(try? ckks.relinearize(try ckks.multiply(a, b))) }
        let prod = try ckks.relinearize(try ckks.multiply(a, b))
        emit("ckks", "rescale", n, bits) { benchBlackHole(try? ckks.rescale(prod)) }
        emit("ckks", "multiply-relinearize-rescale", n, bits) { benchBlackHole(try? ckks.multiplyRelinearizeRescale(a, b)) }
        emit("ckks", "rotate", n, bits) { benchBlackHole(try? ckks.rotate(a, by: 1)) }
    }
}

import ArgumentParser
import CryptoCore
import Foundation

/// `cryptonet bench modexp`: Paillier-size modular exponentiation, each kernel next to its
/// reference (plain GMP `mpz_powm`, or the naive product of single exponentiations) measured in
/// the same run.
struct Modexp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modexp",
        abstract: "Benchmark Paillier encryption/decryption, scalar multiplication and multi-exponentiation mod N².",
        discussion: "Keys: two random primes of exactly half size from a fixed seed; messages, randomness and ciphertexts uniform (fixed seed). Decryption and key-holder (CRT) encryption run the constant-time kernels (mpz_powm_sec) as the library does by default; the -vartime records run mpz_powm. Public-key encryption and scalar multiplication are variable time (public exponents). Multi-exponentiation exponents are uniform in -128...127 (8-bit signed). Each kernel and its reference run in alternating timed runs (median of --runs runs of at least --min-run-seconds each)."
    )

    @Option(parsing: .upToNextOption, help: "Sizes of N in bits.")
    var bits: [Int] = [2048, 3072]

    @Option(parsing: .upToNextOption, help: "Numbers of terms of the multi-exponentiations.")
    var terms: [Int] = [25, 845]

    @Flag(help: "Skip the naive product reference of the multi-exponentiations (slow at 845 terms).")
    var noNaive = false

    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        for b in bits where b < 256 || b > 8192 || b % 2 != 0 { throw ValidationError("--bits must be even and in 256...8192") }
        for t in terms where t < 1 || t > 100_000 { throw ValidationError("--terms must be in 1...100000") }
    }

    func run() throws {
        var records: [BenchRecord] = []
        func emit(_ r: BenchRecord) {
            records.append(r)
            if !output.json { print(benchLine(r)) }
        }
        var rng = try SeededRandom(seed: [UInt8](repeating: 7, count: 32))
        for nbits in bits {
            output.note("N = \(nbits) bits: generating the key (fixed seed)…")
            var p = BigInt(), q = BigInt()
            repeat {
                p = try BigInt.randomPrime(bits: nbits / 2, using: &rng)
                q = try BigInt.randomPrime(bits: nbits / 2, using: &rng)
            } while p == q
            let holder = try PaillierKeyHolderArithmetic(p: p, q: q)
            let pub = holder.publicArithmetic
            let n = pub.n, n2 = pub.nSquared
            let m = try BigInt.random(below: n, using: &rng)
            let r = try pub.randomness(using: &rng)
            let c = try pub.encrypt(m, randomness: r)
            let lambda = BigInt.lcm(p - 1, q - 1)
            var sink = BigInt()

            func pair(_ operation: String, kernel: String, reference: String,
                      _ body: () -> Void, _ ref: () -> Void) {
                let (t, rt) = output.measurePair(body, reference: ref)
                emit(BenchRecord(operation: operation, modulusBits: nbits, kernel: kernel, medianNs: t,
                                 reference: reference, referenceMedianNs: rt))
            }
            let encrypt = { sink = (try? pub.encrypt(m, randomness: r)) ?? sink }
            let decryptPlain = { sink = (try? holder.decrypt(c, useCRT: false)) ?? sink }
            let decryptPlainVT = { sink = (try? holder.decrypt(c, useCRT: false, variableTime: true)) ?? sink }

            pair("paillier-encrypt", kernel: "gmp-mpz_powm", reference: "mpz_powm r^N mod N^2", encrypt,
                 { sink = (try? r.power(n, modulus: n2, variableTime: true)) ?? sink })
            pair("paillier-encrypt-crt", kernel: "crt-powm_sec", reference: "paillier-encrypt (public key)",
                 { sink = (try? holder.encrypt(m, randomness: r)) ?? sink }, encrypt)
            pair("paillier-encrypt-crt-vartime", kernel: "crt-powm", reference: "paillier-encrypt (public key)",
                 { sink = (try? holder.encrypt(m, randomness: r, variableTime: true)) ?? sink }, encrypt)
            pair("paillier-decrypt", kernel: "powm_sec", reference: "mpz_powm c^lambda mod N^2", decryptPlain,
                 { sink = (try? c.power(lambda, modulus: n2, variableTime: true)) ?? sink })
            pair("paillier-decrypt-crt", kernel: "crt-powm_sec", reference: "paillier-decrypt (no CRT)",
                 { sink = (try? holder.decrypt(c, useCRT: true)) ?? sink }, decryptPlain)
            pair("paillier-decrypt-vartime", kernel: "powm", reference: "mpz_powm c^lambda mod N^2", decryptPlainVT,
                 { sink = (try? c.power(lambda, modulus: n2, variableTime: true)) ?? sink })
            pair("paillier-decrypt-crt-vartime", kernel: "crt-powm", reference: "paillier-decrypt-vartime (no CRT)",
                 { sink = (try? holder.decrypt(c, useCRT: true, variableTime: true)) ?? sink }, decryptPlainVT)

            // Scalar multiplication c^k mod N². A single term goes to mpz_powm, so the kernel and
            // its reference are the same code (the ratio shows the wrapper's overhead).
            let mont = try MontgomeryContext(modulus: n2)
            let k16 = Int64(40_000 + Int(rng.uniform(below: 25_000)))  // exactly 16 bits
            let k16big = BigInt(k16)
            pair("scalar-mul-16", kernel: "gmp-mpz_powm", reference: "mpz_powm",
                 { sink = (try? mont.multiExponentiateVariableTime(bases: [c], exponents: [k16])) ?? sink },
                 { sink = (try? c.power(k16big, modulus: n2, variableTime: true)) ?? sink })
            let kfull = try BigInt.random(below: n, using: &rng)
            let powFull = { sink = (try? c.power(kfull, modulus: n2, variableTime: true)) ?? sink }
            // Without the factorization the kernel is GMP's mpz_powm itself.
            emit(BenchRecord(operation: "scalar-mul-full", modulusBits: nbits, kernel: "gmp-mpz_powm",
                             medianNs: output.measure(powFull)))
            let crtCtx = try CRTExponentiationContext(p: p, q: q)
            pair("scalar-mul-full-crt", kernel: "crt-powm", reference: "mpz_powm",
                 { sink = (try? crtCtx.power(c, kfull, variableTime: true)) ?? sink }, powFull)

            // Fixed base g^e for a full-size exponent (table built once, outside the timing).
            let table = try FixedBaseTable(base: c, modulus: n2, maxExponentBits: nbits)
            pair("fixed-base-full", kernel: "comb-w\(table.window)", reference: "mpz_powm",
                 { sink = (try? table.power(kfull, variableTime: true)) ?? sink }, powFull)
            pair("fixed-base-full-sec", kernel: "comb-w\(table.window)-sec", reference: "mpz_powm_sec",
                 { sink = (try? table.power(kfull, variableTime: false)) ?? sink },
                 { sink = (try? c.power(kfull, modulus: n2, variableTime: false)) ?? sink })

            // Encryption with a fixed-base table of h = y^N (the "h^α" variant: the N-th residue is
            // h^α for a random α of |N| bits instead of r^N; the scheme decides whether to use it).
            let y = try pub.randomness(using: &rng)
            let h = try y.power(n, modulus: n2, variableTime: true)
            let hTable = try FixedBaseTable(base: h, modulus: n2, maxExponentBits: nbits)
            let alpha = try BigInt.random(bits: nbits, using: &rng)
            pair("paillier-encrypt-fixed-base", kernel: "comb-w\(hTable.window)-sec", reference: "paillier-encrypt (public key)",
                 {
                     if let x = try? hTable.power(alpha, variableTime: false) {
                         sink = (try? pub.encrypt(m, nthResidue: x)) ?? sink
                     }
                 }, encrypt)

            // One multiplication mod N²: Montgomery product vs mpz_mul + mpz_mod.
            let c2 = try pub.encrypt(try BigInt.random(below: n, using: &rng), randomness: try pub.randomness(using: &rng))
            pair("mulmod", kernel: "montgomery-redc1", reference: "mpz_mul + mpz_mod",
                 { sink = (try? mont.montgomeryProduct(c, c2)) ?? sink },
                 { sink = (try? (c * c2).modulo(n2)) ?? sink })

            // Multi-exponentiation with 8-bit signed exponents.
            for t in terms {
                var bases: [BigInt] = []
                var exps: [Int64] = []
                for _ in 0..<t {
                    bases.append(try BigInt.random(below: n2, using: &rng))
                    exps.append(Int64(rng.uniform(below: 256)) - 128)
                }
                let expBig = exps.map { BigInt($0) }
                let algorithm = MultiExponentiationAlgorithm.choice(terms: t, exponentBits: 8)
                let ours = { sink = (try? mont.multiExponentiateVariableTime(bases: bases, exponents: exps)) ?? sink }
                let naive = {
                    var acc = BigInt(1)
                    for i in 0..<t {
                        guard let f = try? bases[i].power(expBig[i], modulus: n2, variableTime: true),
                              let a = try? (acc * f).modulo(n2) else { return }
                        acc = a
                    }
                    sink = acc
                }
                if noNaive {
                    emit(BenchRecord(operation: "multiexp-\(t)", modulusBits: nbits, kernel: "portable-\(algorithm)",
                                     medianNs: output.measure(ours)))
                } else {
                    pair("multiexp-\(t)", kernel: "portable-\(algorithm)", reference: "product of mpz_powm", ours, naive)
                }
            }
            benchBlackHole(sink)
        }
        if output.json { print(benchJSON(records)) }
    }
}

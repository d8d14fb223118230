import ArgumentParser
import CryptoCore
import Foundation

/// `cryptonet bench ntt`: forward/inverse NTT and the negacyclic product, with the portable
/// kernel and FLINT measured in the same run as references.
struct NTT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ntt",
        abstract: "Benchmark the negacyclic NTT, the ring product and the multiply-accumulate kernel.",
        discussion: """
        Primes: the largest below 2^30, 2^50 and 2^60 that are 1 mod 2^16 (the anchors' primes).
        The fastest kernel allowed on this CPU is compared with the portable kernel, and the ring
        product with FLINT's nmod_poly_mulmod_preinv (and FLINT's fastest route, nmod_poly_mul plus
        the negacyclic fold). Set CRYPTONETKIT_KERNEL=portable to cap the automatic choice.
        """
    )

    @Option(name: .customLong("n"), parsing: .upToNextOption, help: "Ring degrees.")
    var degrees: [Int] = [4096, 8192, 16384]

    @Option(parsing: .upToNextOption, help: "Prime sizes in bits (the largest such prime that is 1 mod 2^16).")
    var primeBits: [Int] = [30, 50, 60]

    @Flag(help: "Skip the FLINT reference (it takes 2–30 ms per product).")
    var noFlint = false

    @Flag(help: "Skip the multiply-accumulate measurement.")
    var noMac = false

    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        for n in degrees where n < 16 || n > 1 << 17 || n & (n - 1) != 0 {
            throw ValidationError("--n values must be powers of two in 16…131072")
        }
        for b in primeBits where !(20...62).contains(b) { throw ValidationError("--prime-bits must be in 20…62") }
    }

    func run() throws {
        var records: [BenchRecord] = []
        func emit(_ r: BenchRecord) {
            records.append(r)
            if !output.json { print(benchLine(r)) }
        }
        var rng = try SeededRandom(seed: [UInt8](repeating: 42, count: 32))
        for n in degrees {
            for bits in primeBits {
                let q = try NTTPrimes.generate(count: 1, bits: bits, degree: max(n, 1 << 15))[0]
                let plan = try NTTPlan(degree: n, modulus: q)
                let best = plan.kernel
                let a = (0..<n).map { _ in rng.uniform(below: q) }
                let b = (0..<n).map { _ in rng.uniform(below: q) }
                output.note("n = \(n), q = \(q) (\(bits) bits), kernel \(best)")

                func time(_ kernel: Kernel, inverse: Bool, lazy: Bool) throws -> Double {
                    var v = a
                    // Lazy outputs stay valid inputs (< 4q forward, reduced for the inverse).
                    return output.measure {
                        if inverse { try? plan.inverse(&v, lazy: false, kernel: kernel) } else { try? plan.forward(&v, lazy: lazy, kernel: kernel) }
                    }
                }
                for (operation, inverse, lazy) in [("ntt-forward", false, false), ("ntt-forward-lazy", false, true), ("ntt-inverse", true, false)] {
                    let t = try time(best, inverse: inverse, lazy: lazy)
                    let ref = best == .portable ? nil : try time(.portable, inverse: inverse, lazy: lazy)
                    emit(BenchRecord(operation: operation, n: n, primeBits: bits, kernel: best.description, medianNs: t,
                                     reference: ref == nil ? nil : "portable", referenceMedianNs: ref))
                }
                var product: [UInt64] = []
                let tp = output.measure { product = (try? plan.multiply(a, b)) ?? [] }
                var flintTime: Double? = nil
                if !noFlint {
                    let flint = try FLINTNegacyclicProduct(a, b, modulus: q)
                    flintTime = output.measure { flint.mulmodPreinv() }
                    guard flint.result == product else { throw ValidationError("NTT product differs from FLINT's") }
                    let fold = output.measure { flint.mulFold() }
                    guard flint.result == product else { throw ValidationError("NTT product differs from FLINT's fold route") }
                    emit(BenchRecord(operation: "negacyclic-product", n: n, primeBits: bits, kernel: "flint-mul-fold",
                                     medianNs: fold))
                }
                emit(BenchRecord(operation: "negacyclic-product", n: n, primeBits: bits, kernel: best.description, medianNs: tp,
                                 reference: flintTime == nil ? nil : "flint nmod_poly_mulmod_preinv", referenceMedianNs: flintTime))
            }
        }
        if !noMac { try multiplyAccumulate(emit, &rng) }
        if output.json { print(benchJSON(records)) }
    }

    /// One encrypted-layer tile: 16 outputs of 256 signed 20-bit weights over residue polynomials
    /// of n = 8192 with a 50-bit prime, fastest kernel against the portable one.
    func multiplyAccumulate(_ emit: (BenchRecord) -> Void, _ rng: inout SeededRandom) throws {
        let n = 8192, terms = 256, outputs = 16
        let q = try NTTPrimes.generate(count: 1, bits: 50, degree: 1 << 15)[0]
        let base = try RNSBase(degree: n, moduli: [q])
        let inputs = (0..<terms).map { _ in RNSPolynomial<Evaluation>(uniformIn: base, using: &rng) }
        let weights = (0..<(terms * outputs)).map { _ in Int64(rng.uniform(below: 1 << 20)) - (1 << 19) }
        let best = Kernel.multiplyAccumulateKernels.filter { Kernel.allowed.contains($0) }.max { $0.rawValue < $1.rawValue } ?? .portable
        let t = output.measure {
            benchBlackHole(try? RNSPolynomial.matrixProduct(inputs, weights: weights, outputs: outputs, base: base, kernel: best))
        }
        let ref = best == .portable ? nil : output.measure {
            benchBlackHole(try? RNSPolynomial.matrixProduct(inputs, weights: weights, outputs: outputs, base: base, kernel: .portable))
        }
        emit(BenchRecord(operation: "multiply-accumulate-\(terms)x\(outputs)", n: n, primeBits: 50, kernel: best.description,
                         medianNs: t, reference: ref == nil ? nil : "portable", referenceMedianNs: ref))
    }
}

import ArgumentParser
import Foundation

// Shared timing and reporting helpers of the `cryptonet bench` subcommands.
//
// Method (the same for every benchmark, so figures are comparable):
//   1. warm-up: the body runs once, then iterations are doubled until one run of `iterations`
//      calls lasts at least `minRunSeconds` (0.1 s by default);
//   2. `runs` (9 by default) timed runs of that many iterations;
//   3. the result is the median over the runs of (run time / iterations), in nanoseconds.
// The reference of each measurement is timed in the same process, right next to it (with
// measurePair: in alternating runs), so the ratio holds on a noisy or shared machine even when
// the absolute figures move.

/// Timing parameters of ``measure(minRunSeconds:runs:_:)``.
enum BenchTiming {
    /// Minimum duration of one timed run, in seconds.
    static let defaultMinRunSeconds = 0.1
    /// Number of timed runs whose median is reported.
    static let defaultRuns = 9
}

/// Monotonic time in nanoseconds.
@inline(__always)
func benchNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Median of a non-empty array (mean of the two middle values for an even count).
func benchMedian(_ values: [Double]) -> Double {
    precondition(!values.isEmpty, "median of no values")
    let s = values.sorted()
    let m = s.count / 2
    return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/// Times `body` and returns the median time of one call in nanoseconds (see the method above).
///
/// `body` must do the whole operation each call and leave a result the optimizer cannot drop
/// (store it into a captured variable or pass it to ``benchBlackHole(_:)``).
func measure(minRunSeconds: Double = BenchTiming.defaultMinRunSeconds,
             runs: Int = BenchTiming.defaultRuns,
             _ body: () -> Void) -> Double {
    body()  // warm-up: caches, lazy tables, page faults
    let minNs = UInt64(minRunSeconds * 1e9)
    var iterations = 1
    while true {
        let t0 = benchNow()
        for _ in 0..<iterations { body() }
        let dt = benchNow() - t0
        if dt >= minNs || iterations >= (1 << 40) { break }
        iterations *= 2
    }
    var perOp: [Double] = []
    perOp.reserveCapacity(max(runs, 1))
    for _ in 0..<max(runs, 1) {
        let t0 = benchNow()
        for _ in 0..<iterations { body() }
        let dt = benchNow() - t0
        perOp.append(Double(dt) / Double(iterations))
    }
    return benchMedian(perOp)
}

/// Times a kernel and its reference together and returns both medians (ns per call).
///
/// Same method as ``measure(minRunSeconds:runs:_:)``, but the timed runs alternate (kernel,
/// reference, kernel, reference, …), so a change of machine load during the measurement hits
/// both alike and their ratio stays meaningful on a shared machine.
func measurePair(minRunSeconds: Double = BenchTiming.defaultMinRunSeconds,
                 runs: Int = BenchTiming.defaultRuns,
                 _ body: () -> Void, reference: () -> Void) -> (median: Double, referenceMedian: Double) {
    func calibrate(_ f: () -> Void) -> Int {
        f()  // warm-up
        let minNs = UInt64(minRunSeconds * 1e9)
        var iterations = 1
        while true {
            let t0 = benchNow()
            for _ in 0..<iterations { f() }
            if benchNow() - t0 >= minNs || iterations >= (1 << 40) { return iterations }
            iterations *= 2
        }
    }
    let ia = calibrate(body), ib = calibrate(reference)
    var a: [Double] = [], b: [Double] = []
    for _ in 0..<max(runs, 1) {
        var t0 = benchNow()
        for _ in 0..<ia { body() }
        a.append(Double(benchNow() - t0) / Double(ia))
        t0 = benchNow()
        for _ in 0..<ib { reference() }
        b.append(Double(benchNow() - t0) / Double(ib))
    }
    return (benchMedian(a), benchMedian(b))
}

/// Keeps a value alive so the optimizer cannot remove the computation that produced it.
@inline(never)
func benchBlackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// One measurement, as printed by `cryptonet bench … --json` (snake_case keys; absent
/// optionals are omitted).
struct BenchRecord: Codable, Sendable {
    /// What was timed, e.g. "ntt-forward", "paillier-decrypt-crt", "multiexp-845".
    var operation: String
    /// Ring degree, where it applies.
    var n: Int?
    /// Size of the modulus in bits (Paillier N, RSA-style moduli), where it applies.
    var modulusBits: Int?
    /// Size of the word-size prime in bits (NTT), where it applies.
    var primeBits: Int?
    /// Which implementation ran: "portable", "avx2", "avx512", "avx512-ifma", "gmp", …
    var kernel: String
    /// Median time of one operation in nanoseconds.
    var medianNs: Double
    /// What the reference is, e.g. "mpz_powm" or "flint nmod_poly_mulmod".
    var reference: String?
    /// Median time of the reference, measured in the same run.
    var referenceMedianNs: Double?
    /// `reference_median_ns / median_ns` when a reference was measured (> 1: faster than it).
    var speedup: Double?
    /// Homomorphic scheme ("bfv", "ckks"), where it applies.
    var scheme: String? = nil

    init(operation: String, n: Int? = nil, modulusBits: Int? = nil, primeBits: Int? = nil,
         kernel: String, medianNs: Double, reference: String? = nil, referenceMedianNs: Double? = nil) {
        self.operation = operation
        self.n = n
        self.modulusBits = modulusBits
        self.primeBits = primeBits
        self.kernel = kernel
        self.medianNs = medianNs
        self.reference = reference
        self.referenceMedianNs = referenceMedianNs
        if let r = referenceMedianNs, medianNs > 0 { self.speedup = r / medianNs } else { self.speedup = nil }
    }
}

/// Formats nanoseconds with a unit fitting the magnitude ("812 ns", "4.87 µs", "9.36 ms", "1.20 s").
func benchFormat(ns: Double) -> String {
    func fmt(_ x: Double) -> String {
        x >= 100 ? String(format: "%.0f", x) : x >= 10 ? String(format: "%.1f", x) : String(format: "%.2f", x)
    }
    if ns < 1e3 { return fmt(ns) + " ns" }
    if ns < 1e6 { return fmt(ns / 1e3) + " µs" }
    if ns < 1e9 { return fmt(ns / 1e6) + " ms" }
    return fmt(ns / 1e9) + " s"
}

/// Encodes records as a JSON array (snake_case keys, sorted, pretty-printed).
func benchJSON(_ records: [BenchRecord]) -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    guard let data = try? encoder.encode(records), let s = String(data: data, encoding: .utf8) else {
        return "[]"
    }
    return s
}

/// One human-readable line for a record.
func benchLine(_ r: BenchRecord) -> String {
    var size: [String] = []
    if let n = r.n { size.append("n=\(n)") }
    if let b = r.modulusBits { size.append("\(b)-bit modulus") }
    if let b = r.primeBits { size.append("\(b)-bit prime") }
    var line = "\(r.operation) [\(size.joined(separator: ", "))] \(r.kernel): \(benchFormat(ns: r.medianNs))"
    if let ref = r.reference, let rt = r.referenceMedianNs {
        line += "  | \(ref): \(benchFormat(ns: rt))  (\(String(format: "%.2f", rt / r.medianNs))x)"
    }
    return line
}

/// Prints records: a JSON array when `json` is set, otherwise one line each.
func benchPrint(_ records: [BenchRecord], json: Bool) {
    if json {
        print(benchJSON(records))
    } else {
        for r in records { print(benchLine(r)) }
    }
}

/// Command-line options shared by the `cryptonet bench` subcommands.
struct BenchOutputOptions: ParsableArguments {
    @Flag(help: "Print a JSON array of records (operation, sizes, kernel, median_ns, reference, reference_median_ns).")
    var json = false

    @Option(help: "Minimum duration of one timed run in seconds (iterations double until reached).")
    var minRunSeconds: Double = BenchTiming.defaultMinRunSeconds

    @Option(help: "Number of timed runs; the median is reported.")
    var runs: Int = BenchTiming.defaultRuns

    func validate() throws {
        guard minRunSeconds > 0, minRunSeconds <= 60 else {
            throw ValidationError("--min-run-seconds must be in (0, 60]")
        }
        guard runs >= 1, runs <= 1000 else { throw ValidationError("--runs must be in 1...1000") }
    }

    /// ``measure(minRunSeconds:runs:_:)`` with these options.
    func measure(_ body: () -> Void) -> Double {
        cryptonet.measure(minRunSeconds: minRunSeconds, runs: runs, body)
    }

    /// ``measurePair(minRunSeconds:runs:_:reference:)`` with these options.
    func measurePair(_ body: () -> Void, reference: () -> Void) -> (median: Double, referenceMedian: Double) {
        cryptonet.measurePair(minRunSeconds: minRunSeconds, runs: runs, body, reference: reference)
    }

    /// Progress notes go to standard error so that `--json` output stays clean.
    func note(_ message: String) {
        FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
    }
}

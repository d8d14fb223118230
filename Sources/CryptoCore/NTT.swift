import CCryptoCore

/// An implementation of a C kernel: chosen automatically from the CPU, or forced for comparison.
public enum Kernel: Int, Sendable, CaseIterable, CustomStringConvertible {
    case portable = 0
    case avx2 = 1
    case avx512 = 2
    case avx512IFMA = 3

    /// The name used in benchmark records: "portable", "avx2", "avx512", "avx512-ifma".
    public var description: String { String(cString: ccc_kernel_name(ccc_kernel(UInt32(rawValue)))) }

    var raw: ccc_kernel { ccc_kernel(UInt32(rawValue)) }

    /// Kernels this CPU can run.
    public static var supportedByCPU: [Kernel] { decode(ccc_cpu_kernels()) }
    /// Kernels the multiply-accumulate (``RNSPolynomial/matrixProduct(_:weights:outputs:base:kernel:)``) can run here.
    public static var multiplyAccumulateKernels: [Kernel] { decode(ccc_poly_dot_small_kernels()) }
    /// Kernels the library may pick: those of the CPU, capped by the environment variable
    /// `CRYPTONETKIT_KERNEL` (`portable`, `avx2`, `avx512`, `avx512-ifma`).
    public static var allowed: [Kernel] { decode(ccc_allowed_kernels()) }

    /// The kernels in a C bit mask (bit k set for kernel k).
    public static func decode(_ mask: UInt32) -> [Kernel] {
        allCases.filter { mask & (1 << UInt32($0.rawValue)) != 0 }
    }
}

/// A precomputed negacyclic NTT over `Z_q[X]/(X^n + 1)` for `n = 2^k` (`2 ≤ n ≤ 2^17`) and a
/// prime `q ≡ 1 mod 2n` below 2^62.
///
/// Conventions (fixed, so known-answer vectors are portable): `ψ` is the smallest primitive
/// `2n`-th root of unity mod `q`; the forward transform maps `a(X)` to its values at
/// `ψ^(2·bitrev(i)+1)` in bit-reversed order `i`, the inverse undoes it exactly (including 1/n).
/// Transforms use Harvey's lazy butterflies with Shoup constants and the fastest kernel the CPU
/// allows (``kernel``); every kernel gives bit-identical results, lazy outputs included. For
/// `q < 2^50` the outputs are always fully reduced (also when `lazy`), and the AVX-512 kernel
/// computes them exactly in double precision with FMA.
public final class NTTPlan: @unchecked Sendable {
    /// The ring degree `n`.
    public let degree: Int
    /// The prime modulus `q`.
    public let modulus: Modulus
    /// The kernel the transforms run.
    public let kernel: Kernel

    let storage: UnsafeMutablePointer<UInt64>
    var tables: ccc_ntt_tables   // read-only after init; C takes a const pointer

    /// Builds the plan. Throws ``CryptoCoreError/notPowerOfTwo(_:)``,
    /// ``CryptoCoreError/modulusOutOfRange(bits:supported:)``, ``CryptoCoreError/notPrime(_:)``
    /// or ``CryptoCoreError/noRootOfUnity(modulus:degree:)``.
    public init(degree: Int, modulus q: UInt64) throws(CryptoCoreError) {
        guard degree >= 2, degree <= 1 << 17, degree & (degree - 1) == 0 else { throw .notPowerOfTwo(degree) }
        let words = ccc_ntt_storage_words(UInt64(degree))
        let raw = UnsafeMutableRawPointer.allocate(byteCount: words * 8, alignment: 64)
        storage = raw.bindMemory(to: UInt64.self, capacity: words)
        var t = ccc_ntt_tables()
        let status = ccc_ntt_tables_init(&t, UInt64(degree), q, storage)
        switch status {
        case CCC_OK: break
        case CCC_ERR_NOT_POWER_OF_TWO: storage.deallocate(); throw .notPowerOfTwo(degree)
        case CCC_ERR_MODULUS_RANGE:
            storage.deallocate()
            throw .modulusOutOfRange(bits: q == 0 ? 0 : 64 - q.leadingZeroBitCount, supported: 3...Modulus.maxBits)
        case CCC_ERR_NOT_PRIME: storage.deallocate(); throw .notPrime(q)
        case CCC_ERR_NO_ROOT_OF_UNITY: storage.deallocate(); throw .noRootOfUnity(modulus: q, degree: degree)
        default: storage.deallocate(); throw CryptoCoreError.from(status, "NTT tables")!
        }
        tables = t
        self.degree = degree
        self.modulus = try Modulus(q)
        self.kernel = Kernel(rawValue: Int(t.kernel)) ?? .portable
    }

    deinit { storage.deallocate() }

    /// The smallest primitive `2n`-th root of unity `ψ` the plan uses.
    public var rootOfUnity: UInt64 { tables.psi }

    /// Kernels that can run this plan's transforms on this CPU.
    public var supportedKernels: [Kernel] {
        withUnsafePointer(to: tables) { Kernel.decode(ccc_ntt_supported_kernels($0)) }
    }

    @inline(__always)
    func withTables<R>(_ body: (UnsafePointer<ccc_ntt_tables>) throws -> R) rethrows -> R {
        try withUnsafePointer(to: tables, body)
    }

    private func checkCount(_ count: Int) throws(CryptoCoreError) {
        guard count == degree else { throw .sizeMismatch(expected: degree, actual: count) }
    }

    /// Forward transform in place. Input values must be below `4q` (any residue in `[0, q)` is);
    /// output in `[0, q)`, or in `[0, 4q)` when `lazy`.
    public func forward(_ values: inout [UInt64], lazy: Bool = false) throws(CryptoCoreError) {
        try checkCount(values.count)
        values.withUnsafeMutableBufferPointer { buf in
            withAlignedScratch(buf.baseAddress!, kernel: self.kernel) { p, scratch in
                withTables { t in
                    if let scratch { ccc_ntt_forward_scratch(t, p, lazy ? 1 : 0, scratch) } else { ccc_ntt_forward(t, p, lazy ? 1 : 0) }
                }
            }
        }
    }

    /// Inverse transform in place. Input values must be below `2q`; output in `[0, q)`, or
    /// `[0, 2q)` when `lazy`.
    public func inverse(_ values: inout [UInt64], lazy: Bool = false) throws(CryptoCoreError) {
        try checkCount(values.count)
        values.withUnsafeMutableBufferPointer { buf in
            withAlignedScratch(buf.baseAddress!, kernel: self.kernel) { p, scratch in
                withTables { t in
                    if let scratch { ccc_ntt_inverse_scratch(t, p, lazy ? 1 : 0, scratch) } else { ccc_ntt_inverse(t, p, lazy ? 1 : 0) }
                }
            }
        }
    }

    /// Runs `body` with `p` and, when `p` is not 64-byte aligned, an aligned scratch of `degree`
    /// words: the vector kernels then run their inner passes there and touch `p` only in the first
    /// and last pass (array storage is 16-byte aligned; split vector accesses cost about 20%).
    private func withAlignedScratch(_ p: UnsafeMutablePointer<UInt64>, kernel: Kernel,
                                    _ body: (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>?) -> Void) {
        // Only the AVX-512 kernel uses the scratch (the others run in place).
        if kernel != .avx512 || UInt(bitPattern: p) & 63 == 0 || degree < 16 { body(p, nil); return }
        withUnsafeTemporaryAllocation(byteCount: degree * MemoryLayout<UInt64>.stride, alignment: 64) { raw in
            body(p, raw.bindMemory(to: UInt64.self).baseAddress!)
        }
    }

    /// Forward transform with a chosen kernel (for comparisons and tests).
    public func forward(_ values: inout [UInt64], lazy: Bool = false, kernel: Kernel) throws(CryptoCoreError) {
        try checkCount(values.count)
        var status = CCC_OK
        values.withUnsafeMutableBufferPointer { buf in
            withAlignedScratch(buf.baseAddress!, kernel: kernel) { p, scratch in
                status = withTables { t in
                    if let scratch { ccc_ntt_forward_kernel_scratch(t, p, lazy ? 1 : 0, kernel.raw, scratch) }
                    else { ccc_ntt_forward_kernel(t, p, lazy ? 1 : 0, kernel.raw) }
                }
            }
        }
        guard status == CCC_OK else { throw .invalidArgument("kernel \(kernel) is not available on this CPU") }
    }

    /// Inverse transform with a chosen kernel (for comparisons and tests).
    public func inverse(_ values: inout [UInt64], lazy: Bool = false, kernel: Kernel) throws(CryptoCoreError) {
        try checkCount(values.count)
        var status = CCC_OK
        values.withUnsafeMutableBufferPointer { buf in
            withAlignedScratch(buf.baseAddress!, kernel: kernel) { p, scratch in
                status = withTables { t in
                    if let scratch { ccc_ntt_inverse_kernel_scratch(t, p, lazy ? 1 : 0, kernel.raw, scratch) }
                    else { ccc_ntt_inverse_kernel(t, p, lazy ? 1 : 0, kernel.raw) }
                }
            }
        }
        guard status == CCC_OK else { throw .invalidArgument("kernel \(kernel) is not available on this CPU") }
    }

    /// Forward transform of `degree` words at `pointer` (no checks: for hot loops).
    @inlinable public func forward(_ pointer: UnsafeMutablePointer<UInt64>, lazy: Bool = false) {
        forwardUnchecked(pointer, lazy: lazy)
    }
    /// Inverse transform of `degree` words at `pointer` (no checks: for hot loops).
    @inlinable public func inverse(_ pointer: UnsafeMutablePointer<UInt64>, lazy: Bool = false) {
        inverseUnchecked(pointer, lazy: lazy)
    }

    @usableFromInline func forwardUnchecked(_ p: UnsafeMutablePointer<UInt64>, lazy: Bool) {
        withTables { ccc_ntt_forward($0, p, lazy ? 1 : 0) }
    }
    @usableFromInline func inverseUnchecked(_ p: UnsafeMutablePointer<UInt64>, lazy: Bool) {
        withTables { ccc_ntt_inverse($0, p, lazy ? 1 : 0) }
    }

    /// The negacyclic product `a · b` in `Z_q[X]/(X^n+1)` of coefficient vectors with entries in `[0, q)`.
    public func multiply(_ a: [UInt64], _ b: [UInt64]) throws(CryptoCoreError) -> [UInt64] {
        try checkCount(a.count)
        try checkCount(b.count)
        try checkReduced(a)
        try checkReduced(b)
        let n = degree
        // The transforms run in a 64-byte aligned scratch of 2n words (array storage is only
        // 16-byte aligned, and split vector loads cost about 20%); only the first passes read
        // a and b and the last pass writes the result, the one allocation besides the scratch.
        return [UInt64](unsafeUninitializedCapacity: n) { po, initialized in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    withUnsafeTemporaryAllocation(byteCount: 2 * n * MemoryLayout<UInt64>.stride, alignment: 64) { raw in
                        let ps = raw.bindMemory(to: UInt64.self).baseAddress!
                        withTables { ccc_ntt_negacyclic_mul_scratch2($0, po.baseAddress, pa.baseAddress, pb.baseAddress, ps) }
                    }
                }
            }
            initialized = n
        }
    }

    private func checkReduced(_ a: [UInt64]) throws(CryptoCoreError) {
        let q = modulus.value
        // Branch-free scan first (vectorizes); the error path finds the offending value.
        let allReduced = a.withUnsafeBufferPointer { p in
            var bad: UInt64 = 0
            for x in p { bad |= x >= q ? 1 : 0 }
            return bad == 0
        }
        if allReduced { return }
        for x in a where x >= q { throw .invalidArgument("coefficient \(x) is not reduced modulo \(q)") }
    }

    /// The O(n²) schoolbook negacyclic product: the reference the fast path is tested against.
    public static func schoolbookProduct(_ a: [UInt64], _ b: [UInt64], modulus q: UInt64) throws(CryptoCoreError) -> [UInt64] {
        guard a.count == b.count, !a.isEmpty else { throw .sizeMismatch(expected: a.count, actual: b.count) }
        var out = [UInt64](repeating: 0, count: a.count)
        let status = out.withUnsafeMutableBufferPointer { po in
            ccc_negacyclic_mul_schoolbook(po.baseAddress, a, b, UInt64(a.count), q)
        }
        try CryptoCoreError.check(status, "schoolbook product")
        return out
    }

    /// FLINT's `nmod_poly_mulmod_preinv` modulo `X^n + 1`: the library reference.
    public static func flintProduct(_ a: [UInt64], _ b: [UInt64], modulus q: UInt64) throws(CryptoCoreError) -> [UInt64] {
        guard a.count == b.count, !a.isEmpty else { throw .sizeMismatch(expected: a.count, actual: b.count) }
        var out = [UInt64](repeating: 0, count: a.count)
        let status = out.withUnsafeMutableBufferPointer { po in
            ccc_flint_negacyclic_mul(po.baseAddress, a, b, UInt64(a.count), q)
        }
        try CryptoCoreError.check(status, "FLINT product")
        return out
    }
}

/// FLINT operands prepared once, so a benchmark times only FLINT's multiplication.
public final class FLINTNegacyclicProduct {
    let ctx: OpaquePointer

    /// Prepares `a · b mod (X^n + 1, q)` with FLINT (n = `a.count`).
    public init(_ a: [UInt64], _ b: [UInt64], modulus q: UInt64) throws(CryptoCoreError) {
        guard a.count == b.count, !a.isEmpty else { throw .sizeMismatch(expected: a.count, actual: b.count) }
        var c: OpaquePointer?
        let status = ccc_flint_mulmod_create(&c, a, b, UInt64(a.count), q)
        try CryptoCoreError.check(status, "FLINT operands")
        ctx = c!
    }
    deinit { ccc_flint_mulmod_destroy(ctx) }

    /// One `nmod_poly_mulmod_preinv` (FLINT's modular product with a precomputed inverse).
    public func mulmodPreinv() { ccc_flint_mulmod_run(ctx) }
    /// One `nmod_poly_mul` plus the negacyclic fold (FLINT's fastest route).
    public func mulFold() { ccc_flint_mul_fold_run(ctx) }
    /// The last result.
    public var result: [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { ccc_flint_mulmod_result(ctx, $0.baseAddress) }
        return out
    }
    private var count: Int { Int(ccc_flint_mulmod_n(ctx)) }
}

import Foundation

/// BFV with several plaintext primes (CryptoNets' "CRT plaintext"): the same computation runs
/// once per prime `t_k` (one ``BFV`` context each, identical ciphertext moduli), and the
/// decrypted slot values are recombined by the CRT into integers modulo `T = ∏ t_k`, read as
/// signed values in `(-T/2, T/2]`. `T` must stay below 2^126 (two or three ~40-bit primes).
public struct CRTPlaintextModuli: Sendable, Hashable {
    /// The plaintext primes.
    public let moduli: [UInt64]
    private let product: UInt128
    /// `(T/t_k)·((T/t_k)^-1 mod t_k)` for each k.
    private let basis: [UInt128]

    public init(_ moduli: [UInt64]) throws(RLWEError) {
        guard !moduli.isEmpty else { throw .invalidArgument("no plaintext moduli") }
        var product: UInt128 = 1
        for (i, t) in moduli.enumerated() {
            guard t >= 2 else { throw .invalidArgument("plaintext modulus \(t) below 2") }
            for u in moduli[..<i] where gcd(t, u) != 1 { throw .invalidArgument("plaintext moduli \(u) and \(t) are not coprime") }
            let (p, o) = product.multipliedReportingOverflow(by: UInt128(t))
            guard !o, p < UInt128(1) << 126 else { throw .invalidArgument("the product of the plaintext moduli exceeds 2^126") }
            product = p
        }
        var basis: [UInt128] = []
        for t in moduli {
            let hat = product / UInt128(t)
            let hatMod = UInt64(hat % UInt128(t))
            guard let inv = invMod(hatMod, t) else { throw .invalidArgument("plaintext moduli are not coprime") }
            basis.append(hat * UInt128(inv))   // hat < T/t and inv < t: the product is below T < 2^126
        }
        self.moduli = moduli
        self.product = product
        self.basis = basis
    }

    /// Bits of `T`.
    public var bits: Int { 128 - product.leadingZeroBitCount }

    /// Parameters for each plaintext prime on the same ciphertext moduli.
    public func parameters(degree: Int, ciphertextModuli: [UInt64], specialModulus: UInt64,
                           security: SecurityLevel = .classical128) throws(RLWEError) -> [RLWEParameters] {
        var out: [RLWEParameters] = []
        for t in moduli {
            out.append(try RLWEParameters(scheme: .bfv, degree: degree, ciphertextModuli: ciphertextModuli,
                                          specialModulus: specialModulus, plaintextModulus: t, security: security))
        }
        return out
    }

    /// Recombines per-prime signed slot values (`residues[k][j]` is slot j modulo `moduli[k]`,
    /// any representative) into signed integers in `(-T/2, T/2]`.
    public func combine(_ residues: [[Int64]]) throws(RLWEError) -> [Int128] {
        guard residues.count == moduli.count else { throw .invalidArgument("\(residues.count) residue vectors for \(moduli.count) moduli") }
        let count = residues[0].count
        guard residues.allSatisfy({ $0.count == count }) else { throw .invalidArgument("residue vectors of different lengths") }
        var out = [Int128](repeating: 0, count: count)
        for j in 0..<count {
            var acc: UInt128 = 0
            for (k, t) in moduli.enumerated() {
                let r = residues[k][j] % Int64(t)
                let x = UInt64(r < 0 ? r + Int64(t) : r)
                acc = addMod(acc, mulMod128(basis[k], UInt128(x), product), product)
            }
            out[j] = acc > product / 2 ? -Int128(product - acc) : Int128(acc)
        }
        return out
    }

    private func addMod(_ a: UInt128, _ b: UInt128, _ m: UInt128) -> UInt128 { let s = a + b; return s >= m ? s - m : s }
    /// a·b mod m for a, b < m < 2^126 (double and add; b < 2^64 here, so at most 64 steps).
    private func mulMod128(_ a: UInt128, _ b: UInt128, _ m: UInt128) -> UInt128 {
        var (r, x, e) = (UInt128(0), a, b)
        while e > 0 {
            if e & 1 == 1 { r = addMod(r, x, m) }
            x = addMod(x, x, m)
            e >>= 1
        }
        return r
    }
}

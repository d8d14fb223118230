import CryptoCore
import Foundation

/// Binary serialization of parameters, keys, plaintexts and ciphertexts.
///
/// Every object starts with a 24-byte header: magic `"CNKR"`, format version (UInt16 LE),
/// object kind (UInt8), scheme (UInt8), the parameter hash (UInt64 LE, ``RLWEContext/parameterHash``)
/// and the payload length (UInt64 LE). Residues are bit-packed, little-endian, at the bit width
/// of their prime; uniform polynomials (`c1` of fresh secret-key ciphertexts, `a` of the public
/// and key-switching keys) are replaced by their 32-byte seed. Loading checks the header against
/// the context, every length, and every residue against its prime; the secret key is written
/// only by ``RLWEContext/serialize(secretKey:)``.
public enum RLWESerialization {
    public static let magic: [UInt8] = Array("CNKR".utf8)
    public static let version: UInt16 = 1
    static let headerSize = 24

    /// Object kinds.
    public enum Kind: UInt8, Sendable {
        case parameters = 1, secretKey = 2, publicKey = 3, evaluationKeys = 4
        case bfvPlaintext = 5, ckksPlaintext = 6, ciphertext = 7, seededCiphertext = 8
    }

    /// Serializes parameters.
    public static func serialize(_ p: RLWEParameters) -> [UInt8] {
        var w = ByteWriter()
        w.u8(p.scheme.rawValue); w.u8(p.security.rawValue); w.u64(UInt64(p.degree)); w.u64(UInt64(p.ciphertextModuli.count))
        for q in p.ciphertextModuli { w.u64(q) }
        w.u64(p.specialModulus); w.u64(p.plaintextModulus); w.u64(p.scale.bitPattern)
        return header(.parameters, scheme: p.scheme, hash: RLWEContext.hash(p), payload: w.bytes) + w.bytes
    }

    /// Parses and validates parameters (the initializer's checks, including security, apply).
    public static func parameters(from bytes: [UInt8]) throws(RLWEError) -> RLWEParameters {
        var r = try ByteReader(bytes, expect: .parameters, hash: nil)
        let scheme = try r.u8(), security = try r.u8(), degree = try r.u64(), count = try r.u64()
        guard let s = RLWEScheme(rawValue: scheme), let sec = SecurityLevel(rawValue: security) else {
            throw .malformedInput("unknown scheme or security level")
        }
        guard degree <= 1 << 17, count >= 1, count <= 60 else { throw .malformedInput("degree or prime count out of range") }
        var qs: [UInt64] = []
        for _ in 0..<count { qs.append(try r.u64()) }
        let sp = try r.u64(), t = try r.u64(), scale = Double(bitPattern: try r.u64())
        try r.finish()
        let p = try RLWEParameters(scheme: s, degree: Int(degree), ciphertextModuli: qs, specialModulus: sp,
                                   plaintextModulus: t, scale: scale, security: sec)
        guard RLWEContext.hash(p) == r.hash else { throw .malformedInput("parameter hash does not match the parameters") }
        return p
    }

    static func header(_ kind: Kind, scheme: RLWEScheme, hash: UInt64, payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.bytes += magic
        w.u16(version); w.u8(kind.rawValue); w.u8(scheme.rawValue); w.u64(hash); w.u64(UInt64(payload.count))
        return w.bytes
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ x: UInt8) { bytes.append(x) }
    mutating func u16(_ x: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: x >> (8 * i))) } }
    mutating func u64(_ x: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: x >> UInt64(8 * i))) } }
    mutating func raw(_ b: [UInt8]) { bytes += b }
    /// `values` packed at `bits` bits each (little-endian bit order).
    mutating func packed(_ values: UnsafeBufferPointer<UInt64>, bits: Int) {
        var acc: UInt64 = 0, have = 0
        for v in values {
            acc |= v << UInt64(have)
            let taken = min(64 - have, bits)
            have += taken
            var rest = taken < bits ? v >> UInt64(taken) : 0
            var restBits = bits - taken
            while have >= 8 { bytes.append(UInt8(truncatingIfNeeded: acc)); acc >>= 8; have -= 8 }
            if restBits > 0 {
                acc |= rest << UInt64(have); have += restBits; restBits = 0; rest = 0
                while have >= 8 { bytes.append(UInt8(truncatingIfNeeded: acc)); acc >>= 8; have -= 8 }
            }
        }
        if have > 0 { bytes.append(UInt8(truncatingIfNeeded: acc)) }
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var pos: Int
    let kind: UInt8
    let scheme: UInt8
    let hash: UInt64

    /// Parses the header; checks magic, version, kind, payload length and (if given) the hash.
    init(_ bytes: [UInt8], expect kinds: RLWESerialization.Kind..., hash expected: UInt64?) throws(RLWEError) {
        guard bytes.count >= RLWESerialization.headerSize else { throw .malformedInput("\(bytes.count) bytes: shorter than the header") }
        guard Array(bytes[0..<4]) == RLWESerialization.magic else { throw .malformedInput("bad magic") }
        let version = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        guard version == RLWESerialization.version else { throw .malformedInput("unsupported version \(version)") }
        let k = bytes[6]
        kind = k; scheme = bytes[7]
        guard kinds.contains(where: { $0.rawValue == k }) else { throw .malformedInput("object kind \(k), expected \(kinds.map(\.rawValue))") }
        var h: UInt64 = 0, len: UInt64 = 0
        for i in 0..<8 { h |= UInt64(bytes[8 + i]) << UInt64(8 * i); len |= UInt64(bytes[16 + i]) << UInt64(8 * i) }
        hash = h
        guard len == UInt64(bytes.count - RLWESerialization.headerSize) else { throw .malformedInput("payload length \(len) does not match \(bytes.count - 24) bytes") }
        if let e = expected, e != h { throw .parameterMismatch("object serialized for another parameter set") }
        self.bytes = bytes
        pos = RLWESerialization.headerSize
    }

    mutating func need(_ k: Int) throws(RLWEError) {
        guard k >= 0, pos + k <= bytes.count else { throw .malformedInput("truncated input") }
    }
    mutating func u8() throws(RLWEError) -> UInt8 { try need(1); pos += 1; return bytes[pos - 1] }
    mutating func u64() throws(RLWEError) -> UInt64 {
        try need(8)
        var x: UInt64 = 0
        for i in 0..<8 { x |= UInt64(bytes[pos + i]) << UInt64(8 * i) }
        pos += 8
        return x
    }
    mutating func raw(_ k: Int) throws(RLWEError) -> [UInt8] { try need(k); pos += k; return Array(bytes[(pos - k)..<pos]) }
    /// `count` values of `bits` bits, each checked to be below `bound`.
    mutating func packed(into out: UnsafeMutablePointer<UInt64>, count: Int, bits: Int, below bound: UInt64) throws(RLWEError) {
        let byteCount = (count * bits + 7) / 8
        try need(byteCount)
        var bitPos = 0
        let mask = bits == 64 ? UInt64.max : (UInt64(1) << UInt64(bits)) - 1
        for i in 0..<count {
            var v: UInt64 = 0, got = 0
            while got < bits {
                let byte = UInt64(bytes[pos + (bitPos >> 3)])
                let off = bitPos & 7
                let take = min(8 - off, bits - got)
                v |= ((byte >> UInt64(off)) & ((1 << UInt64(take)) - 1)) << UInt64(got)
                got += take; bitPos += take
            }
            v &= mask
            guard v < bound else { throw .malformedInput("residue \(v) not below \(bound)") }
            out[i] = v
        }
        // Padding bits of the last byte must be zero (canonical encoding).
        if bitPos & 7 != 0, bytes[pos + (bitPos >> 3)] >> UInt8(bitPos & 7) != 0 { throw .malformedInput("non-zero padding bits") }
        pos += byteCount
    }
    func finish() throws(RLWEError) { guard pos == bytes.count else { throw .malformedInput("\(bytes.count - pos) trailing bytes") } }
}

@inline(__always) func bitWidth(_ q: UInt64) -> Int { 64 - (q - 1).leadingZeroBitCount }

extension RLWEContext {
    private func wrap(_ kind: RLWESerialization.Kind, _ w: ByteWriter) -> [UInt8] {
        RLWESerialization.header(kind, scheme: parameters.scheme, hash: parameterHash, payload: w.bytes) + w.bytes
    }
    private func reader(_ bytes: [UInt8], _ kinds: RLWESerialization.Kind...) throws(RLWEError) -> ByteReader {
        let r = try ByteReader(bytes, expect: kinds[0], hash: parameterHash)
        return r
    }

    /// Rows `0..<rows.count/n` of a residue array, row r modulo `primeOf(r)`.
    private func writeRows(_ w: inout ByteWriter, _ rows: UnsafeBufferPointer<UInt64>, primeOf: (Int) -> UInt64) {
        for r in 0..<(rows.count / n) {
            w.packed(UnsafeBufferPointer(rebasing: rows[(r * n)..<((r + 1) * n)]), bits: bitWidth(primeOf(r)))
        }
    }
    private func readRows(_ rd: inout ByteReader, _ out: UnsafeMutablePointer<UInt64>, rows: Int, primeOf: (Int) -> UInt64) throws(RLWEError) {
        for r in 0..<rows {
            let q = primeOf(r)
            try rd.packed(into: out + r * n, count: n, bits: bitWidth(q), below: q)
        }
    }

    // MARK: Ciphertexts

    /// Serializes a ciphertext; a fresh secret-key encryption is written seeded (`c1` as its
    /// 32-byte seed) unless `seeded` is false.
    public func serialize(_ ct: RLWECiphertext, seeded: Bool = true) -> [UInt8] {
        var w = ByteWriter()
        let useSeed = seeded && ct.seed != nil && ct.size == 2 && ct.level == L
        w.u8(UInt8(ct.level)); w.u8(UInt8(ct.size))
        w.u64(ct.scale.bitPattern); w.u64(ct.noiseLog2Variance.bitPattern); w.u64(ct.valueBound.bitPattern)
        let polys = useSeed ? [ct.polys[0]] : ct.polys
        for p in polys { p.withResidues { writeRows(&w, $0) { self.primes[$0] } } }
        if useSeed { w.raw(ct.seed!) }
        return wrap(useSeed ? .seededCiphertext : .ciphertext, w)
    }

    /// Loads a ciphertext serialized for this context (seeded or not), validating everything.
    public func ciphertext(from bytes: [UInt8]) throws(RLWEError) -> RLWECiphertext {
        var rd = try ByteReader(bytes, expect: .ciphertext, .seededCiphertext, hash: parameterHash)
        let seeded = rd.kind == RLWESerialization.Kind.seededCiphertext.rawValue
        let level = Int(try rd.u8()), size = Int(try rd.u8())
        guard (1...L).contains(level), (2...3).contains(size) else { throw .malformedInput("level \(level) or size \(size) out of range") }
        guard !seeded || (size == 2 && level == L) else { throw .malformedInput("a seeded ciphertext has 2 components at the top level") }
        let scale = Double(bitPattern: try rd.u64()), noise = Double(bitPattern: try rd.u64()), bound = Double(bitPattern: try rd.u64())
        guard scale.isFinite, scale > 0, !noise.isNaN, bound.isFinite, bound >= 0 else { throw .malformedInput("invalid scale, noise or bound") }
        if parameters.scheme == .bfv { guard scale == 1 else { throw .malformedInput("BFV ciphertext with a scale") } }
        let b = try base(level)
        var polys: [RNSPolynomial<Coefficient>] = []
        for _ in 0..<(seeded ? 1 : size) {
            let rows = Words(level * n)
            try readRows(&rd, rows.p, rows: level) { self.primes[$0] }
            let values = rows.array
            polys.append(try core { () throws(CryptoCoreError) in try RNSPolynomial<Coefficient>(base: b, residues: values) })
        }
        var seed: [UInt8]? = nil
        if seeded {
            let s = try rd.raw(32)
            let (_, c1) = try expandSeeded(seed: s, level: L) { _, _, _ in }
            polys.append(c1)
            seed = s
        }
        try rd.finish()
        return RLWECiphertext(polys: polys, scale: scale, noiseLog2Variance: noise, parameterHash: parameterHash, seed: seed, valueBound: bound)
    }

    // MARK: Plaintexts

    public func serialize(_ p: BFVPlaintext) -> [UInt8] {
        var w = ByteWriter()
        p.coefficients.withUnsafeBufferPointer { w.packed($0, bits: bitWidth(parameters.plaintextModulus)) }
        return wrap(.bfvPlaintext, w)
    }

    public func bfvPlaintext(from bytes: [UInt8]) throws(RLWEError) -> BFVPlaintext {
        var rd = try reader(bytes, .bfvPlaintext)
        var c = [UInt64](repeating: 0, count: n)
        let t = parameters.plaintextModulus
        try c.withUnsafeMutableBufferPointer { (o: inout UnsafeMutableBufferPointer<UInt64>) throws(RLWEError) in
            try rd.packed(into: o.baseAddress!, count: n, bits: bitWidth(t), below: t)
        }
        try rd.finish()
        return BFVPlaintext(coefficients: c, parameterHash: parameterHash)
    }

    public func serialize(_ p: CKKSPlaintext) -> [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(p.level)); w.u64(p.scale.bitPattern); w.u64(p.valueBound.bitPattern)
        p.poly.withResidues { writeRows(&w, $0) { self.primes[$0] } }
        return wrap(.ckksPlaintext, w)
    }

    public func ckksPlaintext(from bytes: [UInt8]) throws(RLWEError) -> CKKSPlaintext {
        var rd = try reader(bytes, .ckksPlaintext)
        let level = Int(try rd.u8())
        guard (1...L).contains(level) else { throw .malformedInput("level \(level) out of range") }
        let scale = Double(bitPattern: try rd.u64()), bound = Double(bitPattern: try rd.u64())
        guard scale.isFinite, scale > 0, bound.isFinite, bound >= 0 else { throw .malformedInput("invalid scale or bound") }
        let rows = Words(level * n)
        try readRows(&rd, rows.p, rows: level) { self.primes[$0] }
        let values = rows.array
        let b = try base(level)
        let p = try core { () throws(CryptoCoreError) in try RNSPolynomial<Coefficient>(base: b, residues: values) }
        try rd.finish()
        return CKKSPlaintext(poly: p, scale: scale, valueBound: bound, parameterHash: parameterHash)
    }

    // MARK: Keys

    /// Serializes the secret key (ternary coefficients, one byte each). Only call this to store
    /// the key on the key owner's side.
    public func serialize(secretKey sk: SecretKey) -> [UInt8] {
        var w = ByteWriter()
        for c in sk.coefficients { w.u8(UInt8(bitPattern: c)) }
        return wrap(.secretKey, w)
    }

    public func secretKey(from bytes: [UInt8]) throws(RLWEError) -> SecretKey {
        var rd = try reader(bytes, .secretKey)
        var c = [Int8](repeating: 0, count: n)
        for j in 0..<n {
            let v = Int8(bitPattern: try rd.u8())
            guard (-1...1).contains(v) else { throw .malformedInput("secret key coefficient \(v) is not ternary") }
            c[j] = v
        }
        try rd.finish()
        return SecretKey(context: self, coefficients: c)
    }

    /// Serializes the public key (`p0` and the seed of `p1`).
    public func serialize(_ pk: PublicKey) -> [UInt8] {
        var w = ByteWriter()
        pk.p0.withUnsafeBufferPointer { writeRows(&w, $0) { self.primes[$0] } }
        w.raw(pk.seed)
        return wrap(.publicKey, w)
    }

    public func publicKey(from bytes: [UInt8]) throws(RLWEError) -> PublicKey {
        var rd = try reader(bytes, .publicKey)
        var p0 = [UInt64](repeating: 0, count: L * n)
        try p0.withUnsafeMutableBufferPointer { (o: inout UnsafeMutableBufferPointer<UInt64>) throws(RLWEError) in
            try readRows(&rd, o.baseAddress!, rows: L) { self.primes[$0] }
        }
        let seed = try rd.raw(32)
        try rd.finish()
        var arng = try core { () throws(CryptoCoreError) in try SeededRandom(seed: seed) }
        var p1 = [UInt64](repeating: 0, count: L * n)
        p1.withUnsafeMutableBufferPointer { o in
            for i in 0..<L { Sampler.uniform(o.baseAddress! + i * n, count: n, below: primes[i], using: &arng) }
        }
        return PublicKey(p0: p0, p1: p1, seed: seed, parameterHash: parameterHash)
    }

    private func write(_ w: inout ByteWriter, _ k: KeySwitchKey) {
        let rows = L + 1
        k.k0.withUnsafeBufferPointer { writeRows(&w, $0) { self.primes[$0 % rows] } }
        w.raw(k.seed)
    }

    private func readKey(_ rd: inout ByteReader) throws(RLWEError) -> KeySwitchKey {
        let rows = L + 1
        var k0 = [UInt64](repeating: 0, count: L * rows * n)
        try k0.withUnsafeMutableBufferPointer { (o: inout UnsafeMutableBufferPointer<UInt64>) throws(RLWEError) in
            try readRows(&rd, o.baseAddress!, rows: L * rows) { self.primes[$0 % rows] }
        }
        let seed = try rd.raw(32)
        var arng = try core { () throws(CryptoCoreError) in try SeededRandom(seed: seed) }
        var k1 = [UInt64](repeating: 0, count: L * rows * n)
        k1.withUnsafeMutableBufferPointer { o in
            for i in 0..<L {
                for r in 0..<rows { Sampler.uniform(o.baseAddress! + (i * rows + r) * n, count: n, below: primes[r], using: &arng) }
            }
        }
        return KeySwitchKey(k0: k0, k1: k1, seed: seed)
    }

    /// Serializes evaluation keys (relinearization and Galois keys, each half size through its seed).
    public func serialize(_ ek: EvaluationKeys) -> [UInt8] {
        var w = ByteWriter()
        w.u8(ek.relinearization == nil ? 0 : 1)
        w.u64(UInt64(ek.galois.count))
        if let r = ek.relinearization { write(&w, r) }
        for g in ek.galoisElements { w.u64(g); write(&w, ek.galois[g]!) }
        return wrap(.evaluationKeys, w)
    }

    public func evaluationKeys(from bytes: [UInt8]) throws(RLWEError) -> EvaluationKeys {
        var rd = try reader(bytes, .evaluationKeys)
        let hasRelin = try rd.u8()
        guard hasRelin <= 1 else { throw .malformedInput("relinearization flag \(hasRelin)") }
        let count = try rd.u64()
        guard count <= UInt64(n) else { throw .malformedInput("\(count) Galois keys") }
        let relin = hasRelin == 1 ? try readKey(&rd) : nil
        var galois: [UInt64: KeySwitchKey] = [:]
        for _ in 0..<count {
            let g = try rd.u64()
            guard g & 1 == 1, g < UInt64(2 * n), galois[g] == nil else { throw .malformedInput("Galois element \(g)") }
            galois[g] = try readKey(&rd)
        }
        try rd.finish()
        return EvaluationKeys(relinearization: relin, galois: galois, parameterHash: parameterHash)
    }
}

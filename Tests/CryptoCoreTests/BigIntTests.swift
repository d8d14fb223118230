import CryptoCore
import Testing

@Suite("BigInt")
struct BigIntTests {
    // Known values computed independently (Python integers).
    static let a = "1606938044258990275541962092341162602522202993782792835313721"  // 2^200 + 12345
    static let b = "-5474401089420219382077155933569751763"  // -(3^77)

    @Test("arithmetic against known values")
    func knownArithmetic() throws {
        let a = try BigInt(parsing: Self.a), b = try BigInt(parsing: Self.b)
        #expect((a * b).description == "-8797023380122213074462113690034985608380351401812076347921641861989126597646391748440454197840123")
        #expect((a + b).description == "1606938044258990275541956617940073182302820916626859265561958")
        #expect((a - b).description == "1606938044258990275541967566742252022741585070938726405065484")
        #expect((-b).description == "5474401089420219382077155933569751763")
        // Truncating (Int-like) and floor division.
        #expect(try (a / b).description == "-293536775623646751958417")
        #expect(try (a % b).description == "1578170479103657229591527200046874550")
        let (fq, fr) = try a.floorDivided(by: b)
        #expect(fq.description == "-293536775623646751958418")
        #expect(fr.description == "-3896230610316562152485628733522877213")
        #expect(try a.modulo(b.magnitude) == fr + b.magnitude)
        #expect(a.toString(radix: 16) == "100000000000000000000000000000000000000000000003039")
        #expect(try BigInt(parsing: "0x100000000000000000000000000000000000000000000003039", radix: 16) == a)
        #expect(a.bitWidth == 201)
        #expect(BigInt(1) << 200 + BigInt(12345) == a)
        #expect((a >> 200) == 1)
        #expect((b >> 200) == -1)  // floor
        var f = BigInt(1)
        for i in 2...30 { f *= BigInt(i) }
        #expect(f.description == "265252859812191058636308480000000")
        #expect(try BigInt(3).power(77) == b.magnitude)
    }

    @Test("modular arithmetic against known values")
    func knownModular() throws {
        let m = (BigInt(1) << 127) - 1
        #expect(try BigInt(3).power(1000, modulus: m, variableTime: true).description == "154345368912201178109425541818297590387")
        #expect(try BigInt(3).power(1000, modulus: m, variableTime: false).description == "154345368912201178109425541818297590387")
        #expect(try BigInt(12345).inverse(modulo: m).description == "21527786842061801536241034297627458335")
        #expect(try BigInt(7).power(-5, modulus: 1_000_003, variableTime: true) == 148153)
        let x = try BigInt(parsing: "340282366920938463463374607431768211456") * BigInt(3486784401)  // 2^128 · 3^20
        let y = try BigInt(6).power(30)
        let g = try BigInt(parsing: "3743906242624487424")  // 2^30 · 3^20
        #expect(BigInt.gcd(x, y) == g)
        #expect(BigInt.lcm(4, 6) == 12)
        #expect(BigInt.gcd(0, 0) == 0)
    }

    @Test("Int64 / UInt64 conversions and extremes")
    func machineIntegers() throws {
        #expect(BigInt(Int64.min).description == "-9223372036854775808")
        #expect(BigInt(Int64.min).int64Value == Int64.min)
        #expect(BigInt(UInt64.max).description == "18446744073709551615")
        #expect(BigInt(UInt64.max).uint64Value == UInt64.max)
        #expect(BigInt(UInt64.max).int64Value == nil)
        #expect((BigInt(Int64.max) + 1).int64Value == nil)
        #expect((BigInt(Int64.min) - 1).int64Value == nil)
        #expect(BigInt(-1).uint64Value == nil)
        let x: BigInt = -42
        #expect(x.signum == -1 && x.isNegative && !x.isOdd && x.magnitude == 42)
    }

    @Test("random consistency: a = (a / b)·b + a % b, floor variant, string and byte round trips")
    func randomConsistency() throws {
        var rng = try SeededRandom(seed: [UInt8](repeating: 1, count: 32))
        for i in 0..<200 {
            var a = try BigInt.random(bits: 1 + Int(rng.uniform(below: 700)), using: &rng)
            var b = try BigInt.random(bits: 1 + Int(rng.uniform(below: 400)), using: &rng)
            if b.isZero { b = 1 }
            if i % 2 == 0 { a = -a }
            if i % 3 == 0 { b = -b }
            let q = try a / b, r = try a % b
            #expect(q * b + r == a)
            #expect(r.magnitude < b.magnitude)
            #expect(r.isZero || r.signum == a.signum)
            let (fq, fr) = try a.floorDivided(by: b)
            #expect(fq * b + fr == a)
            #expect(fr.isZero || fr.signum == b.signum)
            let md = try a.modulo(b.magnitude)
            let diffRem = try (a - md) % b
            #expect(!md.isNegative && md < b.magnitude && diffRem.isZero)
            // strings
            #expect(try BigInt(parsing: a.description) == a)
            #expect(try BigInt(parsing: a.toString(radix: 16), radix: 16) == a)
            #expect(BigInt(a.description) == a)
            // bytes
            let m = a.magnitude
            #expect(BigInt(bigEndianBytes: try m.bytes()) == m)
            let w = try m.bytes(width: 100)
            #expect(w.count == 100 && BigInt(bigEndianBytes: w) == m)
            // order and hashing agree with subtraction
            #expect((a < b) == (a - b).isNegative)
            #expect(Set([a, a + 0, -(-a)]).count == 1)
        }
    }

    @Test("value semantics: copies are independent")
    func valueSemantics() {
        var a = BigInt(10)
        let b = a
        a += 5
        #expect(a == 15 && b == 10)
        var c = b
        c *= 3
        #expect(c == 30 && b == 10)
    }

    @Test("bytes: fixed width, zero, too small width")
    func bytes() throws {
        #expect(try BigInt(0).bytes() == [])
        #expect(try BigInt(0).bytes(width: 3) == [0, 0, 0])
        #expect(try BigInt(0x0102).bytes(width: 4) == [0, 0, 1, 2])
        #expect(BigInt(bigEndianBytes: [0, 0, 1, 2]) == 0x0102)
        #expect(BigInt(bigEndianBytes: []) == 0)
        #expect(throws: CryptoCoreError.sizeMismatch(expected: 1, actual: 2)) { try BigInt(0x0102).bytes(width: 1) }
        #expect(throws: CryptoCoreError.self) { try BigInt(-5).bytes() }
    }

    @Test("malformed strings give typed errors", arguments: [
        "", "-", "+", "12a", " 12", "12 ", "1_000", "0x10", "--1", "1.5", "١٢", "\u{0}1",
    ])
    func malformedDecimal(_ s: String) {
        #expect(throws: CryptoCoreError.self) { try BigInt(parsing: s) }
        #expect(BigInt(s) == nil)
    }

    @Test("malformed hexadecimal strings give typed errors", arguments: ["0x", "g", "0xg1", "-0x", "x12"])
    func malformedHex(_ s: String) {
        #expect(throws: CryptoCoreError.self) { try BigInt(parsing: s, radix: 16) }
    }

    @Test("well-formed edge strings")
    func edgeStrings() throws {
        #expect(try BigInt(parsing: "-0") == 0)
        #expect(try BigInt(parsing: "+17") == 17)
        #expect(try BigInt(parsing: "-0xFF", radix: 16) == -255)
        #expect(try BigInt(parsing: "00012") == 12)
        #expect(throws: CryptoCoreError.self) { try BigInt(parsing: "12", radix: 8) }
    }

    @Test("division by zero, bad moduli and non-invertible elements give typed errors")
    func invalidArithmetic() {
        let a = BigInt(17)
        #expect(throws: CryptoCoreError.self) { try a / 0 }
        #expect(throws: CryptoCoreError.self) { try a % 0 }
        #expect(throws: CryptoCoreError.self) { try a.floorDivided(by: 0) }
        #expect(throws: CryptoCoreError.self) { try a.modulo(0) }
        #expect(throws: CryptoCoreError.self) { try a.modulo(-5) }
        #expect(throws: CryptoCoreError.self) { try a.power(3, modulus: 0, variableTime: true) }
        #expect(throws: CryptoCoreError.self) { try a.power(3, modulus: -7, variableTime: true) }
        #expect(throws: CryptoCoreError.self) { try a.power(3, modulus: 16, variableTime: false) }  // even: no powm_sec
        #expect(throws: CryptoCoreError.self) { try a.power(-3, modulus: 15, variableTime: false) }
        #expect(throws: CryptoCoreError.notInvertible) { try BigInt(6).power(-1, modulus: 9, variableTime: true) }
        #expect(throws: CryptoCoreError.notInvertible) { try BigInt(6).inverse(modulo: 9) }
        #expect(throws: CryptoCoreError.self) { try BigInt(6).inverse(modulo: 0) }
        #expect(throws: CryptoCoreError.self) { try BigInt(2).power(-1) }
        #expect(throws: CryptoCoreError.self) { try BigInt(2).power(1 << 30, maxBits: 1000) }
    }

    @Test("constant-time and variable-time modular powers agree on random inputs")
    func powerPaths() throws {
        var rng = try SeededRandom(seed: [UInt8](repeating: 2, count: 32))
        for _ in 0..<20 {
            var m = try BigInt.random(bits: 600, using: &rng)
            if !m.isOdd { m += 1 }
            let b = try BigInt.random(bits: 700, using: &rng) - (BigInt(1) << 699)  // negative bases too
            let e = try BigInt.random(bits: 300, using: &rng)
            let v = try b.power(e, modulus: m, variableTime: true)
            let c = try b.power(e, modulus: m, variableTime: false)
            #expect(v == c)
            #expect(!v.isNegative && v < m)
        }
        #expect(try BigInt(5).power(0, modulus: 7, variableTime: false) == 1)
    }

    @Test("random below a bound stays below it and covers small ranges")
    func randomBelow() throws {
        var rng = try SeededRandom(seed: [UInt8](repeating: 3, count: 32))
        var seen = Set<BigInt>()
        for _ in 0..<400 {
            let x = try BigInt.random(below: 10, using: &rng)
            #expect(!x.isNegative && x < 10)
            seen.insert(x)
        }
        #expect(seen.count == 10)
        let big = (BigInt(1) << 1000) + 1
        for _ in 0..<20 { #expect(try BigInt.random(below: big, using: &rng) < big) }
        #expect(throws: CryptoCoreError.self) { try BigInt.random(below: 0, using: &rng) }
        #expect(throws: CryptoCoreError.self) { try BigInt.random(below: -3, using: &rng) }
    }

    @Test("random primes have the requested size and are prime")
    func randomPrimes() throws {
        var rng = try SeededRandom(seed: [UInt8](repeating: 4, count: 32))
        for bits in [3, 8, 61, 64, 65, 256, 512] {
            let p = try BigInt.randomPrime(bits: bits, using: &rng)
            #expect(p.bitWidth == bits)
            #expect(p.bit(bits - 2))
            #expect(p.isProbablePrime())
        }
        let p = try BigInt.randomPrime(bits: 512, using: &rng), q = try BigInt.randomPrime(bits: 512, using: &rng)
        #expect((p * q).bitWidth == 1024)
        #expect(!(p * q).isProbablePrime())
        #expect(BigInt(2).isProbablePrime() && !BigInt(1).isProbablePrime() && !BigInt(-7).isProbablePrime())
        #expect(throws: CryptoCoreError.self) { try BigInt.randomPrime(bits: 2, using: &rng) }
    }
}

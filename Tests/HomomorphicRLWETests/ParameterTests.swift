import CryptoCore
import HomomorphicRLWE
import Testing

@Suite("RLWE parameters")
struct ParameterTests {
    @Test("presets meet the 128-bit table exactly")
    func presets() throws {
        for (preset, bits) in [(RLWEParameters.Preset.n4096_logq109, 109), (.n8192_logq218, 218), (.n8192_logq218_p30, 218), (.n16384_logq438, 438), (.n32768_logq881, 881)] {
            let p = try RLWEParameters.bfv(preset, plaintextModulus: 65537)
            #expect(p.totalModulusBits == bits)
            #expect(p.security == .classical128)
            let c = try RLWEParameters.ckks(preset, scale: 0x1p30)
            #expect(c.totalModulusBits == bits)
        }
    }

    @Test("too large a modulus is rejected unless security is unchecked")
    func security() throws {
        #expect(throws: RLWEError.insecureParameters(degree: 4096, modulusBits: 110, maximumBits: 109)) {
            try RLWEParameters(scheme: .bfv, degree: 4096, primeBits: [36, 37], specialPrimeBits: 37, plaintextModulus: 65537)
        }
        _ = try RLWEParameters(scheme: .bfv, degree: 4096, primeBits: [36, 37], specialPrimeBits: 37, plaintextModulus: 65537, security: .unchecked)
        // Degrees outside the table need the opt-out.
        #expect(throws: RLWEError.self) { try RLWEParameters(scheme: .bfv, degree: 256, primeBits: [30], specialPrimeBits: 30, plaintextModulus: 257) }
    }

    @Test("inconsistent parameters are rejected with typed errors")
    func invalid() throws {
        let primes = try NTTPrimes.generate(count: 3, bits: 40, degree: 1024)
        func make(n: Int = 1024, _ q: [UInt64], _ p: UInt64, t: UInt64 = 65537, scheme: RLWEScheme = .bfv, scale: Double = 0) throws(RLWEError) {
            _ = try RLWEParameters(scheme: scheme, degree: n, ciphertextModuli: q, specialModulus: p, plaintextModulus: t, scale: scale, security: .unchecked)
        }
        try make(primes, try NTTPrimes.generate(count: 1, bits: 41, degree: 1024)[0])
        #expect(throws: RLWEError.self) { try make(n: 1000, [primes[0]], primes[1]) }           // not a power of two
        #expect(throws: RLWEError.self) { try make([primes[0], primes[0]], primes[1]) }      // repeated prime
        #expect(throws: RLWEError.self) { try make([primes[0] + 2], primes[1]) }             // not prime / not 1 mod 2n
        #expect(throws: RLWEError.self) { try make([primes[0]], primes[1], t: 1) }           // t too small
        #expect(throws: RLWEError.self) { try make([primes[0]], primes[1], t: primes[2]) }   // t shares a factor
        #expect(throws: RLWEError.self) { try make([], primes[1]) }
        #expect(throws: RLWEError.self) { try make([primes[0]], primes[1], t: 0, scheme: .ckks, scale: 1) }
        #expect(throws: RLWEError.self) { try make([primes[0]], primes[1], t: 0, scheme: .ckks, scale: .nan) }
    }

    @Test("one 128-bit preset end to end: n = 4096 BFV multiply, relinearize, rotate")
    func preset128() throws {
        let t = try RLWEParameters.batchingPlaintextModulus(bits: 20, degree: 4096)
        let context = try RLWEContext(try RLWEParameters.bfv(.n4096_logq109, plaintextModulus: t))
        let kg = KeyGenerator(context: context)
        let sk = kg.secretKey()
        let pk = try kg.publicKey(for: sk)
        let ek = try kg.evaluationKeys(for: sk, rotations: [1])
        let client = try BFV(context: context, secretKey: sk, publicKey: pk)
        let server = try BFV(context: context, publicKey: pk, evaluationKeys: ek)
        let v = (0..<4096).map { Int64($0 % 200) - 100 }
        let c = try server.multiplyRelinearize(try server.encrypt(v), try server.encrypt(v))
        let r = try client.decryptValues(try server.rotateRows(c, by: 1))
        let half = 2048
        let expected = (0..<4096).map { i -> Int64 in let j = (i / half) * half + (i % half + 1) % half; return v[j] * v[j] }
        #expect(r == expected)
        #expect(try client.noiseBudget(of: c) > 0)
    }
}

import CryptoCore
import HomomorphicRLWE
import Testing

@Suite("RLWE serialization")
struct SerializationTests {
    @Test("parameters round trip; tampered parameters are rejected")
    func parameters() throws {
        let p = try RLWEParameters.bfv(.n8192_logq218, plaintextModulus: 549_764_251_649)
        let bytes = RLWESerialization.serialize(p)
        #expect(try RLWESerialization.parameters(from: bytes) == p)
        var bad = bytes
        bad[bad.count - 9] ^= 1   // plaintext modulus: hash mismatch (or invalid)
        #expect(throws: RLWEError.self) { try RLWESerialization.parameters(from: bad) }
        #expect(throws: RLWEError.self) { try RLWESerialization.parameters(from: Array(bytes.dropLast())) }
        #expect(throws: RLWEError.self) { try RLWESerialization.parameters(from: []) }
    }

    @Test("keys, plaintexts and ciphertexts round trip and still work")
    func roundTrips() throws {
        var f = try BFVFixture()
        let c = f.context
        let sk = try #require(f.client.secretKey), pk = try #require(f.client.publicKey), ek = try #require(f.server.evaluationKeys)
        let sk2 = try c.secretKey(from: c.serialize(secretKey: sk))
        let pk2 = try c.publicKey(from: c.serialize(pk))
        let ekBytes = c.serialize(ek)
        let ek2 = try c.evaluationKeys(from: ekBytes)
        #expect(ek2.galoisElements == ek.galoisElements)
        let client = try BFV(context: c, secretKey: sk2, publicKey: pk2)
        let server = try BFV(context: c, publicKey: pk2, evaluationKeys: ek2)
        let v = f.values(bound: 1000)
        let pt = try client.encode(v)
        #expect(try c.bfvPlaintext(from: c.serialize(pt)) == pt)
        // Seeded (secret-key) ciphertexts are about half the size of full ones.
        let seeded = try f.client.encryptSecret(pt)
        let sBytes = c.serialize(seeded), fBytes = c.serialize(seeded, seeded: false)
        #expect(sBytes.count < fBytes.count / 2 + 100)
        let ct = try c.ciphertext(from: sBytes)
        #expect(try client.decryptValues(ct) == v)
        #expect(try client.decryptValues(try c.ciphertext(from: fBytes)) == v)
        // Loaded keys evaluate: relinearized square and rotation.
        let sq = try server.relinearize(try server.square(try c.ciphertext(from: c.serialize(try server.encrypt(pt)))))
        #expect(try client.decryptValues(try c.ciphertext(from: c.serialize(sq))) == v.map { f.mulMod($0, $0) })
        #expect(try client.decryptValues(try server.rotateRows(ct, by: 1))[0] == v[1])
        // 3-component ciphertexts too.
        let prod = try server.multiply(ct, ct)
        #expect(try c.ciphertext(from: c.serialize(prod)).size == 3)
    }

    @Test("CKKS plaintexts and ciphertexts round trip")
    func ckks() throws {
        let context = try RLWEContext(try RLWEParameters.ckks(.insecure_n256_logq151, scale: 0x1p40))
        let kg = KeyGenerator(context: context)
        let sk = kg.secretKey()
        let ckks = try CKKS(context: context, secretKey: sk, publicKey: try kg.publicKey(for: sk))
        let v = (0..<128).map { Double($0) / 128 - 0.5 }
        let pt = try ckks.encode(v)
        let pt2 = try context.ckksPlaintext(from: context.serialize(pt))
        #expect(zip(try ckks.decode(pt2), v).allSatisfy { abs($0 - $1) < 1e-9 })
        let ct = try context.ciphertext(from: context.serialize(try ckks.encrypt(pt)))
        #expect(ct.scale == 0x1p40)
        #expect(zip(try ckks.decrypt(values: ct), v).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("malformed or foreign input gives typed errors")
    func malformed() throws {
        var f = try BFVFixture()
        let c = f.context
        let ct = try f.server.encrypt(f.values())
        let bytes = c.serialize(ct)
        // Every truncation fails.
        for cut in [0, 3, 23, 24, 40, bytes.count - 1] {
            #expect(throws: RLWEError.self) { try c.ciphertext(from: Array(bytes[0..<cut])) }
        }
        var b = bytes; b[0] = 0x58
        #expect(throws: RLWEError.malformedInput("bad magic")) { try c.ciphertext(from: b) }
        b = bytes; b[4] = 9
        #expect(throws: RLWEError.self) { try c.ciphertext(from: b) }
        b = bytes; b[6] = RLWESerialization.Kind.publicKey.rawValue
        #expect(throws: RLWEError.self) { try c.ciphertext(from: b) }
        b = bytes + [0]
        #expect(throws: RLWEError.self) { try c.ciphertext(from: b) }
        b = bytes; b[24] = 200   // level
        #expect(throws: RLWEError.self) { try c.ciphertext(from: b) }
        // A residue set to all ones (≥ q) is rejected.
        b = bytes
        for i in 50..<60 { b[i] = 0xff }
        #expect(throws: RLWEError.self) { try c.ciphertext(from: b) }
        // Objects of another parameter set are rejected by the hash.
        let other = try BFVFixture(.insecure_n256_logq151, tBits: 17)
        #expect(throws: RLWEError.self) { try c.ciphertext(from: other.context.serialize(try other.server.encrypt([1, 2, 3]))) }
        #expect(throws: RLWEError.self) { try c.publicKey(from: other.context.serialize(try #require(other.client.publicKey))) }
        // Secret keys must be ternary.
        var skb = c.serialize(secretKey: try #require(f.client.secretKey))
        skb[30] = 5
        #expect(throws: RLWEError.self) { try c.secretKey(from: skb) }
        // Operands from another context are rejected by the operations.
        let foreign = try other.server.encrypt([1])
        #expect(throws: RLWEError.self) { try f.server.add(ct, foreign) }
    }

    @Test("random byte mutations never crash the loaders")
    func mutations() throws {
        var f = try BFVFixture(.insecure_n256_logq151, tBits: 17, rotations: [1])
        let c = f.context
        let objects: [[UInt8]] = [
            c.serialize(try f.server.encrypt(f.values())),
            c.serialize(try f.client.encryptSecret(try f.client.encode(f.values()))),
            c.serialize(try #require(f.client.publicKey)),
            c.serialize(try #require(f.server.evaluationKeys)),
            c.serialize(try f.client.encode(f.values())),
            RLWESerialization.serialize(c.parameters),
        ]
        var loaded = 0, rejected = 0
        for bytes in objects {
            for _ in 0..<60 {
                var b = bytes
                let flips = 1 + Int(f.rng.uniform(below: 3))
                for _ in 0..<flips { b[Int(f.rng.uniform(below: UInt64(b.count)))] ^= UInt8(1 + f.rng.uniform(below: 255)) }
                if f.rng.uniform(below: 4) == 0 { b = Array(b.prefix(Int(f.rng.uniform(below: UInt64(b.count))))) }
                let outcomes: [Bool] = [
                    (try? c.ciphertext(from: b)) != nil, (try? c.publicKey(from: b)) != nil,
                    (try? c.evaluationKeys(from: b)) != nil, (try? c.bfvPlaintext(from: b)) != nil,
                    (try? RLWESerialization.parameters(from: b)) != nil, (try? c.secretKey(from: b)) != nil,
                ]
                if outcomes.contains(true) { loaded += 1 } else { rejected += 1 }
            }
        }
        // Flips inside residues may still give valid objects; headers and lengths may not.
        #expect(rejected > 0)
        #expect(loaded + rejected == 360)
    }
}

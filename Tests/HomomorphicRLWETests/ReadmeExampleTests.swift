import HomomorphicRLWE
import Testing

/// The README's BFV example, run as written (keep the two in sync).
@Test("README example: client encrypts, server computes 3x − 2x², client decrypts")
func readmeBFVExample() throws {
    let t = try RLWEParameters.batchingPlaintextModulus(bits: 20, degree: 8192)
    let context = try RLWEContext(try RLWEParameters.bfv(.n8192_logq218, plaintextModulus: t))
    let keys = KeyGenerator(context: context)
    let sk = keys.secretKey()
    let client = try BFV(context: context, secretKey: sk, publicKey: try keys.publicKey(for: sk))
    let server = try BFV(context: context, evaluationKeys: try keys.evaluationKeys(for: sk))

    let inputs = (0..<8192).map { Int64($0 % 100) - 50 }
    let x = try client.encrypt(inputs)                                      // one value per slot
    let y = try server.multiplyRelinearize(x, x)                            // x², slot-wise
    let z = try server.dotProducts([x, y], weights: [3, -2], outputs: 1)[0] // 3x − 2x²
    let values = try client.decryptValues(z)

    #expect(values == inputs.map { 3 * $0 - 2 * $0 * $0 })
}

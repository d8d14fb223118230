import Foundation
import HomomorphicRLWE

/// Length-prefixed frames: a message is a count then (length, bytes) pairs, little-endian UInt64.
public enum Frames {
    public static func pack(_ frames: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(frames.reduce(8) { $0 + 8 + $1.count })
        func put(_ v: UInt64) { for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        put(UInt64(frames.count))
        for f in frames { put(UInt64(f.count)); out.append(contentsOf: f) }
        return out
    }

    public static func unpack(_ bytes: [UInt8]) throws(CryptoNetsBNError) -> [[UInt8]] {
        var pos = 0
        func get() throws(CryptoNetsBNError) -> Int {
            guard pos + 8 <= bytes.count else { throw .malformedMessage("truncated at byte \(pos)") }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
            pos += 8
            guard v <= UInt64(bytes.count) else { throw .malformedMessage("length \(v) beyond the message") }
            return Int(v)
        }
        let count = try get()
        var frames: [[UInt8]] = []
        for _ in 0..<count {
            let len = try get()
            guard pos + len <= bytes.count else { throw .malformedMessage("frame of \(len) bytes beyond the message") }
            frames.append(Array(bytes[pos..<(pos + len)]))
            pos += len
        }
        guard pos == bytes.count else { throw .malformedMessage("\(bytes.count - pos) trailing bytes") }
        return frames
    }
}

/// An in-process channel between client and server that counts the bytes each way.
public final class InProcessChannel: @unchecked Sendable {
    public private(set) var bytesClientToServer = 0
    public private(set) var bytesServerToClient = 0
    public init() {}
    /// Delivers a client message to the server handler and its reply back, counting both.
    public func request(_ message: [UInt8], server: ([UInt8]) throws(CryptoNetsBNError) -> [UInt8]) throws(CryptoNetsBNError) -> [UInt8] {
        bytesClientToServer += message.count
        let reply = try server(message)
        bytesServerToClient += reply.count
        return reply
    }
}

/// The client: owns the secret keys (one BFV instance per plaintext prime), encodes a batch one
/// image per slot, encrypts, and decrypts, CRT-combines and argmaxes the server's reply.
public final class Client: @unchecked Sendable {
    public let plan: IntegerPlan
    public let parameters: [RLWEParameters]
    let schemes: [BFV]

    /// Keys for `preset` with each of the plan's plaintext primes (same ciphertext moduli).
    public init(plan: IntegerPlan, preset: RLWEParameters.Preset, threads: Int = 1) throws(CryptoNetsBNError) {
        guard threads >= 1 else { throw .invalidArgument("threads must be at least 1") }
        self.plan = plan
        var params: [RLWEParameters] = [], schemes: [BFV] = []
        for t in plan.plaintextModuli {
            let s = try wrap { () throws(RLWEError) -> BFV in
                let p = try RLWEParameters.bfv(preset, plaintextModulus: t)
                let ctx = try RLWEContext(p)
                let kg = KeyGenerator(context: ctx)
                let sk = kg.secretKey()
                let ek = try kg.evaluationKeys(for: sk, relinearization: true)
                return try BFV(context: ctx, secretKey: sk, evaluationKeys: ek, maxConcurrency: threads)
            }
            params.append(s.context.parameters); schemes.append(s)
        }
        self.parameters = params
        self.schemes = schemes
    }

    public var slotCount: Int { schemes[0].slotCount }

    /// The set-up message: per prime, the parameters and the evaluation (relinearization) keys.
    public func setupMessage() -> [UInt8] {
        Frames.pack(schemes.flatMap { s in
            [RLWESerialization.serialize(s.context.parameters), s.context.serialize(s.evaluationKeys!)]
        })
    }

    /// Encrypts a batch of quantized images (at most ``slotCount``), secret-key encryption, seeded.
    public func encryptBatch(_ images: [[Int64]]) throws(CryptoNetsBNError) -> [UInt8] {
        let packed = try PlanEvaluator.packSlots(images, inputCount: plan.inputCount, slotCount: slotCount)
        var frames: [[UInt8]] = [Array("CNBN".utf8) + [UInt8(truncatingIfNeeded: images.count), UInt8(truncatingIfNeeded: images.count >> 8), UInt8(truncatingIfNeeded: images.count >> 16)]]
        for s in schemes {
            let cts = try wrap { () throws(RLWEError) in
                try s.encrypt(batch: try s.batch(packed) { v throws(RLWEError) in try s.encode(v) })
            }
            frames += try wrap { () throws(RLWEError) in try s.batch(cts) { c throws(RLWEError) in s.context.serialize(c) } }
        }
        return Frames.pack(frames)
    }

    /// The decrypted result of one batch.
    public struct Result: Sendable {
        public var scores: [[Int128]]
        public var predictions: [Int]
        /// Smallest exact noise budget (bits) left among the output ciphertexts.
        public var noiseBudgetBits: Int
    }

    /// Decrypts the server's reply for a batch of `count` images.
    public func decrypt(_ reply: [UInt8], count: Int) throws(CryptoNetsBNError) -> Result {
        let frames = try Frames.unpack(reply)
        let outputs = plan.outputCount
        guard frames.count == outputs * schemes.count else { throw .malformedMessage("\(frames.count) ciphertexts, expected \(outputs * schemes.count)") }
        var residues: [[[Int64]]] = []
        var budget = Int.max
        for (k, s) in schemes.enumerated() {
            let part = Array(frames[(k * outputs)..<((k + 1) * outputs)])
            let cts = try wrap { () throws(RLWEError) in try part.map { b throws(RLWEError) in try s.context.ciphertext(from: b) } }
            for c in cts { budget = min(budget, try wrap { () throws(RLWEError) in try s.noiseBudget(of: c) }) }
            residues.append(try wrap { () throws(RLWEError) in try s.batch(cts) { c throws(RLWEError) in try s.decode(try s.decryptVerified(c)) } })
        }
        let scores = try PlanEvaluator.combine(residues, moduli: plan.plaintextModuli, images: count)
        return Result(scores: scores, predictions: scores.map(argmax), noiseBudgetBits: budget)
    }
}

/// The server: holds the plan (the plaintext model) and the client's evaluation keys, never a
/// secret key; evaluates the plan once per plaintext prime.
public final class Server: @unchecked Sendable {
    public let plan: IntegerPlan
    let schemes: [BFV]
    /// Per-step times of the last evaluation, summed over the primes.
    public private(set) var lastTimings: [StepTiming] = []

    public init(plan: IntegerPlan, setup: [UInt8], threads: Int = 1) throws(CryptoNetsBNError) {
        guard threads >= 1 else { throw .invalidArgument("threads must be at least 1") }
        let frames = try Frames.unpack(setup)
        guard frames.count == 2 * plan.plaintextModuli.count else { throw .malformedMessage("set-up with \(frames.count) frames") }
        var schemes: [BFV] = []
        for k in 0..<plan.plaintextModuli.count {
            let s = try wrap { () throws(RLWEError) -> BFV in
                let p = try RLWESerialization.parameters(from: frames[2 * k])
                let ctx = try RLWEContext(p)
                let ek = try ctx.evaluationKeys(from: frames[2 * k + 1])
                return try BFV(context: ctx, evaluationKeys: ek, maxConcurrency: threads)
            }
            guard s.plaintextModulus == plan.plaintextModuli[k] else { throw .malformedMessage("plaintext modulus \(s.plaintextModulus) for prime \(k)") }
            schemes.append(s)
        }
        self.plan = plan
        self.schemes = schemes
    }

    /// Evaluates a batch message and returns the reply (the output ciphertexts, per prime).
    public func evaluate(_ message: [UInt8]) throws(CryptoNetsBNError) -> [UInt8] {
        let frames = try Frames.unpack(message)
        let m = plan.inputCount
        guard frames.count == 1 + m * schemes.count, frames[0].count == 7, Array(frames[0].prefix(4)) == Array("CNBN".utf8) else {
            throw .malformedMessage("batch of \(frames.count) frames, expected \(1 + m * schemes.count)")
        }
        var reply: [[UInt8]] = []
        var timings: [StepTiming] = []
        for (k, s) in schemes.enumerated() {
            let part = Array(frames[(1 + k * m)..<(1 + (k + 1) * m)])
            let cts = try wrap { () throws(RLWEError) in try s.batch(part) { b throws(RLWEError) in try s.context.ciphertext(from: b) } }
            var t: [StepTiming] = []
            let out = try PlanEvaluator.evaluate(plan, scheme: s, inputs: cts, timings: &t)
            if timings.isEmpty { timings = t } else { for i in t.indices { timings[i].seconds += t[i].seconds } }
            reply += try wrap { () throws(RLWEError) in try s.batch(out) { c throws(RLWEError) in s.context.serialize(c) } }
        }
        lastTimings = timings
        return Frames.pack(reply)
    }
}

import BundledAssets
import CryptoNetsBN
import Foundation
import HomomorphicRLWE
import NeuralNetwork
import Testing

enum Fixtures {
    nonisolated(unsafe) static let model: ModelFile = try! ModelFormat.load(from: BundledAssets.modelURL(named: "cryptonets")!)
    static let test: LabeledImages = try! MNIST.load(directory: BundledAssets.mnistDirectory, split: .test)
    static let plan: IntegerPlan = try! PlanCompiler.compile(model, calibration: test.prefix(500).images)
}

@Suite struct PlanCompilationTests {
    @Test func cryptoNetsPlanHasTheExpectedShapeAndFits() throws {
        let plan = Fixtures.plan
        #expect(plan.rawInputShape == [1, 28, 28])
        #expect(plan.inputCount == 784)
        #expect(plan.outputCount == 10)
        #expect(plan.steps.count == 5)
        let linear = plan.linearSteps
        #expect(linear.map(\.outputCount) == [845, 100, 10])
        #expect(linear.map(\.weightScale) == [32, 1024, 32])
        #expect(linear[0].outputScale == 16 * 32)
        #expect(linear[1].outputScale == Double(512 * 512) * 1024)
        // conv rows read at most a 5x5 window; the padded top row/left column drop out
        #expect(linear[0].inputIndices!.allSatisfy { $0.count <= 25 })
        #expect(linear[0].inputIndices![0].count == 16)
        #expect(plan.plaintextBits == 79)
        #expect(plan.measuredBits > 40 && plan.measuredBits + log2(plan.margin) < Double(plan.plaintextBits - 2))
        #expect(plan.worstCaseBits > plan.measuredBits)
        #expect(plan.calibrationCount == 500)
        #expect(plan.explanation.count >= 6)
    }

    @Test func integerModelMatchesTheFloatModel() throws {
        let plan = Fixtures.plan
        let sample = Fixtures.test.prefix(300)
        let ints = try plan.predictIntegers(try plan.quantize(images: sample.images))
        let float = try Fixtures.model.network.predict(try Fixtures.model.preprocessing.apply(sample.images)).argmaxPerSample()
        let agree = zip(ints, float).filter { $0 == $1 }.count
        let correct = zip(ints, sample.labels).filter { $0 == $1 }.count
        #expect(Double(agree) / 300 >= 0.98)
        #expect(Double(correct) / 300 >= 0.97)
    }

    @Test func rejectsTooSmallPlaintextSpace() {
        #expect(throws: CryptoNetsBNError.self) {
            try PlanCompiler.compile(Fixtures.model, plaintextModuli: [549_764_251_649], calibration: Fixtures.test.prefix(20).images)
        }
    }

    @Test func rejectsWrongScalesAndUnsupportedLayers() throws {
        #expect(throws: CryptoNetsBNError.self) {
            try PlanCompiler.compile(Fixtures.model, scales: FixedPointScales(inputScale: 16, weightScales: [32, 1024]),
                                     calibration: Fixtures.test.prefix(20).images)
        }
        let bn = try ModelFormat.load(from: BundledAssets.modelURL(named: "cryptonets-bn")!)
        let e = #expect(throws: CryptoNetsBNError.self) { try PlanCompiler.compile(bn, calibration: Fixtures.test.prefix(20).images) }
        if case .unsupportedLayer = e {} else { Issue.record("polynomial activations are not in this slice: expected unsupportedLayer, got \(String(describing: e))") }
    }

    @Test func rejectsImagesOfTheWrongSize() {
        #expect(throws: CryptoNetsBNError.self) { try Fixtures.plan.quantize([Float](repeating: 0, count: 29 * 29)) }
        #expect(throws: CryptoNetsBNError.self) { try Fixtures.plan.evaluateIntegers([1, 2, 3]) }
    }
}

@Suite struct EncryptedEvaluationTests {
    @Test func twinEqualsIntegerModel() throws {
        let plan = Fixtures.plan
        let inputs = try plan.quantize(images: Fixtures.test.prefix(256).images)
        let twins = try plan.plaintextModuli.map { try BFVTwin(slotCount: 256, plaintextModulus: $0, maxConcurrency: 2) }
        let scores = try PlanEvaluator.classifyLocally(plan, schemes: twins, images: inputs)
        for (i, x) in inputs.enumerated() { #expect(scores[i] == (try plan.evaluateIntegers(x))) }
    }

    @Test func twinWithOnePrimeDisagrees() throws {
        // The outputs do not fit one 40-bit prime: the comparison must be able to fail.
        let plan = Fixtures.plan
        let inputs = try plan.quantize(images: Fixtures.test.prefix(16).images)
        let twins = try plan.plaintextModuli.map { try BFVTwin(slotCount: 16, plaintextModulus: $0) }
        var residues: [[[Int64]]] = []
        var timings: [StepTiming] = []
        for s in twins {
            let cts = try PlanEvaluator.packSlots(inputs, inputCount: plan.inputCount, slotCount: 16).map { try s.encrypt(values: $0) }
            residues.append(try PlanEvaluator.evaluate(plan, scheme: s, inputs: cts, timings: &timings).map { try s.decrypt(values: $0) })
        }
        #expect(timings.map(\.name) == ["conv0", "square1", "dense2", "square3", "dense4"] + ["conv0", "square1", "dense2", "square3", "dense4"])
        let one = residues[0][0].map { Int128($0) }
        let exact = try inputs.map { try plan.evaluateIntegers($0)[0] }
        #expect(one != exact)
    }

    @Test func bfvClientServerEqualsIntegerModel() throws {
        let plan = Fixtures.plan
        let sample = Fixtures.test.prefix(32)
        let inputs = try plan.quantize(images: sample.images)
        let client = try Client(plan: plan, preset: .insecure_n2048_logq276, threads: 2)
        let channel = InProcessChannel()
        let setup = client.setupMessage()
        let server = try Server(plan: plan, setup: setup, threads: 2)
        let reply = try channel.request(try client.encryptBatch(inputs)) { m throws(CryptoNetsBNError) in try server.evaluate(m) }
        let result = try client.decrypt(reply, count: inputs.count)
        for (i, x) in inputs.enumerated() { #expect(result.scores[i] == (try plan.evaluateIntegers(x))) }
        #expect(result.predictions == (try plan.predictIntegers(inputs)))
        #expect(result.noiseBudgetBits > 0)
        #expect(channel.bytesClientToServer > 784 * 2 * 2048 * 8)
        #expect(channel.bytesServerToClient > 10 * 2 * 2048 * 8)
        #expect(server.lastTimings.count == 5)
    }

    @Test func malformedMessagesAreRejected() throws {
        #expect(throws: CryptoNetsBNError.self) { try Frames.unpack([1, 2, 3]) }
        #expect(throws: CryptoNetsBNError.self) { try Frames.unpack(Frames.pack([[1, 2]]) + [0]) }
        #expect(try Frames.unpack(Frames.pack([[1, 2], [], [3]])) == [[1, 2], [], [3]])
        #expect(throws: CryptoNetsBNError.self) { try Server(plan: Fixtures.plan, setup: Frames.pack([[1]])) }
    }
}

import Foundation
import Testing

/// Runs the built `cryptonet` executable (next to the test bundle, or in the usual scratch paths).
enum CLI {
    static var executable: URL? {
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().appendingPathComponent("cryptonet")) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cryptonet"))
        for b in Bundle.allBundles { candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("cryptonet")) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for scratch in [".build-cn", ".build"] { candidates.append(root.appendingPathComponent("\(scratch)/release/cryptonet")) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let exe = executable else { throw CocoaError(.fileNoSuchFile) }
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

@Suite struct ClassifyCommandTests {
    @Test(arguments: [
        (["--limit", "0"], "--limit"),
        (["--batch", "-3"], "--batch"),
        (["--threads", "0"], "--threads"),
        (["--protocol", "paillier-x"], "unknown protocol"),
        (["--parameters", "n3_bogus"], "unknown parameter preset"),
        (["--output", "/tmp/p.txt"], ".csv or .json"),
        (["--input", "/nonexistent/images-idx3-ubyte"], "no such file"),
        (["--model", "no-such-model"], "no such file"),
    ])
    func badArgumentsFailWithAMessage(args: [String], message: String) throws {
        let r = try CLI.run(["classify"] + args)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message))
    }

    @Test func imageSizeMismatchIsRejected() throws {
        // An IDX file of 2 images of 20×20.
        var bytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 20, 0, 0, 0, 20]
        bytes += [UInt8](repeating: 7, count: 2 * 400)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cnbn-\(UUID().uuidString)-images-idx3-ubyte")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try CLI.run(["classify", "--input", url.path, "--parameters", "insecure_n2048_logq276"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("do not match"))
        let bad = url.deletingLastPathComponent().appendingPathComponent("cnbn-\(UUID().uuidString)-images")
        try Data([1, 2, 3]).write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        let r2 = try CLI.run(["classify", "--input", bad.path])
        #expect(r2.status != 0)
        #expect(!r2.stderr.isEmpty)
    }

    @Test func batchLargerThanSlotsIsRejected() throws {
        let r = try CLI.run(["classify", "--parameters", "insecure_n2048_logq276", "--limit", "4", "--calibration", "4", "--batch", "4096"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("exceeds"))
    }

    @Test func endToEndSmallBatchReportsFullAgreement() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cnbn-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["classify", "--parameters", "insecure_n2048_logq276", "--limit", "12", "--batch", "12",
                             "--calibration", "12", "--json", "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(report["agreement"] as? Double == 1.0)
        #expect(report["images"] as? Int == 12)
        #expect((report["accuracy"] as? Double ?? 0) >= 0.75)
        #expect((report["bytesClientToServer"] as? Int ?? 0) > 784 * 2 * 2048 * 8)
        #expect((report["noiseBudgetBits"] as? Int ?? 0) > 0)
        #expect((report["pipelineSeconds"] as? Double ?? 0) > 0)
        #expect((report["layerSeconds"] as? [String: Double])?.keys.sorted() == ["conv0", "dense2", "dense4", "square1", "square3"])
        let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [[String: Any]]
        #expect(rows.count == 12)
        #expect(rows.allSatisfy { $0["prediction"] as? Int == $0["plaintext"] as? Int })
    }
}

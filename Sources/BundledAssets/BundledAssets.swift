import Foundation

/// Files shipped inside the package: the MNIST test set (IDX, gzip) and the trained reference
/// models (safetensors, `ModelFormat.md`). Used by the CLI and the tests so that they run on a
/// fresh machine without downloads.
public enum BundledAssets {
    /// The resource directory of this target.
    public static var resourceDirectory: URL {
        // The copied folder is `<bundle>/Resources`; Foundation's `resourceURL` is the bundle itself on
        // Linux but `<bundle>/Contents/Resources` (or `<bundle>/Resources`) on Apple platforms.
        let candidates = [Bundle.module.resourceURL, Bundle.module.bundleURL].compactMap { $0 }
            .flatMap { [$0.appendingPathComponent("Resources"), $0] }
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("mnist").path)
        } ?? candidates[0]
    }

    /// The directory holding `t10k-images-idx3-ubyte.gz` and `t10k-labels-idx1-ubyte.gz`
    /// (the 10,000 MNIST test images; the training set is not bundled).
    public static var mnistDirectory: URL { resourceDirectory.appendingPathComponent("mnist") }

    /// The directory of the bundled `<name>.safetensors` models.
    public static var modelDirectory: URL { resourceDirectory.appendingPathComponent("models") }

    /// Names of the bundled models, sorted.
    public static var modelNames: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: modelDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".safetensors") }.map { String($0.dropLast(".safetensors".count)) }.sorted()
    }

    /// The file of a bundled model, or nil if there is none by that name.
    public static func modelURL(named name: String) -> URL? {
        let url = modelDirectory.appendingPathComponent(name + ".safetensors")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}

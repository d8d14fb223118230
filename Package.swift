// swift-tools-version: 6.0
import PackageDescription

// CryptoNetKit: neural networks on encrypted data.
// Layers (imports point down only):
//   cryptonet (CLI) -> protocol modules -> HomomorphicRLWE / Paillier / FunctionalEncryption / NeuralNetwork
//   -> CryptoCore (safe Swift types) -> CCryptoCore (C kernels on GMP, FLINT, libsodium).
// No unsafe compiler flags (the package stays usable as a dependency): CPU-specific kernels are
// chosen at run time inside CCryptoCore.
let package = Package(
    name: "CryptoNetKit",
    products: [
        .library(name: "CryptoCore", targets: ["CryptoCore"]),
        .library(name: "NeuralNetwork", targets: ["NeuralNetwork"]),
        .library(name: "HomomorphicRLWE", targets: ["HomomorphicRLWE"]),
        .library(name: "CryptoNetsBN", targets: ["CryptoNetsBN"]),
        .executable(name: "cryptonet", targets: ["cryptonet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C kernels over caller-owned memory. Headers live in include/CCryptoCore/ and are
        // included as "CCryptoCore/x.h"; sources in CSources/CCryptoCore/.
        .target(
            name: "CCryptoCore",
            path: ".",
            sources: ["CSources/CCryptoCore"],
            publicHeadersPath: "include",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [
                .linkedLibrary("flint"),
                .linkedLibrary("gmp"),
                .linkedLibrary("sodium"),
                .linkedLibrary("pthread"),
            ]
        ),
        .target(name: "CryptoCore", dependencies: ["CCryptoCore"]),
        // BFV and CKKS on the RNS/NTT core (issue 4).
        .target(name: "HomomorphicRLWE", dependencies: ["CryptoCore", "CCryptoCore"], exclude: ["DESIGN.md"]),
        // OpenBLAS (cblas interface) and zlib for the plaintext engine.
        .systemLibrary(name: "COpenBLAS", path: "Sources/CSystemLibs/COpenBLAS"),
        .target(name: "NeuralNetwork", dependencies: ["COpenBLAS"], exclude: ["ModelFormat.md"]),
        // The MNIST test set and the trained reference models, exposed through Bundle.module.
        .target(name: "BundledAssets", resources: [.copy("Resources")]),
        // CryptoNets / Chabanne et al. encrypted batch classification (issue 5).
        .target(name: "CryptoNetsBN", dependencies: ["HomomorphicRLWE", "NeuralNetwork", "CryptoCore"]),
        .executableTarget(
            name: "cryptonet",
            dependencies: [
                "CryptoNetsBN",
                "CryptoCore",
                "HomomorphicRLWE",
                "NeuralNetwork",
                "BundledAssets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CryptoCoreTests", dependencies: ["CryptoCore", "CCryptoCore"]),
        .testTarget(name: "HomomorphicRLWETests", dependencies: ["HomomorphicRLWE", "CryptoCore"]),
        .testTarget(name: "NeuralNetworkTests", dependencies: ["NeuralNetwork", "BundledAssets"]),
        .testTarget(name: "CryptoNetsBNTests", dependencies: ["CryptoNetsBN", "HomomorphicRLWE", "NeuralNetwork", "BundledAssets"]),
    ]
)

// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The root package is a path dependency, whose identity is the name of its directory (the
// clone's name), so it is derived here instead of being hard-coded.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// Micro-benchmarks of CryptoNetKit (ordo-one/benchmark). A package of its own so that library
// users never build it. Run from this directory:
//   swift package --allow-writing-to-package-directory benchmark
let package = Package(
    name: "CryptoNetKitBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "NTTBenchmarks",
            dependencies: [
                .product(name: "CryptoCore", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/NTTBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ModExpBenchmarks",
            dependencies: [
                .product(name: "CryptoCore", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ModExpBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RLWEBenchmarks",
            dependencies: [
                .product(name: "HomomorphicRLWE", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/RLWEBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

import CryptoCore

/// A reproducible generator for tests: ChaCha20 on a fixed seed derived from `label`.
func testRNG(_ label: UInt8 = 1) -> SeededRandom {
    try! SeededRandom(seed: [UInt8](repeating: label, count: 32))
}

func randomResidues(_ count: Int, below q: UInt64, _ rng: inout SeededRandom) -> [UInt64] {
    (0..<count).map { _ in rng.uniform(below: q) }
}

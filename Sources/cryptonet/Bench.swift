import ArgumentParser

/// `cryptonet bench`: quick micro-benchmarks in a release build, each printing a reference
/// figure measured in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Micro-benchmarks of the cryptographic core (release build recommended).",
        subcommands: [NTT.self, Modexp.self]
    )
}

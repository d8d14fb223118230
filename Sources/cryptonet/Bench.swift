import ArgumentParser

/// `cryptonet bench`: quick micro-benchmarks in a release build, each printing a reference
/// figure measured in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Micro-benchmarks of the cryptographic core (release build recommended).",
        subcommands: [All.self, NTT.self, Modexp.self, RLWE.self],
        defaultSubcommand: All.self
    )
}

/// `cryptonet bench` / `cryptonet bench all`: a short tour of both cores — the NTT at n = 8192
/// with 50- and 60-bit primes, and Paillier at 2048-bit N — each with its same-run reference.
struct All: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Short run of `bench ntt` (n = 8192) and `bench modexp` (2048-bit N)."
    )

    @Flag(help: "Print JSON arrays of records.")
    var json = false

    func run() throws {
        let common = json ? ["--json"] : []
        if !json { print("== NTT (n = 8192) ==") }
        try NTT.parse(["--n", "8192", "--prime-bits", "50", "60"] + common).run()
        if !json { print("== Paillier modular exponentiation (N = 2048 bits) ==") }
        try Modexp.parse(["--bits", "2048"] + common).run()
    }
}

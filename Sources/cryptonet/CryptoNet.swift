import ArgumentParser

/// The `cryptonet` command-line tool: encrypted batch classification, training and benchmarks.
@main
struct CryptoNet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cryptonet",
        abstract: "Neural networks on encrypted data: classify, train, evaluate and benchmark.",
        version: "0.1.0",
        subcommands: [
            ClassifyCommand.self,
            Bench.self,
            TrainCommand.self,
            EvaluateCommand.self,
            ModelsCommand.self,
        ]
    )
}

import ArgumentParser
import Foundation

/// The `fashion` tool: train the tutorial's model (the default), then evaluate, predict
/// with and draw a saved model.
@main
struct Fashion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fashion",
        abstract: "Train a Fashion-MNIST classifier, then evaluate, predict with and draw saved models.",
        discussion: """
        Without a subcommand, `fashion` trains (`fashion --epochs 1` is `fashion train --epochs 1`). \
        `fashion train --save-model model.safetensors` saves the whole model; the other \
        subcommands load such a file without the code that built it.
        """,
        subcommands: [FashionCommand.self, EvaluateCommand.self, PredictCommand.self, DrawCommand.self],
        defaultSubcommand: FashionCommand.self)

    /// Runs the command; any error ends with one line on stderr and exit status 1 (`--help`
    /// and `--version` exit 0), even when stderr cannot be written.
    static func main() {
        StandardStreams.prepare()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = Self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            StandardStreams.writeError("fashion: \(message)")
            Foundation.exit(1)
        }
    }
}

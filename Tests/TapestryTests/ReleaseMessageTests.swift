import Foundation
import XCTest

/// A misuse of the API traps with a message naming the op and both shapes, also in a
/// release (`-O`) build, where the standard library's `precondition` would print only
/// "precondition failure". Runs the release build of `Tests/Support/misuse-probe`.
final class ReleaseMessageTests: XCTestCase {
    /// The package root: three levels above this file (Tests/TapestryTests/…).
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private struct Outcome {
        let status: Int32
        let reason: Process.TerminationReason
        let standardError: String
    }

    /// Runs `misuse-probe <misuse>` from the release build and collects how it ended.
    private func runProbe(_ misuse: String, file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        let probe = Self.packageRoot.appendingPathComponent(".build/release/misuse-probe")
        guard FileManager.default.isExecutableFile(atPath: probe.path) else {
            XCTFail("\(probe.path) is missing: run `swift build -c release --product misuse-probe` first (make unit-tests does)",
                    file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = probe
        process.arguments = [misuse]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"      // the message, not a backtrace
        process.environment = environment
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, reason: process.terminationReason,
                       standardError: String(decoding: data, as: UTF8.self))
    }

    private func assertTraps(_ misuse: String, mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try runProbe(misuse, file: file, line: line)
        XCTAssertTrue(outcome.reason == .uncaughtSignal || outcome.status != 0,
                      "\(misuse): the probe exited normally:\n\(outcome.standardError)", file: file, line: line)
        XCTAssertFalse(outcome.standardError.contains("did not trap"), file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(outcome.standardError.contains(fragment),
                          "\(misuse): stderr lacks \"\(fragment)\":\n\(outcome.standardError)", file: file, line: line)
        }
    }

    func testDifferentiatingAOnceDifferentiableGradientNamesTheOp() throws {
        try assertTraps("onceDifferentiable", mentioning: ["Fatal error", "raw_square", "once-differentiable"])
    }

    func testACustomPullbackThatBypassesTheTapeNamesTheOp() throws {
        try assertTraps("untrackedPullback", mentioning: ["raw_cube", "isOnceDifferentiable: true"])
    }

    func testAnOpJoiningTwoRecordingTapesTraps() throws {
        try assertTraps("mixedTapes", mentioning: ["multiply", "[2]", "another tape"])
    }

    func testMatmulOfMismatchedShapesNamesOpAndShapes() throws {
        try assertTraps("matmul", mentioning: ["Fatal error", "matmul", "[2, 3]", "[4, 5]"])
    }

    func testAddOfIncompatibleShapesNamesOpAndShapes() throws {
        try assertTraps("add", mentioning: ["add", "[2, 3]", "[4]", "broadcast"])
    }

    func testReshapeToWrongCountNamesOpAndShapes() throws {
        try assertTraps("reshape", mentioning: ["reshape", "[2, 3]", "[4, 5]"])
    }

    func testLinearWithWrongBiasNamesOpAndShapes() throws {
        try assertTraps("linear", mentioning: ["linear", "[5]", "[3, 4]"])
    }

    func testLabelOutOfRangeNamesOpLabelAndShape() throws {
        try assertTraps("labels", mentioning: ["sparse_softmax_cross_entropy", "label 7", "0..<3", "[2, 3]"])
    }

    func testPullbackOfWrongShapeIsCaughtByTheTape() throws {
        try assertTraps("pullback", mentioning: ["bad_pullback", "[3, 3]", "[2, 3]"])
    }

    func testPublicCheckPreconditionKeepsItsMessageInAnotherModule() throws {
        try assertTraps("checkPrecondition", mentioning: ["probe_op", "[2, 3]", "[4, 5]"])
    }

    func testTheRecommendedShadowKeepsAnotherModulesPreconditionMessages() throws {
        try assertTraps("shadow", mentioning: ["shadowed_op", "[2, 3]", "[4, 5]"])
    }
}

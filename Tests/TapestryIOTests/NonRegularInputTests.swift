// NonRegularInputTests.swift: every TapestryIO file reader refuses FIFOs, devices, folders and
// links to them at once, naming the file — none blocks or reads without end.

import Foundation
import Tapestry
import TapestryIO
import TestSupport
import XCTest

final class NonRegularInputTests: XCTestCase {
    private func assertEveryKindIsRefused(
        named name: String, line: UInt = #line, _ read: @escaping @Sendable (URL) throws -> Void
    ) throws {
        let folder = try makeTemporaryDirectory(self)
        for input in try nonRegularFiles(in: folder, named: name) {
            assertRefusedQuickly(input, line: line, { try read(input.url) }) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(input.url.path), "\(input): \(text)", line: line)
                XCTAssertTrue(text.contains(input.kind), "\(input): \(text)", line: line)
                XCTAssertFalse(text.contains("\n"), "\(input): \(text)", line: line)
            }
        }
    }

    func testSafeTensorsCheckpoints() throws {
        try assertEveryKindIsRefused(named: "weights.safetensors") { _ = try SafeTensors(contentsOf: $0) }
    }

    func testNumPyArrays() throws {
        try assertEveryKindIsRefused(named: "array.npy") { _ = try NumPyArray(contentsOf: $0) }
    }

    func testNumPyArchives() throws {
        try assertEveryKindIsRefused(named: "arrays.npz") { _ = try NumPyArchive(contentsOf: $0) }
    }
}

// IDXShapeOverflowTests.swift: regressions found by fuzzing (Tests/Fuzz/FuzzIDX): a zero
// dimension must not let absurd other dimensions through, since code that multiplies some of
// them (rows × columns) would overflow and trap.

import Foundation
import TestSupport
import TapestryData
import XCTest

final class IDXShapeOverflowTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    /// Reads `bytes`, gzip-compressed, and returns the error `IDX.read` throws.
    private func readError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> DatasetError? {
        let url = directory.appendingPathComponent("shape.gz")
        try Gzip.write(bytes, to: url)
        do {
            let decoded = try IDX.read(gzipFile: url, name: "shape.gz")
            XCTFail("accepted shape \(decoded.array.shape)", file: file, line: line)
            return nil
        } catch let error as DatasetError {
            return error
        }
    }

    /// FuzzIDX crash: float64 [4294967295, 4294967060, 0, 8] holds no element, but its first two
    /// dimensions multiply past Int.max (the decoder multiplied in UInt64, where they fit).
    func testZeroDimensionAfterHugeOnesIsRefused() throws {
        let bytes = IDXBytes.make(type: 0x0E, dimensions: [0xFFFF_FFFF, 0xFFFF_FF14, 0, 8], payload: [])
        let error = try readError(bytes)
        XCTAssertEqual(
            error?.description,
            "shape.gz: invalid IDX header: the dimensions 4,294,967,295 × 4,294,967,060 × 0 × 8 of 8-byte "
                + "elements hold no element, but without the zero they multiply past 2^63 bytes")
    }

    /// Zero images of 4294967295 × 4294967295 pixels: accepted before, and then
    /// `LabeledImages.pixelsPerImage` (rows × columns) trapped on overflow.
    func testZeroImagesOfImpossibleSizeAreRefused() throws {
        let bytes = IDXBytes.make(dimensions: [0, 0xFFFF_FFFF, 0xFFFF_FFFF], payload: [])
        let error = try readError(bytes)
        guard case .invalidHeader(let file, _)? = error else {
            return XCTFail("expected an invalid header, got \(String(describing: error))")
        }
        XCTAssertEqual(file, "shape.gz")
    }

    /// Large but representable shapes with a zero still decode: the limit is overflow, not size.
    func testZeroImagesOfLargeButPossibleSizeDecode() throws {
        let url = directory.appendingPathComponent("large.gz")
        try Gzip.write(IDXBytes.make(dimensions: [0, 0xFFFF_FFFF, 0x7FFF_FFFF], payload: []), to: url)
        let decoded = try IDX.read(gzipFile: url, expectedMagic: IDX.imagesMagic)
        XCTAssertEqual(decoded.array.shape, [0, 0xFFFF_FFFF, 0x7FFF_FFFF])
        XCTAssertEqual(decoded.array.count, 0)

        // Such an empty split works, rows × columns included.
        let labelsURL = directory.appendingPathComponent("labels.gz")
        try Gzip.write(IDXBytes.labels([]), to: labelsURL)
        let labels = try IDX.read(gzipFile: labelsURL, expectedMagic: IDX.labelsMagic)
        let split = try LabeledImages(
            images: decoded.array, labels: labels.array, classCount: 10, imagesFile: "large.gz", labelsFile: "labels.gz")
        XCTAssertEqual(split.count, 0)
        XCTAssertEqual(split.pixelsPerImage, 0xFFFF_FFFF * 0x7FFF_FFFF)
        XCTAssertEqual(split.prefix(5).count, 0)
        XCTAssertEqual(split.gatherImages(at: [Int]()), [])
        XCTAssertEqual(split.classCounts(), Array(repeating: 0, count: 10))
    }
}

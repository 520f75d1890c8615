import Foundation
import Tapestry
import XCTest
@testable import TapestryIO

/// `.npy` and `.npz` checked against the real NumPy of the test-only venv (`make venv`):
/// NumPy reads what Tapestry writes, and Tapestry reads (or clearly rejects) what NumPy writes.
final class NumPyInteropTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("numpy-interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// What NumPy says about one array.
    fileprivate struct Described: Decodable, Equatable {
        let dtype: String
        let shape: [Int]
        let hex: String
    }

    func testNumPyReadsWhatTapestryWrites() throws {
        let arrays: [String: NumPyArray] = [
            "f32.npy": NumPyArray(Tensor<Float>(shape: [2, 3], scalars: [1, -2.5, .pi, .leastNormalMagnitude / 4, -0.0, 65504])),
            "f64.npy": NumPyArray(Tensor<Double>(shape: [3, 1, 2], scalars: [0.1, -1e300, 2, 3, 4, .infinity])),
            "i32.npy": NumPyArray(Tensor<Int32>([Int32.min, -1, 0, Int32.max])),
            "i64.npy": NumPyArray(Tensor<Int64>([[Int64.min], [Int64.max]])),
            "scalar.npy": NumPyArray(Tensor<Double>(42.5)),
            "empty.npy": NumPyArray(Tensor<Float>(shape: [0, 3], scalars: [])),
            "empty-rank3.npy": NumPyArray(Tensor<Int64>(shape: [2, 0, 1], scalars: [])),
        ]
        var paths: [String] = []
        for (name, array) in arrays {
            let url = folder.appendingPathComponent(name)
            try array.write(to: url)
            paths.append(url.path)
        }
        var archive = NumPyArchive()
        archive.setArray(arrays["f32.npy"]!, named: "kernel")
        archive.setArray(arrays["i64.npy"]!, named: "labels")
        archive.setArray(arrays["scalar.npy"]!, named: "step")
        archive.setArray(arrays["empty.npy"]!, named: "nothing")
        for (name, compressed) in [("stored.npz", false), ("deflated.npz", true)] {
            let url = folder.appendingPathComponent(name)
            try archive.write(to: url, compressed: compressed)
            paths.append(url.path)
        }

        let output = try InteropPython.run([InteropPython.script("check_numpy.py"), "read"] + paths)
        let seen = try JSONSerialization.jsonObject(with: output) as? [String: Any] ?? [:]
        for (name, array) in arrays {
            let described = try decode(seen[name], as: Described.self)
            XCTAssertEqual(described, Described(array), name)
        }
        for name in ["stored.npz", "deflated.npz"] {
            let members = try decode(seen[name], as: [String: Described].self)
            XCTAssertEqual(Set(members.keys), ["kernel", "labels", "step", "nothing"], name)
            for (member, described) in members {
                XCTAssertEqual(described, Described(try XCTUnwrap(archive[member])), "\(name): \(member)")
            }
        }
    }

    func testTapestryReadsOrRejectsWhatNumPyWrites() throws {
        _ = try InteropPython.run([InteropPython.script("check_numpy.py"), "write", folder.path])
        let manifestData = try Data(contentsOf: folder.appendingPathComponent("manifest.json"))
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: manifestData) as? [String: [String: Any]])
        XCTAssertGreaterThanOrEqual(manifest.count, 20)
        for (name, entry) in manifest.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(name)
            if let error = entry["error"] as? String {
                XCTAssertThrowsError(try read(url), name) { thrown in
                    let text = String(describing: thrown)
                    XCTAssertTrue(thrown is NumPyError, "\(name): \(type(of: thrown))")
                    XCTAssertTrue(text.hasPrefix(url.path + ": "), "\(name): \(text)")
                    XCTAssertTrue(text.contains(error), "\(name): expected '\(error)' in: \(text)")
                    XCTAssertFalse(text.contains("\n"), text)
                }
                continue
            }
            if name.hasSuffix(".npz") {
                let archive = try NumPyArchive(contentsOf: url)
                let expected = try decode(entry["expect"], as: [String: Described].self)
                XCTAssertEqual(Set(archive.names), Set(expected.keys), name)
                for (member, described) in expected {
                    XCTAssertEqual(Described(try XCTUnwrap(archive[member])), described, "\(name): \(member)")
                }
            } else {
                let expected = try decode(entry["expect"], as: Described.self)
                XCTAssertEqual(Described(try NumPyArray(contentsOf: url)), expected, name)
            }
        }
        // The values, not only the bytes, come through as tensors.
        let labels: Tensor<Int64> = try NumPyArchive(contentsOf: folder.appendingPathComponent("deflated.npz")).tensor("labels")
        XCTAssertEqual(labels.scalars, [3, 1, 4, 1, 5])
        let i32: Tensor<Int32> = try NumPyArray(contentsOf: folder.appendingPathComponent("i32.npy")).tensor()
        XCTAssertEqual(i32.shape, [3, 4])
        XCTAssertEqual(i32.scalars, Array(-5..<7).map(Int32.init))
    }

    private func read(_ url: URL) throws {
        if url.pathExtension == "npz" { _ = try NumPyArchive(contentsOf: url) } else { _ = try NumPyArray(contentsOf: url) }
    }

    private func decode<T: Decodable>(_ value: Any?, as _: T.Type) throws -> T {
        let object = try XCTUnwrap(value, "missing from NumPy's output")
        return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))
    }
}

extension NumPyInteropTests.Described {
    init(_ array: NumPyArray) {
        self.init(dtype: array.dtype.descr, shape: array.shape, hex: array.bytes.map { String(format: "%02x", $0) }.joined())
    }
}

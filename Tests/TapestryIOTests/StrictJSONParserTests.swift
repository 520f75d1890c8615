// StrictJSONParserTests.swift: valid documents parse; each kind of malformed input is rejected
// with an error naming its byte offset.

import TapestryIO
import XCTest

final class StrictJSONParserTests: XCTestCase {
    // MARK: Valid documents

    func testAConfigDocumentParsesWithItsStructure() throws {
        let root = try StrictJSONParser.parse("""
             {"name": "mlp", "layers": [{"kind": "dense", "units": 64}, {"kind": "relu"}],
              "rate": 1.5e-3, "seed": null, "shuffle": true, "empty": {}, "none": []}\t\r\n
            """)
        XCTAssertEqual(root.kind, .object)
        XCTAssertEqual(try root.members.map(\.key), ["name", "layers", "rate", "seed", "shuffle", "empty", "none"])
        XCTAssertEqual(try root.member("name").string(), "mlp")
        let layers = try root.member("layers")
        XCTAssertEqual(try layers.elements.map { try $0.member("kind").string() }, ["dense", "relu"])
        XCTAssertEqual(try layers.element(at: 0).member("units").int(), 64)
        XCTAssertEqual(try root.member("rate").double(), 1.5e-3)
        XCTAssertEqual(try root.member("rate").numberText(), "1.5e-3")
        XCTAssertTrue(try root.member("seed").isNull)
        XCTAssertEqual(try root.member("shuffle").bool(), true)
        XCTAssertEqual(try root.member("empty").members.underestimatedCount, 0)
        XCTAssertEqual(try Array(root.member("none").elements).count, 0)
        XCTAssertNil(try root.value(forKey: "missing"))
        XCTAssertEqual(try root.member("layers").byteOffset, 27)
    }

    func testScalarsNumbersAndEscapes() throws {
        XCTAssertEqual(try StrictJSONParser.parse(" \"top\" ").string(), "top")
        XCTAssertEqual(try StrictJSONParser.parse("false").bool(), false)
        XCTAssertEqual(try StrictJSONParser.parse("-0").int(), 0)
        XCTAssertEqual(try StrictJSONParser.parse("-9223372036854775808").int(), .min)
        XCTAssertEqual(try StrictJSONParser.parse("1E+2").double(), 100)
        XCTAssertEqual(try StrictJSONParser.parse("0.25e-1").double(), 0.025)
        let text = try StrictJSONParser.parse(#""q\"\\\/\b\f\n\r\t \u00e9\u4E2D\ud83d\ude00 é""#).string()
        XCTAssertEqual(text, "q\"\\/\u{8}\u{C}\n\r\t é中😀 é")
        // Keys are matched after decoding escapes.
        let object = try StrictJSONParser.parse(#"{"caf\u00e9": 1, "tab\t": 2}"#)
        XCTAssertEqual(try object.member("café").int(), 1)
        XCTAssertEqual(try object.member("tab\t").int(), 2)
        // 64 levels of nesting are accepted.
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertEqual(try StrictJSONParser.parse(deep).kind, .array)
    }

    func testOffsetsAreIndicesOfTheSliceParsed() throws {
        let good = Array("xxxxx{\"a\": [1, 2]}".utf8)
        XCTAssertEqual(try StrictJSONParser.parse(good[5...]).member("a").byteOffset, 11)
        let bad = Array("xxxxx{\"a\": [1, oops]}".utf8)
        assertRejected(bad[5...], at: 15, .unexpected(found: "'o'", expected: "a JSON value"))
    }

    // MARK: Rejections

    func testDuplicateKeysAreRejectedAtTheSecondKey() {
        assertRejected(#"{"w": 1, "w": 2}"#, at: 9, .duplicateKey("w"))
        assertRejected(#"{"a": 1, "\u0061": 2}"#, at: 9, .duplicateKey("a"))
        assertRejected(#"[{"a": {"b": 1, "c": 2, "b": 3}}]"#, at: 24, .duplicateKey("b"))
        // The same key in different objects is fine.
        XCTAssertNoThrow(try StrictJSONParser.parse(#"[{"a": 1}, {"a": {"a": 2}}]"#))
    }

    func testTrailingGarbageIsRejected() {
        assertRejected("{} {}", at: 3, .trailingData(found: "'{'"))
        assertRejected("1 2", at: 2, .trailingData(found: "'2'"))
        assertRejected("nullx", at: 4, .trailingData(found: "'x'"))
        assertRejected([0x7B, 0x7D, 0x00], at: 2, .trailingData(found: "byte 0x0"))
    }

    func testControlCharactersAndBadStringsAreRejected() {
        assertRejected("\"a\u{1}b\"", at: 2, .unescapedControlCharacter(1))
        assertRejected("[\"tab\there\"]", at: 5, .unescapedControlCharacter(9))
        assertRejected(#""\x""#, at: 2, .invalidEscape("invalid escape sequence: backslash followed by 'x'"))
        assertRejected(#""\u12G4""#, at: 5, .invalidEscape("expected a hex digit in a \\u escape, found 'G'"))
        assertRejected(#""\ud800""#, at: 7, .unpairedSurrogate)
        assertRejected(#""\udc00""#, at: 7, .unpairedSurrogate)
        assertRejected(#""\ud800\u0041""#, at: 13, .unpairedSurrogate)
        assertRejected("  \"open", at: 2, .unterminatedString)
        // Invalid UTF-8: a stray continuation byte, an overlong '/', an encoded surrogate, a cut sequence.
        assertRejected([0x22, 0x61, 0x80, 0x22], at: 2, .invalidUTF8)
        assertRejected([0x22, 0xC0, 0xAF, 0x22], at: 1, .invalidUTF8)
        assertRejected([0x22, 0xED, 0xA0, 0x80, 0x22], at: 1, .invalidUTF8)
        assertRejected([0x22, 0xE4, 0xB8], at: 1, .invalidUTF8)
    }

    func testNumbersOutsideJSONsFormAreRejected() {
        assertRejected("01", at: 1, .trailingData(found: "'1'"))
        assertRejected("[01]", at: 2, .unexpected(found: "'1'", expected: "',' or ']' in an array"))
        assertRejected("1.", at: 2, .invalidNumber("expected a digit after '.'"))
        assertRejected("-", at: 1, .invalidNumber("expected a digit"))
        assertRejected("-x", at: 1, .invalidNumber("expected a digit"))
        assertRejected("2e+", at: 3, .invalidNumber("expected a digit in the exponent"))
        assertRejected(".5", at: 0, .unexpected(found: "'.'", expected: "a JSON value"))
        assertRejected("+1", at: 0, .unexpected(found: "'+'", expected: "a JSON value"))
        assertRejected("NaN", at: 0, .unexpected(found: "'N'", expected: "a JSON value"))
        assertRejected("[tru]", at: 1, .unexpected(found: "'t'", expected: "'true'"))
    }

    func testStructuralErrorsAndDepthAreRejected() {
        assertRejected("", at: 0, .unexpected(found: "end of input", expected: "a JSON value"))
        assertRejected("   ", at: 3, .unexpected(found: "end of input", expected: "a JSON value"))
        assertRejected(#"{"a" 1}"#, at: 5, .unexpected(found: "'1'", expected: "':' after a key"))
        assertRejected(#"{"a": 1,}"#, at: 8, .unexpected(found: "'}'", expected: "a string key"))
        assertRejected(#"{1: 2}"#, at: 1, .unexpected(found: "'1'", expected: "a string key"))
        assertRejected("[1,]", at: 3, .unexpected(found: "']'", expected: "a JSON value"))
        assertRejected("[1 2]", at: 3, .unexpected(found: "'2'", expected: "',' or ']' in an array"))
        assertRejected(#"{"a": 1"#, at: 7, .unexpected(found: "end of input", expected: "',' or '}' in an object"))
        assertRejected(String(repeating: "[", count: 65) + String(repeating: "]", count: 65), at: 64, .tooDeep(limit: 64))
        assertRejected(String(repeating: "{\"k\":", count: 100_000), at: 320, .tooDeep(limit: 64))
    }

    // MARK: Accessors

    func testAccessorsNameTheValueAndWhatWasExpected() throws {
        let root = try StrictJSONParser.parse(#"{"n": 2.5, "big": 99999999999999999999, "s": "x", "e": 1e3, "h": 1e400, "l": [1]}"#)
        assertAccessError(try root.member("s").int(), at: 45, .typeMismatch(expected: .number, found: .string),
                          "at byte 45: expected a JSON number, found a JSON string")
        assertAccessError(try root.member("n").int(), at: 6, .notAnInteger("2.5"), "at byte 6: 2.5 is not an integer")
        assertAccessError(try root.member("e").int(), at: 55, .notAnInteger("1e3"))
        assertAccessError(try root.member("big").int(), at: 18, .numberOutOfRange("99999999999999999999"))
        assertAccessError(try root.member("h").double(), at: 65, .numberOutOfRange("1e400"))
        assertAccessError(try root.member("missing"), at: 0, .missingKey("missing"),
                          #"at byte 0: the object has no key "missing""#)
        assertAccessError(try root.member("l").element(at: 1), at: 77, .indexOutOfRange(index: 1, count: 1))
        assertAccessError(try root.member("l").members, at: 77, .typeMismatch(expected: .object, found: .array))
        assertAccessError(try root.elements, at: 0, .typeMismatch(expected: .array, found: .object))
        assertAccessError(try root.member("s").bool(), at: 45, .typeMismatch(expected: .boolean, found: .string))
        assertAccessError(try root.string(), at: 0, .typeMismatch(expected: .string, found: .object))
        XCTAssertEqual(try root.member("e").double(), 1000)
        XCTAssertEqual(try root.member("big").double(), 1e20)
    }

    func testDescriptionsAreOneLineEvenForKeysWithNewlines() {
        XCTAssertThrowsError(try StrictJSONParser.parse(#"{"k\n": 1, "k\n": 2}"#)) { error in
            XCTAssertEqual(String(describing: error), #"at byte 11: duplicate key "k\n""#)
        }
    }

    // MARK: Helpers

    private func assertRejected(
        _ text: String, at offset: Int, _ reason: JSONError.Reason, file: StaticString = #filePath, line: UInt = #line
    ) {
        assertRejected(Array(text.utf8)[...], at: offset, reason, file: file, line: line)
    }

    private func assertRejected(
        _ bytes: [UInt8], at offset: Int, _ reason: JSONError.Reason, file: StaticString = #filePath, line: UInt = #line
    ) {
        assertRejected(bytes[...], at: offset, reason, file: file, line: line)
    }

    private func assertRejected(
        _ bytes: ArraySlice<UInt8>, at offset: Int, _ reason: JSONError.Reason,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try StrictJSONParser.parse(bytes), file: file, line: line) { error in
            XCTAssertEqual(error as? JSONError, JSONError(byteOffset: offset, reason: reason), file: file, line: line)
            XCTAssertTrue(String(describing: error).hasPrefix("at byte \(offset): "), "\(error)", file: file, line: line)
        }
    }

    private func assertAccessError<T>(
        _ expression: @autoclosure () throws -> T, at offset: Int, _ reason: JSONError.Reason, _ description: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertEqual(error as? JSONError, JSONError(byteOffset: offset, reason: reason), file: file, line: line)
            if let description {
                XCTAssertEqual(String(describing: error), description, file: file, line: line)
            }
        }
    }
}

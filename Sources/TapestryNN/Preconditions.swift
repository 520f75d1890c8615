import Tapestry

// Misuse traps whose messages survive release builds: within TapestryNN these shadow the
// standard library's `precondition` / `preconditionFailure`, which drop their messages
// under -O. See `checkPrecondition` in the core.

@_transparent
func precondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
    file: StaticString = #fileID, line: UInt = #line
) {
    checkPrecondition(condition(), message(), file: file, line: line)
}

@_transparent
func preconditionFailure(_ message: @autoclosure () -> String = String(), file: StaticString = #fileID, line: UInt = #line) -> Never {
    failPrecondition(message(), file: file, line: line)
}

// Checks whose message survives a release build.
//
// In `-O` builds the standard library's `precondition` and `preconditionFailure` drop their
// message and print only "precondition failure"; `fatalError` keeps it. The two internal
// functions below shadow the standard library's inside this module (a module's own
// declarations win over imported ones), so every `precondition(…, "matmul: shapes …")` in
// Tapestry names the op and the shapes in a release binary too. The condition costs what it
// did (the function is transparent, so it inlines into the caller); the message is built
// only on failure.
//
// Other modules get the same behaviour by declaring the same one-line shadows over the
// public `checkPrecondition(_:_:file:line:)` and `failPrecondition(_:file:line:)`.

/// Traps with `message` (kept in release builds) unless `condition` holds; shadows the
/// standard library's `precondition` inside Tapestry.
@_transparent
func precondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
    file: StaticString = #fileID, line: UInt = #line
) {
    if _slowPath(!condition()) { fatalError(message(), file: file, line: line) }
}

/// Traps with `message` (kept in release builds); shadows the standard library's
/// `preconditionFailure` inside Tapestry.
@_transparent
func preconditionFailure(
    _ message: @autoclosure () -> String = String(), file: StaticString = #fileID, line: UInt = #line
) -> Never {
    fatalError(message(), file: file, line: line)
}

/// Traps with `message` unless `condition` holds, like `precondition`, but the message is
/// printed in release (`-O`) builds too, where `precondition` prints only
/// "precondition failure".
///
/// The condition is evaluated as cheaply as `precondition`'s (the call inlines); the message
/// is built only when the check fails. A module that wants every one of its preconditions
/// to keep its message declares this internal shadow once:
///
/// ```swift
/// @_transparent
/// func precondition(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
///                   file: StaticString = #fileID, line: UInt = #line) {
///     checkPrecondition(condition(), message(), file: file, line: line)
/// }
/// ```
///
/// - Parameters:
///   - condition: what must hold; a programmer error if it does not.
///   - message: what went wrong; name the op and the shapes involved.
///   - file: the file of the check, reported with the message.
///   - line: the line of the check, reported with the message.
@inlinable @inline(__always)
public func checkPrecondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
    file: StaticString = #fileID, line: UInt = #line
) {
    if _slowPath(!condition()) { fatalError(message(), file: file, line: line) }
}

/// Traps with `message`, printed in release (`-O`) builds too, where `preconditionFailure`
/// prints only "precondition failure". The companion of `checkPrecondition(_:_:file:line:)`
/// for a failure already detected.
@inlinable @inline(__always)
public func failPrecondition(
    _ message: @autoclosure () -> String = String(), file: StaticString = #fileID, line: UInt = #line
) -> Never {
    fatalError(message(), file: file, line: line)
}

// Platform.swift: the one place Tapestry chooses its C library. Every module that imports
// TapestryIO sees `open`, `write`, `fsync`, `errno`, `strerror`, … from Glibc, Musl or Darwin.

#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Musl)
@_exported import Musl
#elseif canImport(Darwin)
@_exported import Darwin
#endif

/// The system's message for an `errno` value, e.g. `No such file or directory`.
func systemErrorMessage(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// `write(2)`, under a name that types with their own `write` methods can call.
func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

// StandardStreams.swift: writing diagnostics so that a closed or full stderr (or stdout) can
// never crash the command: it still ends with its exit status.

import TapestryIO

/// The command's standard streams, made safe to write to whatever they are connected to.
enum StandardStreams {
    /// Call first thing in `main`: SIGPIPE is ignored (a write to a closed pipe then fails with
    /// EPIPE instead of killing the process), and a closed descriptor 0, 1 or 2 is reopened on
    /// `/dev/null`, so no file the command opens (a checkpoint's temporary file) can get that
    /// number and receive `print`'s output.
    static func prepare() {
        _ = signal(SIGPIPE, SIG_IGN)
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", O_RDWR)
            if opened >= 0 && opened != descriptor {
                _ = dup2(opened, descriptor)
                _ = close(opened)
            }
        }
    }

    /// Writes `line` and a newline to standard error with `write(2)`; a failure (stderr closed,
    /// full, a broken pipe) is ignored, never trapped on: the exit status still tells.
    static func writeError(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}

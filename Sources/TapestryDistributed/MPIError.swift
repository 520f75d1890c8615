/// A failure of the MPI library, with its own explanation.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    /// The MPI call that failed (`MPI_Allreduce`).
    public let operation: String
    /// MPI's error code.
    public let code: Int32
    /// MPI's explanation of the code.
    public let reason: String

    /// Describes a failed call.
    public init(operation: String, code: Int32, reason: String) {
        self.operation = operation
        self.code = code
        self.reason = reason
    }

    /// `MPI_Allreduce failed (code 15): MPI_ERR_TRUNCATE: message truncated`.
    public var description: String { "\(operation) failed (code \(code)): \(reason)" }
}

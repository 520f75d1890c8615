import CMPI
import Foundation
import TapestryNN

/// The processes `mpirun` started (MPI's world communicator), as a `DataParallelism` group
/// for `DataParallelTraining`.
///
/// ```
/// let group = try MPIProcessGroup.start()
/// defer { group.finish() }
/// try model.fit(data, batchSize: 64, callbacks: [DataParallelTraining(group: group)])
/// ```
///
/// Every collective runs under a watchdog: one that waits longer than `collectiveTimeout`
/// seconds (a peer rank died or hangs) ends this process with status 70 and a message saying
/// so, and `mpirun` then ends the others. MPI errors are thrown as `MPIError`.
public final class MPIProcessGroup: DataParallelism, @unchecked Sendable {
    // @unchecked: MPI is initialised for one thread; the group is used from the thread that
    // started it (the watchdog calls no MPI function).

    /// This process's rank in the world communicator.
    public let rank: Int
    /// The number of processes in the world communicator.
    public let worldSize: Int
    /// The seconds any one collective may wait for the other ranks.
    public let collectiveTimeout: Double
    private let watchdog: CollectiveWatchdog
    private var finished = false

    private init(rank: Int, worldSize: Int, collectiveTimeout: Double) {
        self.rank = rank
        self.worldSize = worldSize
        self.collectiveTimeout = collectiveTimeout
        watchdog = CollectiveWatchdog(timeout: collectiveTimeout, rank: rank)
    }

    /// Initialises MPI (once per process) and returns the world's group; started without
    /// `mpirun`, the process is a world of one.
    ///
    /// - Parameter collectiveTimeout: the seconds a collective may wait before the watchdog
    ///   ends the process; must be positive.
    /// - Throws: `MPIError` if MPI cannot start or was already finalized.
    public static func start(collectiveTimeout: Double = 60) throws -> MPIProcessGroup {
        guard collectiveTimeout > 0, collectiveTimeout.isFinite else {
            throw MPIError(operation: "MPIProcessGroup.start", code: -1,
                           reason: "collectiveTimeout must be a positive number of seconds, got \(collectiveTimeout)")
        }
        var initialized: Int32 = 0
        try check(MPI_Initialized(&initialized), "MPI_Initialized")
        if initialized == 0 { try check(MPI_Init(nil, nil), "MPI_Init") }
        try check(MPI_Comm_set_errhandler(tapestry_mpi_comm_world(), tapestry_mpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_rank(tapestry_mpi_comm_world(), &rank), "MPI_Comm_rank")
        try check(MPI_Comm_size(tapestry_mpi_comm_world(), &size), "MPI_Comm_size")
        return MPIProcessGroup(rank: Int(rank), worldSize: Int(size), collectiveTimeout: collectiveTimeout)
    }

    /// Finalizes MPI; every rank must call it before exiting normally. Calling it again does nothing.
    public func finish() {
        guard !finished else { return }
        finished = true
        _ = watchdog.guarding("MPI_Finalize") { MPI_Finalize() }
    }

    /// Ends every rank of the job with `status` (MPI_Abort), for a failure one rank cannot
    /// recover from while the others wait in a collective.
    public func abort(status: Int32) -> Never {
        MPI_Abort(tapestry_mpi_comm_world(), status)
        exit(status)
    }

    /// Waits until every rank has called it.
    public func barrier() throws {
        try watchdog.guarding("MPI_Barrier") { try Self.check(MPI_Barrier(tapestry_mpi_comm_world()), "MPI_Barrier") }
    }

    /// Sums `values` elementwise over the ranks, in place (MPI_Allreduce).
    public func sumAcrossRanks(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try allReduce(values.baseAddress, count: values.count, type: tapestry_mpi_float())
    }

    /// Sums `values` elementwise over the ranks, in place (MPI_Allreduce).
    public func sumAcrossRanks(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try allReduce(values.baseAddress, count: values.count, type: tapestry_mpi_double())
    }

    /// Replaces `values` with rank `root`'s (MPI_Bcast).
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws {
        try broadcast(values.baseAddress, count: values.count, type: tapestry_mpi_float(), root: root)
    }

    /// Replaces `values` with rank `root`'s (MPI_Bcast).
    public func broadcast(_ values: UnsafeMutableBufferPointer<Double>, from root: Int) throws {
        try broadcast(values.baseAddress, count: values.count, type: tapestry_mpi_double(), root: root)
    }

    private func allReduce(_ base: UnsafeMutableRawPointer?, count: Int, type: MPI_Datatype) throws {
        guard count > 0 else { return }
        try Self.requireCount(count, "MPI_Allreduce")
        try watchdog.guarding("MPI_Allreduce") {
            try Self.check(MPI_Allreduce(tapestry_mpi_in_place(), base, Int32(count), type, tapestry_mpi_sum(),
                                         tapestry_mpi_comm_world()), "MPI_Allreduce")
        }
    }

    private func broadcast(_ base: UnsafeMutableRawPointer?, count: Int, type: MPI_Datatype, root: Int) throws {
        guard count > 0 else { return }
        try Self.requireCount(count, "MPI_Bcast")
        guard (0..<worldSize).contains(root) else {
            throw MPIError(operation: "MPI_Bcast", code: -1, reason: "root \(root) is not a rank of a world of \(worldSize)")
        }
        try watchdog.guarding("MPI_Bcast") {
            try Self.check(MPI_Bcast(base, Int32(count), type, Int32(root), tapestry_mpi_comm_world()), "MPI_Bcast")
        }
    }

    private static func requireCount(_ count: Int, _ operation: String) throws {
        guard count <= Int(Int32.max) else {
            throw MPIError(operation: operation, code: -1, reason: "\(count) values exceed MPI's count limit of \(Int32.max)")
        }
    }

    private static func check(_ code: Int32, _ operation: String) throws {
        guard code != tapestry_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(tapestry_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        _ = MPI_Error_string(code, &text, &length)
        throw MPIError(operation: operation, code: code, reason: String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}

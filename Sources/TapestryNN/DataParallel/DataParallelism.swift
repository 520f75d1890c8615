import Tapestry

/// The processes of one data-parallel training run and the two collectives they need:
/// an all-reduce sum and a broadcast.
///
/// TapestryNN defines what synchronous data parallelism asks of a transport and nothing
/// more, so it links no communication library; `TapestryDistributed` implements it over
/// MPI (`MPIProcessGroup`). Every rank must call each collective in the same order with
/// buffers of the same length, as MPI requires.
public protocol DataParallelism: AnyObject {
    /// This process's number among the ranks, `0..<worldSize`; rank 0 reports and writes files.
    var rank: Int { get }
    /// The number of processes training together.
    var worldSize: Int { get }
    /// Replaces `values`, on every rank, with their elementwise sum over all ranks.
    func sumAcrossRanks(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `values`, on every rank, with their elementwise sum over all ranks.
    func sumAcrossRanks(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Replaces `values`, on every rank, with those of rank `root`.
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws
    /// Replaces `values`, on every rank, with those of rank `root`.
    func broadcast(_ values: UnsafeMutableBufferPointer<Double>, from root: Int) throws
}

extension DataParallelism {
    /// Whether this is rank 0, the one that prints progress and writes files.
    public var isReporting: Bool { rank == 0 }

    /// The elementwise sum over all ranks of a buffer of any tensor scalar type.
    func sumAcrossRanks<Scalar: TensorScalar>(of values: UnsafeMutableBufferPointer<Scalar>) throws {
        let raw = UnsafeMutableRawBufferPointer(values)
        if Scalar.self == Float.self {
            try sumAcrossRanks(UnsafeMutableBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Float.self), count: values.count))
        } else if Scalar.self == Double.self {
            try sumAcrossRanks(UnsafeMutableBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Double.self), count: values.count))
        } else {
            failPrecondition("DataParallelism.sumAcrossRanks: scalars of type \(Scalar.self) are neither Float nor Double")
        }
    }

    /// Rank `root`'s copy of a buffer of any tensor scalar type, on every rank.
    func broadcast<Scalar: TensorScalar>(of values: UnsafeMutableBufferPointer<Scalar>, from root: Int) throws {
        let raw = UnsafeMutableRawBufferPointer(values)
        if Scalar.self == Float.self {
            try broadcast(UnsafeMutableBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Float.self), count: values.count),
                          from: root)
        } else if Scalar.self == Double.self {
            try broadcast(UnsafeMutableBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Double.self), count: values.count),
                          from: root)
        } else {
            failPrecondition("DataParallelism.broadcast: scalars of type \(Scalar.self) are neither Float nor Double")
        }
    }

    /// The part of a global batch this rank trains on: contiguous, the sizes of any two
    /// ranks' parts differing by at most one (a rank may get none of a short last batch).
    public func shard<C: Collection>(of batch: C) -> C.SubSequence {
        let start = batch.count * rank / worldSize, end = batch.count * (rank + 1) / worldSize
        return batch[batch.index(batch.startIndex, offsetBy: start)..<batch.index(batch.startIndex, offsetBy: end)]
    }
}

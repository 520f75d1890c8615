import Foundation
import TapestryDistributed
import TapestryNN

#if canImport(Glibc)
import Glibc
#endif

/// `mpirun -np N fashion --data-parallel …`: the demo on every rank, training together
/// through `DataParallelTraining` over MPI. Rank 0 prints and writes every file; the other
/// ranks train silently (their standard output goes to /dev/null, errors still show).
struct DataParallelRun {
    let options: FashionCommand

    func run() throws {
        let group = try MPIProcessGroup.start()
        defer { group.finish() }
        var rankOptions = options
        if !group.isReporting {
            rankOptions.verbose = 0
            (rankOptions.saveWeights, rankOptions.saveModel, rankOptions.exportOnnx) = (nil, nil, nil)
            (rankOptions.metricsJSON, rankOptions.tensorboard) = (nil, nil)
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { dup2(null, STDOUT_FILENO) }
        }
        let parallel = DataParallelTraining<Float>(group: group)
        do {
            try FashionDemo(options: rankOptions, parallel: parallel).run()
        } catch {
            // The other ranks may be waiting in a collective: end them all.
            StandardStreams.writeError("fashion: rank \(group.rank): \(error)")
            group.abort(status: 1)
        }
        let timing = parallel.timing
        if group.isReporting, options.verbose > 0, timing.steps > 0 {
            let steps = Double(timing.steps)
            print("Data parallel over \(group.worldSize) ranks: \(timing.steps) steps of "
                  + "\(format(timing.stepSeconds / steps * 1000, digits: 2)) ms, of which the all-reduce took "
                  + "\(format(timing.allReduceSeconds / steps * 1000, digits: 2)) ms (rank 0)")
        }
    }
}

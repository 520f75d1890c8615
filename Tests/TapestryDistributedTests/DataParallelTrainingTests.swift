import Foundation
import XCTest

/// Data-parallel training under `mpirun` on the loopback interface: the same weights as one
/// process, on every rank, and a job that ends, rather than hangs, when a rank dies.
final class DataParallelTrainingTests: XCTestCase {
    /// The largest relative difference between two weight vectors, over their largest magnitude.
    private func relativeDifference(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(a.map(abs).max() ?? 0, Float.leastNormalMagnitude)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Rank 0's last epoch logs: `loss`, `accuracy`, `val_loss`, `val_accuracy`.
    private func logs(_ result: MPIJobResult) throws -> [String: Double] {
        guard let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("logs ") }) else {
            throw JobFailure("no logs line in:\n\(result.output)")
        }
        return Dictionary(uniqueKeysWithValues: line.dropFirst(5).split(separator: " ").compactMap { pair in
            let parts = pair.split(separator: "=")
            return parts.count == 2 ? Double(parts[1]).map { (String(parts[0]), $0) } : nil
        })
    }

    private func train(ranks: Int, _ arguments: [String]) throws -> (result: MPIJobResult, weights: [[Float]]) {
        let folder = try MPIJob.temporaryFolder(self)
        let result = try MPIJob.run(ranks: ranks, ["--output", folder.path] + arguments, in: folder)
        guard result.status == 0 else { throw JobFailure("mpirun -np \(ranks) failed (\(result.status)):\n\(result.output)") }
        return (result, try (0..<ranks).map { try MPIJob.weights(ofRank: $0, in: folder) })
    }

    /// 50 steps of the MLP: 2 ranks × 16 samples a step end where 1 rank × 32 does, and both
    /// ranks hold the same weights. 1,585 samples make the last batch 17 (shards of 8 and 9).
    func testTwoRanksOfHalfBatchesMatchOneRankOfWholeBatches() throws {
        let arguments = ["--samples", "1585", "--batch-size", "32"]
        let single = try train(ranks: 1, arguments)
        let pair = try train(ranks: 2, arguments)
        XCTAssertTrue(single.result.output.contains("steps=50"), single.result.output)
        XCTAssertEqual(single.weights[0].count, 55_050)
        XCTAssertEqual(pair.weights[0], pair.weights[1], "the two ranks' weights differ")
        let difference = relativeDifference(single.weights[0], pair.weights[0])
        XCTAssertLessThanOrEqual(difference, 1e-5, "2 ranks × 16 vs 1 rank × 32: relative difference \(difference)")
        // The epoch's loss (whole batches) and accuracy (averaged over the ranks) are one process's.
        let (singleLogs, pairLogs) = (try logs(single.result), try logs(pair.result))
        XCTAssertEqual(pairLogs["loss"] ?? .nan, singleLogs["loss"] ?? 0, accuracy: 1e-5)
        XCTAssertEqual(pairLogs["accuracy"] ?? .nan, singleLogs["accuracy"] ?? 0, accuracy: 1e-6)
        // Training moved the weights: the comparison is not between two initialisations.
        let untrained = try train(ranks: 1, ["--samples", "32", "--batch-size", "32", "--epochs", "0"])
        XCTAssertGreaterThan(relativeDifference(untrained.weights[0], single.weights[0]), 1e-3)
    }

    /// A last batch of one sample leaves rank 1 nothing; the step still equals one process's.
    /// 21 of the 118 samples are held out: validation is split over the ranks (10 and 11) and
    /// combined into one process's figures.
    func testShortLastBatchLeavingARankEmpty() throws {
        let arguments = ["--samples", "118", "--validation-split", "0.178", "--batch-size", "32", "--epochs", "2"]
        let single = try train(ranks: 1, arguments)
        let pair = try train(ranks: 2, arguments)
        XCTAssertEqual(pair.weights[0], pair.weights[1])
        XCTAssertLessThanOrEqual(relativeDifference(single.weights[0], pair.weights[0]), 1e-5)
        let (singleLogs, pairLogs) = (try logs(single.result), try logs(pair.result))
        XCTAssertEqual(pairLogs["val_loss"] ?? .nan, singleLogs["val_loss"] ?? 0, accuracy: 1e-5)
        XCTAssertEqual(pairLogs["val_accuracy"] ?? .nan, singleLogs["val_accuracy"] ?? 0, accuracy: 1e-6)
        XCTAssertEqual(pairLogs["accuracy"] ?? .nan, singleLogs["accuracy"] ?? 0, accuracy: 1e-6)
    }

    /// BatchNorm's moving statistics, updated by each rank from its own shard, are averaged
    /// at the end of every epoch: the ranks end with identical parameters.
    func testBatchNormStatisticsAreAveragedAcrossRanks() throws {
        let pair = try train(ranks: 2, ["--model", "bn", "--samples", "320", "--batch-size", "32"])
        XCTAssertEqual(pair.weights[0].count, 784 * 64 + 64 + 4 * 64 + 64 * 10 + 10)
        XCTAssertEqual(pair.weights[0], pair.weights[1], "the ranks' BatchNorm statistics differ")
        // The moving mean (after the first Dense's kernel and bias, and gamma, beta) has moved from 0.
        let movingMean = pair.weights[0][(784 * 64 + 64 + 128)..<(784 * 64 + 64 + 192)]
        XCTAssertGreaterThan(movingMean.map(abs).max() ?? 0, 0)
    }

    /// A rank killed (SIGKILL) mid-training ends the job with an error naming it, well
    /// within the timeout, instead of leaving rank 0 waiting in the all-reduce.
    func testDeadRankEndsTheJob() throws {
        let folder = try MPIJob.temporaryFolder(self)
        let result = try MPIJob.run(
            ranks: 2, ["--output", folder.path, "--die-rank", "1", "--die-at-step", "5"], in: folder, timeout: 60)
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertLessThan(result.seconds, 30, result.output)
        XCTAssertTrue(result.output.contains("rank 1 kills itself after step 5"), result.output)
        XCTAssertTrue(result.output.contains("signal 9"), "mpirun does not say rank 1 was killed:\n\(result.output)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("rank-0.f32").path),
                       "rank 0 finished training without rank 1")
    }

    /// A rank that hangs (alive, never joining the next all-reduce) trips the other rank's
    /// watchdog, which exits with status 70 and says why; mpirun then ends the job.
    func testHungRankTripsTheWatchdog() throws {
        let folder = try MPIJob.temporaryFolder(self)
        let result = try MPIJob.run(
            ranks: 2, ["--output", folder.path, "--hang-rank", "1", "--hang-at-step", "5", "--timeout", "3"],
            in: folder, timeout: 60)
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertLessThan(result.seconds, 30, result.output)
        XCTAssertTrue(result.output.contains("rank 0: MPI_Allreduce waited more than 3 s for the other ranks"), result.output)
    }
}

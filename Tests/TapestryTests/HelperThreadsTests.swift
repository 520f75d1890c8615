import Foundation
import Synchronization
import Tapestry
import XCTest

/// Every part runs exactly once, on helper threads when they are free, on the calling
/// thread when asked to or when nested.
final class HelperThreadsTests: XCTestCase {
    private var savedWidth = 1

    override func setUp() {
        savedWidth = HelperThreads.width
        HelperThreads.width = 2
    }

    override func tearDown() {
        HelperThreads.width = savedWidth
        HelperThreads.setSpinDuration(microseconds: 100)
    }

    func testEveryPartRunsExactlyOnce() {
        for parts in [1, 2, 3, 7, 64, 1_000] {
            var counts = [Int](repeating: 0, count: parts)
            counts.withUnsafeMutableBufferPointer { counts in
                for _ in 0..<20 { HelperThreads.run(parts: parts) { counts[$0] += 1 } }
            }
            XCTAssertEqual(counts, [Int](repeating: 20, count: parts), "\(parts) parts")
        }
        var ran = false
        HelperThreads.run(parts: 0) { _ in ran = true }
        XCTAssertFalse(ran, "no parts, no calls")
    }

    func testTwoPartsRunAtTheSameTimeOnTwoThreads() {
        // Each part waits (up to 5 s) until the other has started: run one after the
        // other on one thread, the first would time out.
        let started = StartFlags()
        var threads = [pthread_t?](repeating: nil, count: 2)
        var sawOther = [false, false]
        threads.withUnsafeMutableBufferPointer { threads in
            sawOther.withUnsafeMutableBufferPointer { sawOther in
                HelperThreads.run(parts: 2) { part in
                    threads[part] = pthread_self()
                    started.set(part)
                    let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
                    while !started.isSet(1 - part),
                          DispatchTime.now().uptimeNanoseconds < deadline {}
                    sawOther[part] = started.isSet(1 - part)
                }
            }
        }
        XCTAssertEqual(sawOther, [true, true], "each part saw the other running")
        if let first = threads[0], let second = threads[1] {
            XCTAssertEqual(pthread_equal(first, second), 0, "two threads")
        } else {
            XCTFail("both parts ran")
        }
    }

    func testWidthOneRunsThePartsInOrderOnTheCallingThread() {
        HelperThreads.width = 1
        XCTAssertEqual(HelperThreads.width, 1)
        let caller = pthread_self()
        var order: [Int] = []
        var onCaller = true
        HelperThreads.run(parts: 5) { part in
            order.append(part)
            onCaller = onCaller && pthread_equal(pthread_self(), caller) != 0
        }
        XCTAssertEqual(order, [0, 1, 2, 3, 4])
        XCTAssertTrue(onCaller)
    }

    func testANestedRunRunsOnItsOwnThread() {
        var inner = [[Int]](repeating: [], count: 2)
        var sameThread = [false, false]
        inner.withUnsafeMutableBufferPointer { inner in
            sameThread.withUnsafeMutableBufferPointer { sameThread in
                HelperThreads.run(parts: 2) { part in
                    let outer = pthread_self()
                    var allHere = true
                    HelperThreads.run(parts: 3) { innerPart in
                        inner[part].append(innerPart)
                        allHere = allHere && pthread_equal(pthread_self(), outer) != 0
                    }
                    sameThread[part] = allHere
                }
            }
        }
        XCTAssertEqual(inner, [[0, 1, 2], [0, 1, 2]])
        XCTAssertEqual(sameThread, [true, true])
    }

    func testWithoutWakingHelpersSleepingOnesAreLeftAsleep() {
        HelperThreads.setSpinDuration(microseconds: 0)
        HelperThreads.run(parts: 2) { _ in }   // the helper exists, and goes to sleep
        usleep(200_000)   // every helper (other tests may have started more) reaches its sleep
        let caller = pthread_self()
        var onCaller = true
        for _ in 0..<10 {
            HelperThreads.run(parts: 2, wakingHelpers: false) { _ in
                onCaller = onCaller && pthread_equal(pthread_self(), caller) != 0
            }
        }
        XCTAssertTrue(onCaller)
    }

    func testWidthIsClampedToItsRange() {
        HelperThreads.width = 0
        XCTAssertEqual(HelperThreads.width, 1)
        HelperThreads.width = 100
        XCTAssertEqual(HelperThreads.width, HelperThreads.maximumWidth)
    }
}

/// One flag per part, set when the part starts.
private final class StartFlags: Sendable {
    private let first = Atomic<Bool>(false), second = Atomic<Bool>(false)

    func set(_ part: Int) {
        if part == 0 { first.store(true, ordering: .sequentiallyConsistent) } else { second.store(true, ordering: .sequentiallyConsistent) }
    }

    func isSet(_ part: Int) -> Bool {
        part == 0 ? first.load(ordering: .sequentiallyConsistent) : second.load(ordering: .sequentiallyConsistent)
    }
}

// swift-tools-version: 6.1
// Tapestry: a tape-based reverse-mode autodiff engine over a Tensor type, a Keras-like
// neural-network layer on top, and a Graphviz bridge that draws what the tape recorded.
import PackageDescription

let package = Package(
    name: "Tapestry",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Tapestry", targets: ["Tapestry"]),
        .library(name: "TapestryIO", targets: ["TapestryIO"]),
        .library(name: "TapestryNN", targets: ["TapestryNN"]),
        .library(name: "TapestryData", targets: ["TapestryData"]),
        .library(name: "TapestryViz", targets: ["TapestryViz"]),
        // Data-parallel training over MPI; the only product that links MPI.
        .library(name: "TapestryDistributed", targets: ["TapestryDistributed"]),
        .executable(name: "fashion", targets: ["fashion"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries: thin module maps, nothing else.
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CLibCrypto", path: "Sources/CLibCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CGraphviz", path: "Sources/CGraphviz", pkgConfig: "libgvc",
            providers: [.apt(["libgraphviz-dev"])]),
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),

        // The hot element-wise loops in C, multiversioned for AVX-512 / AVX2 / baseline.
        .target(name: "CKernels", path: "Sources/CKernels"),

        .target(
            name: "Tapestry",
            dependencies: [
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
                "CKernels",
                .product(name: "RealModule", package: "swift-numerics"),
            ]),
        .target(name: "TapestryIO", dependencies: ["Tapestry", "CZlib"]),
        .target(name: "TapestryData", dependencies: ["Tapestry", "TapestryIO", "CZlib", "CLibCrypto", "CKernels"]),
        .target(name: "TapestryNN", dependencies: ["Tapestry", "TapestryIO", "TapestryData", "CKernels"]),
        .target(name: "TapestryViz", dependencies: ["Tapestry", "TapestryIO", "CGraphviz"]),
        .target(name: "TapestryDistributed", dependencies: ["Tapestry", "TapestryNN", "CMPI"]),
        .executableTarget(
            name: "fashion",
            dependencies: [
                "Tapestry", "TapestryIO", "TapestryNN", "TapestryData", "TapestryViz", "TapestryDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "TapestryTests", dependencies: ["Tapestry"]),
        // Performs one misuse of the core API; ReleaseMessageTests runs its release build.
        .executableTarget(name: "misuse-probe", dependencies: ["Tapestry"], path: "Tests/Support/misuse-probe"),
        .testTarget(name: "TapestryIOTests", dependencies: ["Tapestry", "TapestryIO", "TestSupport"]),
        // Reference/ holds the NumPy scripts and the JSON fixtures they write, read by path.
        .testTarget(name: "TapestryNNTests", dependencies: ["TapestryIO", "TapestryNN", "TestSupport"], exclude: ["Reference"]),
        .testTarget(
            name: "TapestryDataTests",
            dependencies: ["TapestryData", "TapestryIO", "CZlib", "TestSupport"]),
        // The tape-graph and README tests record real training steps of TapestryNN models.
        .testTarget(name: "TapestryVizTests", dependencies: ["TapestryViz", "TapestryIO", "Tapestry", "TapestryNN", "TapestryData"]),

        // Test files (gzip, IDX, FIFOs and devices) shared by the test targets.
        .target(name: "TestSupport", dependencies: ["CZlib"], path: "Tests/Support/TestSupport"),

        // Reliability: a child process killed mid-save, and the fashion command's failures.
        .executableTarget(
            name: "checkpoint-writer", dependencies: ["Tapestry", "TapestryIO", "TapestryNN"],
            path: "Tests/Support/checkpoint-writer"),
        // Trains with BackupAndRestore and kills itself where told; the crash test reruns it.
        .executableTarget(
            name: "resumable-trainer", dependencies: ["Tapestry", "TapestryIO", "TapestryNN"],
            path: "Tests/Support/resumable-trainer"),
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "Tapestry", "TapestryIO", "TapestryNN", "TapestryViz", "TestSupport", "fashion", "checkpoint-writer",
                "resumable-trainer",
            ]),

        // Data parallelism: trains under mpirun and writes each rank's weights; the tests run it.
        .executableTarget(
            name: "data-parallel-trainer", dependencies: ["Tapestry", "TapestryNN", "TapestryDistributed"],
            path: "Tests/Support/data-parallel-trainer"),
        .testTarget(name: "TapestryDistributedTests", dependencies: ["TapestryDistributed", "data-parallel-trainer"]),

        // Fuzz targets (Tests/Fuzz/README.md): libFuzzer under `make fuzz`; built normally, each
        // replays its saved corpus (`make fuzz-regression`, part of `make test`).
        .target(name: "FuzzSupport", path: "Tests/Fuzz/FuzzSupport"),
        .executableTarget(name: "FuzzIDX", dependencies: ["FuzzSupport", "TapestryData", "CZlib"], path: "Tests/Fuzz/FuzzIDX"),
        .executableTarget(name: "FuzzGzip", dependencies: ["FuzzSupport", "TapestryData", "CZlib"], path: "Tests/Fuzz/FuzzGzip"),
        .executableTarget(
            name: "FuzzSafeTensors", dependencies: ["FuzzSupport", "Tapestry", "TapestryIO", "TapestryNN"], path: "Tests/Fuzz/FuzzSafeTensors"),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzSupport", "TapestryIO"], path: "Tests/Fuzz/FuzzJSON"),
        .executableTarget(
            name: "FuzzNumPy", dependencies: ["FuzzSupport", "Tapestry", "TapestryIO"], path: "Tests/Fuzz/FuzzNumPy"),
        .executableTarget(name: "FuzzDOT", dependencies: ["FuzzSupport", "TapestryViz"], path: "Tests/Fuzz/FuzzDOT"),
        .executableTarget(
            name: "FuzzModelConfig", dependencies: ["FuzzSupport", "Tapestry", "TapestryNN"], path: "Tests/Fuzz/FuzzModelConfig"),
        .executableTarget(
            name: "FuzzTrainingState", dependencies: ["FuzzSupport", "Tapestry", "TapestryIO", "TapestryNN"],
            path: "Tests/Fuzz/FuzzTrainingState"),
    ]
)

// swift-tools-version: 6.1
// Tapestry's benchmark suite (ordo-one/benchmark, with malloc counting). A package of its own
// so that `make test` never builds the benchmark framework. Run it with `make bench`.
import PackageDescription

let package = Package(
    name: "TapestryBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Tapestry", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The MLP's BLAS floor (OpenBLAS alone on the MLP's products), benchmarked beside
        // Tapestry's step and prediction; Floor/blas_floor.c is the same probe as a command.
        .target(
            name: "BLASFloor", path: "Floor/BLASFloor",
            linkerSettings: [.linkedLibrary("openblas")]),
        .executableTarget(
            name: "TapestryBenchmarks",
            dependencies: [
                "BLASFloor",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Tapestry", package: "Tapestry"),
                .product(name: "TapestryNN", package: "Tapestry"),
                .product(name: "TapestryData", package: "Tapestry"),
                .product(name: "TapestryViz", package: "Tapestry"),
            ],
            path: "Benchmarks/TapestryBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)

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
        .executableTarget(
            name: "TapestryBenchmarks",
            dependencies: [
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

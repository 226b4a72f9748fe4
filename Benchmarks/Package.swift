// swift-tools-version:6.0
import PackageDescription

// Benchmarks live in their own package so the main build stays lean. Each benchmark is its own target.
let package = Package(
    name: "feedwatch-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "feedwatch", path: ".."),
    ],
    targets: [
        // Fetch cycle over many loopback feeds (issue 4 item 8); driven by fetch/run.sh.
        .executableTarget(
            name: "FetchBenchmark",
            dependencies: [.product(name: "FeedWatchFetching", package: "feedwatch")],
            path: "Sources/FetchBenchmark"
        ),
    ],
    swiftLanguageModes: [.v6]
)

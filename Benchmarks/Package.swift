// swift-tools-version:6.0
import PackageDescription

// Benchmarks live in their own package so the main build stays lean. Build and run in release:
//   cd Benchmarks && swift build -c release && ./.build/release/MatcherBenchmark
//
// Each benchmark is its own executable target depending on the stage library it measures.
let strictSwift: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "feedwatch-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "feedwatch", path: ".."),
    ],
    targets: [
        // Topic matcher throughput against grep (issue 5, item 7). See MatcherBenchmark.md.
        .executableTarget(
            name: "MatcherBenchmark",
            dependencies: [.product(name: "FeedWatchMatching", package: "feedwatch")],
            path: "Sources/MatcherBenchmark",
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)

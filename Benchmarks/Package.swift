// swift-tools-version:6.0
import PackageDescription

// Benchmarks live in their own package so the main build stays lean. Build and run in release:
//   cd Benchmarks && swift run -c release MatcherBenchmark
//
// The main package exports no library products (only the `feedwatch` executable), so a
// `.package(path: "..")` dependency could not reach its library targets. Until it does, the
// stage targets under test are compiled here from the main package's sources through the
// symbolic links in `Shared/` (the same files, never copies). Add a target per stage as needed.
let strictSwift: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "feedwatch-benchmarks",
    platforms: [.macOS(.v14)],
    targets: [
        .systemLibrary(name: "CStemmer", path: "Shared/CStemmer", providers: [.apt(["libstemmer-dev"])]),
        .target(name: "FeedWatchModel", path: "Shared/FeedWatchModel", swiftSettings: strictSwift),
        .target(name: "FeedWatchMatching", dependencies: ["FeedWatchModel", "CStemmer"], path: "Shared/FeedWatchMatching",
                swiftSettings: strictSwift),

        .systemLibrary(name: "CLibXML2", path: "Shared/CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .target(name: "FeedWatchParsing", dependencies: ["FeedWatchModel", "CLibXML2"], path: "Shared/FeedWatchParsing",
                swiftSettings: strictSwift),
        .target(name: "FeedWatchClustering", dependencies: ["FeedWatchModel"], path: "Shared/FeedWatchClustering",
                swiftSettings: strictSwift),

        // Full-text extraction pages/s and story clustering articles/s (issue 6, item 8).
        .executableTarget(name: "PipelineBenchmark", dependencies: ["FeedWatchParsing", "FeedWatchClustering"],
                          path: "Sources/PipelineBenchmark", swiftSettings: strictSwift),

        // Topic matcher throughput against grep (issue 5, item 7).
        .executableTarget(name: "MatcherBenchmark", dependencies: ["FeedWatchMatching"], path: "Sources/MatcherBenchmark",
                          swiftSettings: strictSwift),
    ],
    swiftLanguageModes: [.v6]
)

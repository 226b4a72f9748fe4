// swift-tools-version:6.0
import PackageDescription

// Benchmarks live in their own package so the main build stays lean; each benchmark is its
// own executable target over the main package's stage libraries. Build and run in release:
//   cd Benchmarks && swift run -c release MatcherBenchmark
let strictSwift: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "feedwatch-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "feedwatch", path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // Fetch cycle over many loopback feeds; driven by fetch/run.sh.
        .executableTarget(
            name: "FetchBenchmark",
            dependencies: [.product(name: "FeedWatchFetching", package: "feedwatch")],
            path: "Sources/FetchBenchmark"
        ),
        // Topic matcher throughput against grep.
        .executableTarget(
            name: "MatcherBenchmark",
            dependencies: [
                .product(name: "FeedWatchMatching", package: "feedwatch"),
                .product(name: "FeedWatchModel", package: "feedwatch"),
            ],
            path: "Sources/MatcherBenchmark",
            swiftSettings: strictSwift
        ),
        // A whole `run --once` cycle, cold and warm, next to a Python + sqlite3 reference.
        .executableTarget(
            name: "CycleBenchmark",
            dependencies: [
                .product(name: "FeedWatchDaemon", package: "feedwatch"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/CycleBenchmark",
            swiftSettings: strictSwift
        ),
        // Full-text extraction pages/s and story clustering articles/s.
        .executableTarget(
            name: "PipelineBenchmark",
            dependencies: [
                .product(name: "FeedWatchParsing", package: "feedwatch"),
                .product(name: "FeedWatchClustering", package: "feedwatch"),
            ],
            path: "Sources/PipelineBenchmark",
            swiftSettings: strictSwift
        ),
        // libxml2 for the parser benchmark's raw SAX baseline (the main package's CLibXML2 is
        // not a product).
        .systemLibrary(
            name: "CLibXML2Raw", path: "Sources/CLibXML2Raw", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // Feed parser MB/s next to a raw libxml2 SAX loop over the same bytes.
        .executableTarget(
            name: "ParserBenchmark",
            dependencies: [
                "CLibXML2Raw",
                .product(name: "FeedWatchParsing", package: "feedwatch"),
                .product(name: "FeedWatchModel", package: "feedwatch"),
            ],
            path: "Sources/ParserBenchmark",
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)

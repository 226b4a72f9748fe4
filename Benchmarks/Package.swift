// swift-tools-version:6.0
import PackageDescription

// Parser throughput, kept out of the main build: `swift run -c release parser-benchmark`.
let package = Package(
    name: "feedwatch-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "feedwatch", path: ".."),
    ],
    targets: [
        // libxml2 for the raw SAX baseline loop (the main package's CLibXML2 is not a product).
        .systemLibrary(name: "CLibXML2Raw", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .executableTarget(
            name: "ParserBenchmark",
            dependencies: [
                "CLibXML2Raw",
                .product(name: "FeedWatchParsing", package: "feedwatch"),
            ],
        ),
    ],
    swiftLanguageModes: [.v6]
)

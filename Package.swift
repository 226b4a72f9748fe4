// swift-tools-version:6.0
import PackageDescription

/// Settings shared by every Swift target: Swift 6 mode and explicit existentials.
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The library and executable targets also have their imports checked by the compiler: a
/// file imports every module whose members it uses (MemberImportVisibility), and an import
/// is internal unless it says `public` because the module's types are part of the target's
/// public API (InternalImportsByDefault), so C shims never leak into a public signature.
let strictSources: [SwiftSetting] = strictSwift + [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "feedwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "feedwatch", targets: ["feedwatch"]),
        // Each stage is a library too, so the separate Benchmarks/ package can measure it.
        .library(name: "FeedWatchModel", targets: ["FeedWatchModel"]),
        .library(name: "FeedWatchFetching", targets: ["FeedWatchFetching"]),
        .library(name: "FeedWatchParsing", targets: ["FeedWatchParsing"]),
        .library(name: "FeedWatchMatching", targets: ["FeedWatchMatching"]),
        .library(name: "FeedWatchClustering", targets: ["FeedWatchClustering"]),
        .library(name: "FeedWatchStore", targets: ["FeedWatchStore"]),
        .library(name: "FeedWatchDigest", targets: ["FeedWatchDigest"]),
        .library(name: "FeedWatchDaemon", targets: ["FeedWatchDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // SHA-256 and HMAC; postgres-nio builds it anyway.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // C libraries and the typed shims around their variadic entry points.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CStemmer", providers: [.apt(["libstemmer-dev"])]),
        // SQLite's process-wide configuration (`sqlite3_config` is variadic); links the same
        // libsqlite3 as GRDB.
        .target(name: "CSQLiteShims", linkerSettings: [.linkedLibrary("sqlite3")]),

        // The pipeline, one stage per target: fetch → parse → store → match → digest.
        .target(name: "FeedWatchModel", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: strictSources),
        // The one curl layer: libcurl's handles, its one-time initialisation, the User-Agent, and
        // single transfers (webhooks, SMTP); the fetch engine and the notifiers both use it.
        .target(name: "FeedWatchCurl", dependencies: ["FeedWatchModel", "CCurlShims"], swiftSettings: strictSources),
        .target(name: "FeedWatchFetching", dependencies: ["FeedWatchModel", "FeedWatchCurl", "CCurlShims"], swiftSettings: strictSources),
        .target(name: "FeedWatchParsing", dependencies: ["FeedWatchModel", "CLibXML2"], swiftSettings: strictSources),
        .target(name: "FeedWatchMatching", dependencies: ["FeedWatchModel", "CStemmer"], swiftSettings: strictSources),
        // Cross-feed story clustering (MinHash + LSH, title similarity): pure, on the model only.
        .target(name: "FeedWatchClustering", dependencies: ["FeedWatchModel"], swiftSettings: strictSources),
        .target(
            name: "FeedWatchStore",
            dependencies: [
                "FeedWatchModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the statements a refresh runs per row (`SQLiteDirectWrite`).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "CSQLiteShims",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSources
        ),
        .target(name: "FeedWatchDigest", dependencies: ["FeedWatchModel", "FeedWatchCurl"], swiftSettings: strictSources),
        .target(
            name: "FeedWatchDaemon",
            dependencies: [
                "FeedWatchModel", "FeedWatchFetching", "FeedWatchParsing", "FeedWatchMatching",
                "FeedWatchClustering", "FeedWatchStore", "FeedWatchDigest",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSources
        ),
        .executableTarget(
            name: "feedwatch",
            dependencies: [
                "FeedWatchDaemon", "FeedWatchModel", "FeedWatchFetching", "FeedWatchParsing", "FeedWatchMatching",
                "FeedWatchStore", "FeedWatchDigest",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSources
        ),

        // Tests: one target per library, plus shared helpers (loopback HTTP server, corpus paths).
        .target(
            name: "FeedWatchTestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                "FeedWatchStore",
            ],
            path: "Tests/FeedWatchTestSupport",
            swiftSettings: strictSwift
        ),
        .testTarget(name: "FeedWatchModelTests", dependencies: ["FeedWatchModel"], swiftSettings: strictSwift),
        .testTarget(
            name: "FeedWatchFetchingTests",
            dependencies: ["FeedWatchFetching", "FeedWatchTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FeedWatchParsingTests",
            dependencies: ["FeedWatchParsing", "FeedWatchTestSupport"],
            exclude: ["Fixtures", "FuzzSeeds"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FeedWatchMatchingTests",
            dependencies: ["FeedWatchMatching", "FeedWatchTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(name: "FeedWatchClusteringTests", dependencies: ["FeedWatchClustering"], swiftSettings: strictSwift),
        .testTarget(
            name: "FeedWatchStoreTests",
            dependencies: ["FeedWatchStore", "FeedWatchTestSupport", "CSQLiteShims"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FeedWatchDigestTests", dependencies: ["FeedWatchDigest", "FeedWatchTestSupport"], exclude: ["Golden"],
            swiftSettings: strictSwift),
        .testTarget(
            name: "FeedWatchDaemonTests",
            dependencies: [
                "FeedWatchDaemon", "FeedWatchTestSupport", "FeedWatchStore", "FeedWatchFetching", "FeedWatchParsing",
                "FeedWatchModel", "FeedWatchCurl", "FeedWatchDigest", "FeedWatchClustering",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)

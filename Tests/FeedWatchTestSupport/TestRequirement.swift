import Foundation
import Testing

/// Something a test needs from the machine (a PostgreSQL server, a tool, the built binary, the
/// shared corpus), so that a test which cannot run says so instead of passing.
///
/// Without it the test is skipped with the reason: `.requires(_:)` (a condition trait) on the
/// test or suite, and `check()` at the start of its body (or in the helper that needs the
/// thing). With `FEEDWATCH_REQUIRE_ALL=1` in the environment (`make test` sets it) the trait
/// lets the test run and `check()` fails it, naming what is missing: a full run on a machine
/// that lacks something fails instead of reporting a smaller green.
///
/// Not for one case of a parameterized test: Swift Testing 6.3.1 reports a case ended by
/// `Test.cancel` as passed. Leave such a case out of the arguments when `shouldRun` is false
/// and give the omission a skipped test of its own (see `StoreKind.tested`).
public struct TestRequirement: Sendable {
    /// What is needed and how to provide it, e.g. "a PostgreSQL server (set FEEDWATCH_TEST_POSTGRES_URL)".
    public let what: String
    /// Whether this machine has it.
    public let isMet: Bool

    /// A requirement; `isMet` is evaluated once, here.
    public init(_ what: String, isMet: Bool) {
        self.what = what
        self.isMet = isMet
    }

    /// Whether `FEEDWATCH_REQUIRE_ALL=1`: every unmet requirement fails the test that has it.
    public static var isStrict: Bool {
        ProcessInfo.processInfo.environment["FEEDWATCH_REQUIRE_ALL"] == "1"
    }

    /// Whether a test with this requirement should start: when met, and always in strict mode
    /// (where its `check()` then fails it).
    public var shouldRun: Bool { isMet || Self.isStrict }

    /// The reason shown for a skipped test.
    public var skipReason: String { "needs \(what)" }

    /// Returns when met. Otherwise ends the running test as skipped ("was cancelled" with the
    /// reason, in Swift Testing's words), or, with `FEEDWATCH_REQUIRE_ALL=1`, fails it.
    public func check(fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column) throws {
        guard !isMet else { return }
        let sourceLocation = SourceLocation(fileID: fileID, filePath: filePath, line: line, column: column)
        if Self.isStrict {
            throw Missing(description: "FEEDWATCH_REQUIRE_ALL=1 and this test \(skipReason)")
        }
        try Test.cancel(Comment(rawValue: skipReason), sourceLocation: sourceLocation)
    }

    /// The error a strict run fails with.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }
}

extension TestRequirement {
    /// `$FEEDWATCH_TEST_POSTGRES_URL` (set by `scripts/with-postgres.sh`, which `make test` runs).
    public static let postgres = TestRequirement(
        "a PostgreSQL server (set FEEDWATCH_TEST_POSTGRES_URL, or run under scripts/with-postgres.sh as `make test` does)",
        isMet: PostgresTestServer.url != nil)

    /// `../shared/corpus` (or `$FEEDWATCH_SHARED/corpus`): the real-world feeds and the seed.
    public static let sharedCorpus = TestRequirement(
        "the shared corpus (../shared/corpus next to the repository, or set FEEDWATCH_SHARED)",
        isMet: SharedCorpus.corpusDirectory != nil)

    /// An executable at `path`, e.g. a tool the test drives.
    public static func executable(_ path: String, _ what: String) -> TestRequirement {
        TestRequirement(what, isMet: FileManager.default.isExecutableFile(atPath: path))
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips the test (or every test of the suite) when `requirement` is unmet, with the reason;
    /// under `FEEDWATCH_REQUIRE_ALL=1` lets it run so that its `check()` fails it.
    public static func requires(
        _ requirement: TestRequirement, fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column
    ) -> Self {
        .enabled(
            if: requirement.shouldRun, Comment(rawValue: requirement.skipReason),
            sourceLocation: SourceLocation(fileID: fileID, filePath: filePath, line: line, column: column))
    }
}

import Foundation
import FeedWatchDaemon
import FeedWatchStore
import FeedWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The real `feedwatch` binary, killed with SIGKILL at each named point of the digest path
/// (`FEEDWATCH_FAULT`), then restarted: no match is lost or repeated, the files end complete,
/// and each delivery reaches the webhook once (twice only when the crash falls between the
/// send and its record, and then with the same delivery id, so a receiver can drop it).
@Suite(.serialized, .requires(.feedwatchBinary)) struct CrashRecoveryTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary = repository.appendingPathComponent(".build/debug/feedwatch").path

    /// How long a child may run before the test gives up on it (a hang guard, not a timing check).
    static let childLimit: Double = 120

    /// Runs `feedwatch run` until it exits (`untilKilled`) or until `done` holds; returns
    /// whether it was killed by SIGKILL from inside (the fault) as opposed to by the guard.
    static func runDaemon(config: String, fault: String?, log: String, done: (@Sendable () async -> Bool)? = nil) async throws -> (killedBySignal: Bool, guardFired: Bool) {
        var environment = ChildProcess.inheritedEnvironment
        environment["FEEDWATCH_FAULT"] = fault
        // Through `ChildProcess`: `Foundation.Process`'s wait for the exit could hang here.
        let child = try ChildProcess(
            executable: binary, arguments: ["run", "--config", config, "--log-level", "debug"], environment: environment,
            stdout: log, stderr: log)
        var guardFired = false
        let started = Date()
        while child.poll() == nil {
            if Date().timeIntervalSince(started) > childLimit {
                guardFired = true
                child.signal(SIGKILL)
                break
            }
            if let done, await done() {
                child.signal(SIGKILL)
                break
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return (child.wait() == .signalled(SIGKILL), guardFired)
    }

    @Test(arguments: FaultInjection.Point.allCases.map(\.rawValue))
    func crashAtEveryPointLosesNothingAndRepeatsNothing(point: String) async throws {
        try TestRequirement.feedwatchBinary.check()
        let hooks = RequestRecorder()
        let hook = try await LoopbackHTTPServer.start { request in
            hooks.append(request)
            return .status(204)
        }
        let world = try await DigestWorld.make(
            digest: "time = \"00:00\"\nformats = [\"markdown\", \"html\", \"json\", \"atom\"]",
            tables: "[[notify]]\nkind = \"webhook\"\nname = \"hook\"\nurl = \"\(hook.url("/hook"))\"\nretry_delay = \"1s\"\n")
        let log = world.directory + "/daemon.log"

        let first = try await Self.runDaemon(config: world.configPath, fault: point, log: log)
        #expect(first.killedBySignal && !first.guardFired, "the daemon did not die at \(point)")

        let database = world.directory + "/feedwatch.sqlite"
        let second = try await Self.runDaemon(config: world.configPath, fault: nil, log: log) {
            guard let store = try? SQLiteStore(path: database),
                  let records = try? await store.digests(), let deliveries = try? await store.recentDeliveries(limit: 10)
            else { return false }
            return records.first?.published != nil && !deliveries.isEmpty && deliveries.allSatisfy { $0.state == .sent }
        }
        #expect(!second.guardFired, "the restarted daemon did not finish: see \(log)")

        let store = try SQLiteStore(path: database)
        let records = try await store.digests()
        #expect(records.count == 1 && records.first?.matchCount == 4, "\(records)")
        #expect(try await store.pendingMatchCount() == 0)
        let day = try #require(records.first?.day)

        // Each article under each of its topics exactly once.
        let directory = world.directory + "/digests"
        let markdown = try String(contentsOfFile: "\(directory)/\(day).md", encoding: .utf8)
        let sections = digestSections(markdown)
        #expect(sections["Raketentests – Übersicht"] == ["Missile test over the Sea of Japan", "Missile parts smuggled despite sanctions"]
            || sections["Raketentests – Übersicht"] == ["Missile parts smuggled despite sanctions", "Missile test over the Sea of Japan"])
        #expect(Set(sections["Sanctions"] ?? []) == ["New sanctions on shipping firms", "Missile parts smuggled despite sanctions"])
        #expect(sections.values.allSatisfy { Set($0).count == $0.count })

        // Files complete: HTML closed, JSON and Atom parse, no temporary files left behind.
        #expect(try String(contentsOfFile: "\(directory)/\(day).html", encoding: .utf8).hasSuffix("</html>\n"))
        #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(day).json"))) is [String: Any])
        #expect(XMLParser(contentsOf: URL(fileURLWithPath: "\(directory)/digests.atom"))?.parse() == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).allSatisfy { !$0.contains(".tmp-") })

        // Delivered once; a crash between send and record repeats it with the same id.
        let ids = hooks.all.compactMap { $0.header("X-Feedwatch-Delivery") }
        #expect(Set(ids).count == 1, "\(ids)")
        #expect(ids.count == (point == "after-send" ? 2 : 1), "\(ids)")

        // The command line regenerates each file byte for byte.
        for format in ["md", "html", "json", "atom"] {
            let output = try Self.capture(["digest", "--config", world.configPath, "--date", day, "--format", format, "--stdout"])
            let file = format == "atom" ? "\(directory)/digests.atom" : "\(directory)/\(day).\(format)"
            #expect(output == (try String(contentsOfFile: file, encoding: .utf8)), "feedwatch digest --format \(format) differs")
        }
        // `status` shows the delivery as sent, and no digest waiting.
        let status = try Self.capture(["status", "--config", world.configPath])
        #expect(status.contains("hook      digest:\(day)  SENT"), "\(status)")
        #expect(!status.contains("NOT WRITTEN"))
        try await hook.shutdown()
        await world.shutdown()
    }

    /// Standard output of the binary, which must exit within the guard time.
    static func capture(_ arguments: [String]) throws -> String {
        try ChildProcess.run(binary, arguments, timeout: childLimit).stdout
    }
}

public import Foundation
import FeedWatchModel
import FeedWatchStore
import Logging
import ServiceLifecycle
import UnixSignals

/// `feedwatch run` as a service group: the scheduler (fetch → parse → store → match), the
/// daily digest, the health check and watchdog, SIGHUP reloads and the optional status
/// endpoint, with graceful shutdown on SIGTERM and SIGINT.
public enum DaemonRunner {
    /// How long graceful shutdown may take before running work is cancelled outright; below
    /// the 10 s a stop is allowed, leaving room to exit.
    public static let gracefulShutdownLimit: Duration = .seconds(8)

    /// Runs until SIGTERM/SIGINT (returns) or until a service fails (throws).
    ///
    /// `runtime` must be freshly opened from `configPath` (store migrated, configuration
    /// valid): readiness is announced once the group is up.
    public static func run(runtime: FeedWatchRuntime, configPath: String,
                           environment: [String: String] = ProcessInfo.processInfo.environment) async throws {
        let context = DaemonContext(
            runtime: runtime, configPath: configPath, logger: runtime.logger, notifier: SystemdNotifier(environment: environment))
        try await prepare(context)

        let services: [any Service] = [
            HealthService(context: context),
            SchedulerService(context: context),
            DigestScheduleService(context: context),
        ] + (context.httpListen.map { address in
            let http = runtime.configuration.http
            return [StatusHTTPService(
                context: context, address: address, maxConnections: http.maxConnections,
                requestTimeoutSeconds: http.requestTimeout.seconds)]
        } ?? []) + [
            ReloadService(context: context),
        ]
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                // A service that returns on its own ends the group the graceful way, so open
                // transactions still finish; a service that throws ends it at once.
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .cancelGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: runtime.logger)
        configuration.maximumGracefulShutdownDuration = gracefulShutdownLimit
        configuration.logging.keys.signalKey = "signal"
        configuration.logging.keys.gracefulShutdownSignalsKey = "graceful_shutdown_signals"
        configuration.logging.keys.cancellationSignalsKey = "cancellation_signals"
        configuration.logging.keys.serviceKey = "service"
        configuration.logging.keys.servicesKey = "services"
        configuration.logging.keys.errorKey = "error"
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            context.announceStopping()
            throw error
        }
        context.announceStopping()
        runtime.logger.notice("stopped")
    }

    /// Start-up work before readiness: the state directory, the feed list, and the first
    /// status summary. (Articles an unclean stop left unmatched are matched by the scheduler's
    /// first sweep, see `FeedWatchRuntime.matchPendingArticles`.)
    static func prepare(_ context: DaemonContext) async throws {
        let runtime = context.runtime
        let configuration = runtime.configuration
        if !FileManager.default.fileExists(atPath: configuration.storage.stateDirectory) {
            // Outside systemd's StateDirectory= too: no access for other users (credentialed URLs, digests).
            try FileManager.default.createDirectory(
                atPath: configuration.storage.stateDirectory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o750])
        }
        let feeds = try await runtime.store.syncFeeds(configuration.feeds)
        let newest = try await runtime.store.digests().first
        context.setLastDigest(day: newest?.day, created: newest?.created)
        let plan = try await SchedulerService.plan(runtime, now: Date())
        context.setFeedSummary(total: plan.total, failing: plan.failing, nextFetch: plan.due == 0 ? plan.nextCheck : Date())
        for line in configuration.warningLines {
            runtime.logger.warning("\(line)")
        }
        runtime.logger.notice("feedwatch started", metadata: [
            "feeds": "\(feeds.count)", "topics": "\(configuration.topics.count)", "database": "\(configuration.storage.database)",
            "version": "\(FeedWatchVersion.current)",
        ])
    }
}

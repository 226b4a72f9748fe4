import Foundation
import FeedWatchFetching
import FeedWatchStore
import Logging
import ServiceLifecycle
import UnixSignals

/// Handles SIGHUP: reads and fully validates the configuration file again and, when it is
/// valid, applies it without a restart; when it is not, logs every problem and keeps running
/// on the configuration in force.
///
/// It also announces readiness (`READY=1`): only once its SIGHUP handler is installed, so a
/// `systemctl reload` right after start cannot hit the default action and kill the process.
public struct ReloadService: Service {
    let context: DaemonContext

    /// The SIGHUP handler of the daemon sharing `context`.
    public init(context: DaemonContext) { self.context = context }

    /// Installs the SIGHUP handler, announces readiness, then reloads on each SIGHUP until graceful shutdown.
    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        context.notify("READY=1\n" + SystemdNotifier.statusMessage(context.statusLine()))
        context.logger.notice("ready", metadata: ["status": "\(context.statusLine())"])
        for await _ in hangups.cancelOnGracefulShutdown() {
            await reload()
        }
        // Started last, this service is asked to stop first: systemd hears at once.
        context.announceStopping()
    }

    /// One reload, bracketed by `RELOADING=1` and `READY=1` as systemd expects.
    func reload() async {
        context.notify(SystemdNotifier.reloadingMessage())
        let logger = context.logger
        logger.notice("reloading the configuration", metadata: ["path": "\(context.configPath)"])
        do {
            let summary = try await Self.apply(path: context.configPath, to: context)
            context.metrics.recordReload(succeeded: true)
            logger.notice("configuration reloaded", metadata: [
                "feeds": "\(summary.feeds)", "feeds_added": "\(summary.added)", "feeds_removed": "\(summary.removed)",
                "topics": "\(summary.topics)",
            ])
        } catch let error as ConfigurationError {
            context.metrics.recordReload(succeeded: false)
            for line in error.lines {
                logger.error("\(line)")
            }
            logger.error("reload failed: keeping the previous configuration", metadata: ["problems": "\(error.problems.count)"])
        } catch {
            context.metrics.recordReload(succeeded: false)
            logger.error("reload failed: keeping the previous configuration", metadata: ["error": "\(error)"])
        }
        context.notify("READY=1\n" + SystemdNotifier.statusMessage(context.statusLine()))
    }

    /// What a reload changed.
    struct Summary {
        var feeds: Int
        var added: Int
        var removed: Int
        var topics: Int
    }

    /// Loads `path`, builds a runtime from it over the open store, syncs the feed list into the
    /// store and puts the runtime in force. Throws without changing anything when the file is
    /// invalid or the new runtime cannot be built.
    static func apply(path: String, to context: DaemonContext) async throws -> Summary {
        let old = context.runtime
        var configuration = try ConfigurationLoader.load(path: path)
        for line in configuration.warningLines {
            context.logger.warning("\(line)")
        }
        // The database and the listen address are bound at start; everything else applies now.
        if configuration.storage != old.configuration.storage {
            context.logger.warning("[storage] changed: it takes effect after a restart")
            configuration.storage = old.configuration.storage
        }
        if configuration.http != old.configuration.http {
            context.logger.warning("[http] changed: it takes effect after a restart")
        }
        // Keep the fetcher (and its warm connections) unless its limits changed.
        let fetcher = configuration.fetch == old.configuration.fetch
            ? old.pipeline.fetcher : try FeedWatchRuntime.makeFetcher(configuration.fetch)
        let runtime = try FeedWatchRuntime(
            configuration: configuration, store: old.store, fetcher: fetcher, logger: old.logger,
            politeness: old.pipeline.politeness,
            stories: configuration.stories == old.configuration.stories ? old.pipeline.stories : nil)
        let oldURLs = Set(old.configuration.feeds.map(\.url))
        let newURLs = Set(configuration.feeds.map(\.url))
        _ = try await old.store.syncFeeds(configuration.feeds)
        context.replaceRuntime(runtime)
        return Summary(
            feeds: configuration.feeds.count, added: newURLs.subtracting(oldURLs).count,
            removed: oldURLs.subtracting(newURLs).count, topics: configuration.topics.count)
    }
}

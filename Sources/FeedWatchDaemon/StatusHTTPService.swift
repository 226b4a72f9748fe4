import Foundation
import FeedWatchDigest
import FeedWatchModel
import Synchronization
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle

/// The optional status endpoint (`[http] listen`): `GET /metrics` in the Prometheus text
/// format and `GET /healthz` (200 `ok`, or 503 with the problems). Read-only, tiny and bound
/// to the configured address only; it answers from memory and never touches the database,
/// so a slow scrape cannot slow the pipeline.
///
/// Bounded against clients that hold connections (a local user with a thousand half-sent
/// requests): at most `[http] max_connections` are open at once, further ones are closed on
/// arrival, and each connection is closed `[http] request_timeout` after it was accepted,
/// answered or not.
public struct StatusHTTPService: Service {
    let context: DaemonContext
    let address: ListenAddress
    let maxConnections: Int
    let requestTimeout: TimeAmount

    /// The endpoint of the daemon sharing `context`, on `address`.
    public init(context: DaemonContext, address: ListenAddress, maxConnections: Int = 64, requestTimeoutSeconds: Int64 = 10) {
        self.context = context
        self.address = address
        self.maxConnections = maxConnections
        self.requestTimeout = .seconds(requestTimeoutSeconds)
    }

    /// Listens until graceful shutdown; throws when the address cannot be bound.
    public func run() async throws {
        let context = self.context
        let gate = ConnectionGate(limit: maxConnections)
        let timeout = requestTimeout
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.backlog, value: 64)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    guard gate.enter() else {
                        // Full: close at once, holding no descriptor for it.
                        return channel.close()
                    }
                    channel.closeFuture.whenComplete { _ in gate.leave() }
                    let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                    channel.closeFuture.whenComplete { _ in deadline.cancel() }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(StatusHTTPHandler(context: context))
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            throw StatusHTTPError(description: "cannot listen on \(address) ([http] listen): \(error)")
        }
        context.logger.notice("status endpoint listening", metadata: ["listen": "\(address)"])
        try? await gracefulShutdown()
        try? await channel.close()
    }
}

/// Counts the endpoint's open connections against its limit (from any event loop thread).
final class ConnectionGate: Sendable {
    private let open = Atomic<Int>(0)
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a place; false when all `limit` are taken.
    func enter() -> Bool {
        while true {
            let current = open.load(ordering: .relaxed)
            guard current < limit else { return false }
            if open.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing).exchanged {
                return true
            }
        }
    }

    func leave() {
        open.subtract(1, ordering: .acquiringAndReleasing)
    }
}

/// Why the status endpoint could not start.
public struct StatusHTTPError: Error, CustomStringConvertible {
    /// What failed, naming the address and the config key.
    public var description: String
}

/// Answers one request per connection from the daemon's in-memory state.
final class StatusHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let context: DaemonContext
    private var head: HTTPRequestHead?

    init(context: DaemonContext) { self.context = context }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
        case .body:
            // No endpoint takes a body; it is discarded (NIO bounds the head's size itself).
            break
        case .end:
            guard let requestHead = head else { return }
            head = nil
            respond(channelContext, to: requestHead)
        }
    }

    private func respond(_ channelContext: ChannelHandlerContext, to request: HTTPRequestHead) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let (status, contentType, body) = Self.answer(method: request.method, path: path, daemon: context)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: "no-store")
        channelContext.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            channelContext.write(wrapOutboundOut(.body(.byteBuffer(channelContext.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let channel = channelContext.channel
        channelContext.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    static func answer(method: HTTPMethod, path: String, daemon: DaemonContext) -> (HTTPResponseStatus, String, String) {
        guard method == .GET || method == .HEAD else {
            return (.methodNotAllowed, "text/plain; charset=utf-8", "only GET and HEAD\n")
        }
        let health = daemon.health
        switch path {
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", daemon.metrics.render(healthy: health.healthy))
        case "/healthz":
            if health.healthy { return (.ok, "text/plain; charset=utf-8", "ok\n") }
            return (.serviceUnavailable, "text/plain; charset=utf-8", health.problems.joined(separator: "\n") + "\n")
        default:
            if let feed = topicFeed(path: path, digest: daemon.runtime.configuration.digest) { return feed }
            return (.notFound, "text/plain; charset=utf-8", "not found: try /metrics, /healthz or /topics/<id>.atom\n")
        }
    }

    /// `GET /topics/<id>.atom`: a configured topic's Atom feed, as the `atom` format last wrote
    /// it beside the digests. Only configured ids are served, so no path reaches another file.
    static func topicFeed(path: String, digest: DigestConfiguration) -> (HTTPResponseStatus, String, String)? {
        guard path.hasPrefix("/topics/"), path.hasSuffix(".atom"), digest.formats.contains(.atom) else { return nil }
        let id = String(path.dropFirst("/topics/".count).dropLast(".atom".count))
        guard let topic = digest.topics.first(where: { $0.id == id }) else { return nil }
        let file = (digest.directory as NSString).appendingPathComponent(TopicAtomRenderer.fileName(topicID: topic.id))
        guard let data = FileManager.default.contents(atPath: file), data.count <= maxTopicFeedBytes else {
            return (.notFound, "text/plain; charset=utf-8", "no feed for topic \(topic.id) yet: it is written with the next digest\n")
        }
        return (.ok, "application/atom+xml; charset=utf-8", String(decoding: data, as: UTF8.self))
    }

    /// A topic feed carries at most `TopicAtomRenderer.maxStories` stories; a file larger than
    /// this is not ours to serve.
    static let maxTopicFeedBytes = 16 << 20
}

import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP/1.1 server on 127.0.0.1 (random port) for tests, with the behaviours of slow and hostile hosts.
///
/// Every behaviour is driven by event-loop scheduling, never by sleeping, so one hostile response
/// never holds up the other connections.
public final class LoopbackHTTPServer: Sendable {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    public let baseURL: String
    /// The port the server listens on.
    public let port: Int

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let counts: RequestCounts

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, host: String, port: Int, counts: RequestCounts) {
        self.group = group
        self.channel = channel
        self.port = port
        self.counts = counts
        self.baseURL = "http://\(host):\(port)"
    }

    /// Starts a server that answers every request with `handler`'s response, on `host` (any
    /// 127.x.y.z works on Linux's loopback: a second "host" for cross-host tests).
    public static func start(
        host: String = "127.0.0.1", _ handler: @escaping @Sendable (LoopbackRequest) -> LoopbackResponse
    ) async throws -> LoopbackHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let counts = RequestCounts()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 512)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(LoopbackHandler(handler: handler, counts: counts))
                    }
                }
                .bind(host: host, port: 0)
                .get()
            guard let port = channel.localAddress?.port else {
                try? await channel.close()
                throw LoopbackServerError.noPort
            }
            return LoopbackHTTPServer(group: group, channel: channel, host: host, port: port, counts: counts)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// `baseURL + path`.
    public func url(_ path: String) -> String {
        baseURL + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// How many requests arrived for `path` (without query).
    public func requestCount(path: String) -> Int {
        counts.state.withLock { $0.byPath[path, default: 0] }
    }

    /// How many requests arrived in total.
    public var totalRequests: Int {
        counts.state.withLock { $0.total }
    }

    /// How many TCP connections were accepted (to check connection reuse).
    public var acceptedConnections: Int {
        counts.state.withLock { $0.connections }
    }

    /// Closes the listener and every open connection, and stops the server's thread.
    public func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}

/// Why the loopback server could not start.
public enum LoopbackServerError: Error {
    case noPort
}

final class RequestCounts: Sendable {
    struct State {
        var byPath: [String: Int] = [:]
        var total = 0
        var connections = 0
    }
    let state = Mutex(State())
}

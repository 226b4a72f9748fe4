/// What the loopback server answers to one request, and how it delivers it.
public struct LoopbackResponse: Sendable {
    /// How the response reaches the client: normally, or the way a slow, broken or hostile host sends it.
    public enum Delivery: Sendable, Hashable {
        /// Head and body at once, with a `Content-Length`.
        case normal
        /// Head and body after waiting this many seconds (the event loop keeps serving others).
        case delayed(seconds: Double)
        /// Head at once, then the body at about this many bytes per second.
        case drip(bytesPerSecond: Int)
        /// Reads the request and never writes a byte, keeping the connection open.
        case neverAnswer
        /// Reads the request and closes the connection without answering.
        case closeWithoutAnswer
        /// Announces the full `Content-Length`, sends this many body bytes, then resets the connection (RST).
        case resetMidBody(afterBytes: Int)
        /// A chunked body of `totalBytes` bytes: `body` repeated (or `x` when `body` is empty), in chunks of
        /// `chunkBytes`, each written after the previous one reached the socket.
        case chunkedStream(totalBytes: Int, chunkBytes: Int = 64 << 10)
    }

    /// The HTTP status code.
    public var status: Int
    /// Response headers in order; `Content-Length` is added for `normal`, `delayed` and `drip` unless present.
    public var headers: [(String, String)]
    /// The body bytes (the repeated pattern for `chunkedStream`).
    public var body: [UInt8]
    /// How the response is delivered.
    public var delivery: Delivery

    /// A response with the given parts.
    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], delivery: Delivery = .normal) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delivery = delivery
    }

    /// `200 OK` with a text body.
    public static func ok(_ body: String, contentType: String = "application/rss+xml; charset=utf-8") -> LoopbackResponse {
        LoopbackResponse(status: 200, headers: [("Content-Type", contentType)], body: Array(body.utf8))
    }

    /// An empty response with this status.
    public static func status(_ status: Int, headers: [(String, String)] = []) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: headers)
    }

    /// A redirect with this status (301, 302, 307, 308) to `location`.
    public static func redirect(_ status: Int = 302, to location: String) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: [("Location", location)])
    }

    /// The same response delivered differently.
    public func delivered(_ delivery: Delivery) -> LoopbackResponse {
        var copy = self
        copy.delivery = delivery
        return copy
    }

    /// The same response with one more header.
    public func adding(header name: String, _ value: String) -> LoopbackResponse {
        var copy = self
        copy.headers.append((name, value))
        return copy
    }

    /// The first value of header `name` (case-insensitive) in this response.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }
}

/// One request as the loopback server received it.
public struct LoopbackRequest: Sendable {
    /// The method, e.g. `GET`.
    public var method: String
    /// The path without the query.
    public var path: String
    /// The query after `?`, if any.
    public var query: String?
    /// The request headers in order.
    public var headers: [(String, String)]
    /// The request body.
    public var body: [UInt8]

    /// Builds a request (the server does this; tests may too).
    public init(method: String, path: String, query: String?, headers: [(String, String)], body: [UInt8]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }
}

/// Why a document could not be turned into a feed.
public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The document is something else: an HTML page, a JSON error body, an empty file, binary junk.
        case notAFeed
        /// The document exceeds a configured bound (size, depth, time).
        case limitExceeded
        /// The document is a feed but too broken to recover anything.
        case malformed
    }

    public var code: Code
    public var message: String
    /// For an HTML page: the feed URLs it advertises with `<link rel="alternate">`.
    public var advertisedFeeds: [String]

    public init(code: Code, message: String, advertisedFeeds: [String] = []) {
        self.code = code
        self.message = message
        self.advertisedFeeds = advertisedFeeds
    }

    public var description: String { "parser: \(message)" }
}

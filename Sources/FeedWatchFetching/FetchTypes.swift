import Foundation

/// What to fetch and the validators from the previous fetch.
public struct FetchRequest: Sendable, Hashable {
    /// The URL to fetch (`http`/`https`; `file:` only when `allowFileScheme` is set).
    public var url: String
    /// The `ETag` of the last successful response, sent back as `If-None-Match`.
    public var etag: String?
    /// The `Last-Modified` of the last successful response, sent back as `If-Modified-Since`.
    public var lastModified: String?
    /// Whether this request may read a `file:` URL (only for feeds configured with one).
    public var allowFileScheme: Bool
    /// Extra request headers for this feed (never logged).
    public var extraHeaders: [String: String]
    /// When set, the fetch connects only to addresses this policy permits (checked on every
    /// resolved address, redirects included) and never reuses a connection: for URLs taken from
    /// feeds, which are untrusted. Nil (the default) applies no address check. With a proxy
    /// configured (or set in the environment) the target's host is resolved and every address
    /// checked before the proxy is asked, since the only socket opened is the proxy's.
    public var addressPolicy: AddressPolicy?
    /// The policy for redirects that leave the requested URL's host (a configured feed's
    /// redirect into the private network); nil applies none. Ignored when `addressPolicy` is set.
    public var crossHostRedirectPolicy: AddressPolicy?

    public init(
        url: String, etag: String? = nil, lastModified: String? = nil, allowFileScheme: Bool = false,
        extraHeaders: [String: String] = [:], addressPolicy: AddressPolicy? = nil,
        crossHostRedirectPolicy: AddressPolicy? = nil
    ) {
        self.crossHostRedirectPolicy = crossHostRedirectPolicy
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.allowFileScheme = allowFileScheme
        self.extraHeaders = extraHeaders
        self.addressPolicy = addressPolicy
    }
}

/// A completed HTTP exchange (any status) or a `file:` read.
public struct FetchResult: Sendable, Hashable {
    /// The URL that was requested.
    public var requestedURL: String
    /// The URL of the final response after redirects.
    public var effectiveURL: String
    /// HTTP status of the final response (200 for a `file:` read).
    public var status: Int
    /// Final response headers, names lower-cased, in arrival order.
    public var headers: [(name: String, value: String)] {
        get { headerPairs.map { ($0.name, $0.value) } }
        set { headerPairs = newValue.map { HeaderPair(name: $0.name, value: $0.value) } }
    }
    /// The decoded body (content-encoding removed), at most the configured cap.
    public var body: [UInt8]
    /// Seconds from start to completion.
    public var duration: Double
    /// The target of a permanent redirect (301/308) in the chain, if any.
    public var permanentRedirect: String?
    /// The absolute target of this response's `Location` (one hop; `Fetcher` follows it).
    var redirectTarget: String? = nil

    struct HeaderPair: Sendable, Hashable {
        var name: String
        var value: String
    }
    var headerPairs: [HeaderPair]

    public init(
        requestedURL: String, effectiveURL: String, status: Int, headers: [(name: String, value: String)],
        body: [UInt8], duration: Double, permanentRedirect: String? = nil
    ) {
        self.requestedURL = requestedURL
        self.effectiveURL = effectiveURL
        self.status = status
        self.headerPairs = headers.map { HeaderPair(name: $0.name.lowercased(), value: $0.value) }
        self.body = body
        self.duration = duration
        self.permanentRedirect = permanentRedirect
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headerPairs.first { $0.name == lower }?.value
    }

    public var etag: String? { header("etag") }
    public var lastModified: String? { header("last-modified") }
    public var contentType: String? { header("content-type") }
    /// True for `304 Not Modified`: nothing to parse.
    public var notModified: Bool { status == 304 }
}

/// Why a fetch produced no HTTP response at all.
public struct FetchError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case invalidURL, unsupportedScheme, dnsFailure, connectionFailed, tlsFailure, timeout
        case bodyTooLarge, tooManyRedirects, connectionReset, badContentEncoding, headersTooLarge
        case fileUnreadable, cancelled, other
        /// The address policy refused the resolved address (loopback, private, link-local, multicast…).
        case forbiddenAddress
    }

    public var code: Code
    /// A plain-words explanation, naming the URL's host but never its credentials.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "fetch: \(message)" }
}

import FeedWatchCurl

/// Limits and identity for a `Fetcher`; every bound is explicit.
public struct FetcherConfiguration: Sendable, Hashable {
    /// Transfers running at once across all hosts; the rest wait in the fetcher's queue.
    public var maxConcurrent: Int
    /// Transfers running at once against one host (the requested URL's host and port); more wait their turn.
    public var maxPerHost: Int
    /// Seconds allowed to establish a connection (TCP and TLS).
    public var connectTimeout: Double
    /// Seconds allowed for a whole transfer, redirects included, from the moment it starts running.
    public var totalTimeout: Double
    /// A transfer slower than this many bytes per second for `lowSpeedTime` seconds is aborted.
    public var lowSpeedLimitBytesPerSecond: Int
    /// Seconds of low speed tolerated (rounded up to whole seconds for libcurl).
    public var lowSpeedTime: Double
    /// Cap on the decoded body (after content-encoding is removed), chunked or not.
    public var maxBodyBytes: Int
    /// Redirects followed before giving up.
    public var maxRedirects: Int
    /// Cap on the total size of one response's header lines.
    public var maxHeaderBytes: Int
    /// The `User-Agent` header.
    public var userAgent: String
    /// A proxy URL; nil lets libcurl honour `http_proxy`, `https_proxy`, `no_proxy` and friends.
    public var proxy: String?
    /// A PEM file of certificate authorities to trust instead of the system's (a private CA); nil: the system's.
    /// Verification itself is never switched off.
    public var caBundlePath: String?

    /// A configuration; every parameter has the documented default.
    public init(
        maxConcurrent: Int = 16, maxPerHost: Int = 2, connectTimeout: Double = 10, totalTimeout: Double = 30,
        lowSpeedLimitBytesPerSecond: Int = 64, lowSpeedTime: Double = 15, maxBodyBytes: Int = 16 << 20,
        maxRedirects: Int = 5, maxHeaderBytes: Int = 64 << 10,
        userAgent: String = HTTPIdentity.userAgent, proxy: String? = nil,
        caBundlePath: String? = nil
    ) {
        self.maxConcurrent = maxConcurrent
        self.maxPerHost = maxPerHost
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.lowSpeedLimitBytesPerSecond = lowSpeedLimitBytesPerSecond
        self.lowSpeedTime = lowSpeedTime
        self.maxBodyBytes = maxBodyBytes
        self.maxRedirects = maxRedirects
        self.maxHeaderBytes = maxHeaderBytes
        self.userAgent = userAgent
        self.proxy = proxy
        self.caBundlePath = caBundlePath
    }

    /// The same configuration with every value forced into a range libcurl accepts.
    var clamped: FetcherConfiguration {
        var copy = self
        copy.maxConcurrent = min(max(1, maxConcurrent), 4096)
        copy.maxPerHost = min(max(1, maxPerHost), copy.maxConcurrent)
        copy.connectTimeout = min(max(0.001, connectTimeout.isFinite ? connectTimeout : 10), 3600)
        copy.totalTimeout = min(max(0.001, totalTimeout.isFinite ? totalTimeout : 30), 86400)
        copy.lowSpeedLimitBytesPerSecond = max(0, lowSpeedLimitBytesPerSecond)
        copy.lowSpeedTime = min(max(1, lowSpeedTime.isFinite ? lowSpeedTime : 15), 86400)
        copy.maxBodyBytes = min(max(0, maxBodyBytes), 1 << 40)
        copy.maxRedirects = min(max(0, maxRedirects), 50)
        copy.maxHeaderBytes = min(max(1024, maxHeaderBytes), 1 << 24)
        return copy
    }
}

extension Int {
    /// `16 MiB`, `64 KiB`, `512 bytes`: how limits are named in error messages.
    var byteCountWords: String {
        if self >= 1 << 20, self % (1 << 20) == 0 { return "\(self >> 20) MiB" }
        if self >= 1 << 10, self % (1 << 10) == 0 { return "\(self >> 10) KiB" }
        return "\(self) bytes"
    }
}

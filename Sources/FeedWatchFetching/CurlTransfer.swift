import CCurlShims
import FeedWatchCurl
import Synchronization

/// One fetch: the validated request, and once running its easy handle and what has arrived.
///
/// Built on the caller's thread; once submitted, only the engine thread touches its mutable state (that
/// hand-over goes through the engine's mutex), which is why it is `@unchecked Sendable`. The easy handle
/// exists only while the transfer runs, so queued transfers cost no libcurl memory.
final class CurlTransfer: @unchecked Sendable {
    enum Phase { case new, queued, running, done }
    enum Overflow { case none, body, headers }

    let request: FetchRequest
    let target: URLTarget
    let limits: FetcherConfiguration
    /// Key for the per-host limit: host and port, as libcurl's own per-host connection limit counts them.
    var hostKey: String { target.hostAndPort }

    /// The libcurl handle while running (engine thread only).
    private(set) var easy: CurlEasyHandle?

    /// Set from any thread by cancellation; read by the engine thread.
    let cancelRequested = Atomic<Bool>(false)

    // Engine-thread state.
    var phase: Phase = .new
    var continuation: CheckedContinuation<Result<FetchResult, FetchError>, Never>?
    private(set) var body: [UInt8] = []
    private(set) var overflow: Overflow = .none
    /// Header lines of the response being received (reset on each status line of a redirect chain).
    private(set) var headers: [(name: String, value: String)] = []
    private var headerBytes = 0
    private var currentStatus: Int?
    /// Whether the current response's head has ended (only then can a status line start another response).
    private var headComplete = false
    /// The last `Location` header seen, for explaining a refused redirect.
    private(set) var lastLocation: String?
    /// The address the address policy refused, for the error message.
    private(set) var refusedAddress: String?

    /// Seconds this hop may take (what is left of the whole fetch's `totalTimeout`).
    let timeout: Double
    /// Whether this hop goes through a proxy whose target `Fetcher` has checked itself: the
    /// only socket libcurl opens is then the proxy's, which the socket check cannot judge.
    let proxiedAndPrechecked: Bool

    /// Validates the request; fails for an unusable URL, scheme or header. `target` is the
    /// request URL already parsed, when the caller has it.
    init(
        request: FetchRequest, configuration: FetcherConfiguration, timeout: Double? = nil,
        proxiedAndPrechecked: Bool = false, target parsed: URLTarget? = nil
    ) throws(FetchError) {
        self.timeout = timeout ?? configuration.totalTimeout
        self.proxiedAndPrechecked = proxiedAndPrechecked
        guard let target = parsed ?? URLTarget(request.url) else {
            throw FetchError(code: .invalidURL, message: "the feed URL has no scheme (expected http: or https:)")
        }
        switch target.scheme {
        case "http", "https":
            guard !target.host.isEmpty else {
                throw FetchError(code: .invalidURL, message: "the feed URL names no host")
            }
        case "file":
            guard request.allowFileScheme else {
                throw FetchError(
                    code: .unsupportedScheme, message: "file: URLs are only read for feeds configured with one")
            }
        default:
            throw FetchError(
                code: .unsupportedScheme,
                message: "\(target.scheme): URLs are not fetched (host \(target.hostForMessages)); use http or https")
        }
        for (name, value) in request.extraHeaders where !Self.isHeaderName(name) || Self.breaksHeaderLine(value) {
            // The value may be a secret: name the header only.
            throw FetchError(
                code: .other, message: "extra header \(Self.printable(name)) has an invalid name or a line break")
        }
        self.request = request
        self.target = target
        self.limits = configuration
    }

    /// Creates and configures the easy handle when the transfer is about to start (engine thread).
    func makeHandle() throws(FetchError) -> CurlEasyHandle {
        guard let easy = CurlEasyHandle() else {
            throw FetchError(code: .other, message: "libcurl could not create a transfer")
        }
        try configure(easy)
        self.easy = easy
        return easy
    }

    /// An RFC 9110 token: visible ASCII without separators.
    private static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256
            && name.utf8.allSatisfy { byte in
                byte > 0x20 && byte < 0x7F && !"\"(),/:;<=>?@[\\]{}".utf8.contains(byte)
            }
    }

    private static func breaksHeaderLine(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }

    private static func printable(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.prefix(64).map(Character.init))
    }

    private func configure(_ easy: CurlEasyHandle) throws(FetchError) {
        let c = limits
        var failed: CURLcode = CURLE_OK
        func check(_ code: CURLcode) {
            if code != CURLE_OK, failed == CURLE_OK { failed = code }
        }
        check(easy.set(CURLOPT_URL, request.url))
        check(easy.set(CURLOPT_PROTOCOLS_STR, request.allowFileScheme ? "http,https,file" : "http,https"))
        check(easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        check(easy.set(CURLOPT_NOSIGNAL, 1))
        // Redirects are followed by `Fetcher`, one transfer per hop: libcurl would reuse a cached
        // connection for a followed redirect (skipping the address check), and would send the
        // configured headers to whatever host a redirect names.
        check(easy.set(CURLOPT_FOLLOWLOCATION, 0))
        check(easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int((c.connectTimeout * 1000).rounded(.up))))
        check(easy.set(CURLOPT_TIMEOUT_MS, max(1, Int((timeout * 1000).rounded(.up)))))
        check(easy.set(CURLOPT_LOW_SPEED_LIMIT, c.lowSpeedLimitBytesPerSecond))
        check(easy.set(CURLOPT_LOW_SPEED_TIME, Int(c.lowSpeedTime.rounded(.up))))
        check(easy.setOffset(CURLOPT_MAXFILESIZE_LARGE, c.maxBodyBytes))
        check(easy.set(CURLOPT_ACCEPT_ENCODING, ""))
        check(easy.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)))
        check(easy.set(CURLOPT_SSL_VERIFYPEER, 1))
        check(easy.set(CURLOPT_SSL_VERIFYHOST, 2))
        check(easy.set(CURLOPT_TCP_KEEPALIVE, 1))
        check(easy.set(CURLOPT_USERAGENT, c.userAgent))
        if let proxy = c.proxy { check(easy.set(CURLOPT_PROXY, proxy)) }
        if let bundle = c.caBundlePath { check(easy.set(CURLOPT_CAINFO, bundle)) }
        check(easy.setHeaders(requestHeaderLines))
        check(
            easy.setCallbacks(
                body: curlWriteBody, header: curlWriteHeader, context: Unmanaged.passUnretained(self).toOpaque()))
        if request.addressPolicy != nil {
            // A connection opened for an unguarded fetch must not carry a guarded one, and vice versa.
            check(easy.set(CURLOPT_FRESH_CONNECT, 1))
            check(easy.set(CURLOPT_FORBID_REUSE, 1))
            if proxiedAndPrechecked {
                // Through the proxy for every host (no `no_proxy` exception), as the check assumed.
                check(easy.set(CURLOPT_NOPROXY, ""))
            } else {
                check(easy.setOpenSocket(curlOpenSocket, context: Unmanaged.passUnretained(self).toOpaque()))
            }
        }
        if failed != CURLE_OK {
            throw FetchError(
                code: failed == CURLE_UNSUPPORTED_PROTOCOL ? .unsupportedScheme : .other,
                message: "libcurl refused an option for \(target.hostForMessages): \(CurlEasyHandle.describe(failed))")
        }
    }

    private var requestHeaderLines: [String] {
        var lines = [
            "Accept: application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
                + "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
        ]
        if let etag = request.etag, !etag.isEmpty, !Self.breaksHeaderLine(etag) {
            lines.append("If-None-Match: \(etag)")
        }
        if let lastModified = request.lastModified, !lastModified.isEmpty, !Self.breaksHeaderLine(lastModified) {
            lines.append("If-Modified-Since: \(lastModified)")
        }
        for (name, value) in request.extraHeaders.sorted(by: { $0.key < $1.key }) {
            // "Name;" is libcurl's spelling of a header sent with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        return lines
    }

    // MARK: Callbacks (engine thread)

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limits.maxBodyBytes else {
            overflow = .body
            return false
        }
        if body.isEmpty, let declared = declaredContentLength, declared > bytes.count {
            // A declared length is only trusted up to 1 MiB: a host may announce more than it sends.
            body.reserveCapacity(min(declared, limits.maxBodyBytes, 1 << 20))
        }
        body.append(contentsOf: bytes)
        return true
    }

    private var declaredContentLength: Int? {
        // Only a hint for the first allocation: a compressed body's length is not its decoded length.
        guard headers.first(where: { $0.name == "content-encoding" }) == nil else { return nil }
        return headers.first { $0.name == "content-length" }.flatMap { Int($0.value) }
    }

    fileprivate func receiveHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/"), currentStatus == nil || headComplete {
            beginResponse(statusLine: line)
            headerBytes = bytes.count
            return true
        }
        headerBytes += bytes.count
        guard headerBytes <= limits.maxHeaderBytes else {
            overflow = .headers
            return false
        }
        if let first = line.unicodeScalars.first, first == " " || first == "\t", !headers.isEmpty {
            // An obsolete folded continuation line.
            headers[headers.count - 1].value += " " + line.trimmingWhitespace
            return true
        }
        guard let colon = line.firstIndex(of: ":") else {
            if line.trimmingWhitespace.isEmpty { headComplete = true }  // the blank line ending a head
            return true
        }
        let name = line[..<colon].trimmingWhitespace.lowercased()
        let value = line[line.index(after: colon)...].trimmingWhitespace
        headers.append((name, value))
        if name == "location" { lastLocation = value }
        return true
    }

    private func beginResponse(statusLine: String) {
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        let status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        currentStatus = status
        headComplete = false
        headers.removeAll(keepingCapacity: true)
    }

    // MARK: Completion (engine thread)

    var effectiveURL: String? { easy?.string(CURLINFO_EFFECTIVE_URL) }

    func infoLong(_ info: CURLINFO) -> Int { easy?.long(info) ?? 0 }

    func infoDouble(_ info: CURLINFO) -> Double { easy?.double(info) ?? 0 }

    var errorText: String { easy?.errorText ?? "" }

    /// The outcome of a finished transfer with libcurl's result code.
    func outcome(_ code: CURLcode) -> Result<FetchResult, FetchError> {
        guard code == CURLE_OK else { return .failure(failure(code)) }
        var status = infoLong(CURLINFO_RESPONSE_CODE)
        if target.scheme == "file", status == 0 { status = 200 }
        var result = FetchResult(
            requestedURL: request.url, effectiveURL: effectiveURL ?? request.url, status: status,
            headers: target.scheme == "file" ? [] : headers, body: body, duration: infoDouble(CURLINFO_TOTAL_TIME))
        // Where libcurl would have gone (absolute, resolved against this hop's URL), for `Fetcher` to follow.
        result.redirectTarget = easy?.string(CURLINFO_REDIRECT_URL)
        body = []
        return .success(result)
    }

    /// Hands the outcome to the awaiting caller, once.
    func complete(_ outcome: Result<FetchResult, FetchError>) {
        phase = .done
        body = []
        headers = []
        easy = nil
        continuation?.resume(returning: outcome)
        continuation = nil
    }
}

/// CURLOPT_OPENSOCKETFUNCTION for guarded fetches: refuses (CURL_SOCKET_BAD → CURLE_COULDNT_CONNECT)
/// any resolved address the request's policy does not permit, before a connection is attempted.
private func curlOpenSocket(
    _ context: UnsafeMutableRawPointer?, _ purpose: curlsocktype, _ address: UnsafeMutablePointer<curl_sockaddr>?
) -> curl_socket_t {
    guard let context, let address else { return CURL_SOCKET_BAD }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.openSocket(address) ?? CURL_SOCKET_BAD
}

extension CurlTransfer {
    fileprivate func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let family = bytes.withUnsafeMutableBufferPointer { fw_curl_sockaddr_ip(address, $0.baseAddress) }
        guard family == 4 || family == 6 else {
            refusedAddress = "a non-IP address"
            return nil
        }
        let ip = Array(bytes.prefix(family == 4 ? 4 : 16))
        guard let policy = request.addressPolicy, policy.permits(ip) else {
            refusedAddress = IPNetwork.format(ip)
            return nil
        }
        return fw_curl_open_socket(address)
    }
}

/// CURLOPT_WRITEFUNCTION: returning less than the size given aborts the transfer with CURLE_WRITE_ERROR.
private func curlWriteBody(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?
) -> Int {
    guard let user else { return 0 }
    let total = size * count
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

/// CURLOPT_HEADERFUNCTION: called once per header line, for every response of a redirect chain.
private func curlWriteHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?
) -> Int {
    guard let user else { return 0 }
    let total = size * count
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
    return transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

import CCurlShims
import Synchronization

/// One fetch: owns its libcurl easy handle, request header list and error buffer, and frees them in `deinit`.
///
/// Built on the caller's thread; once submitted, only the engine thread touches its mutable state (that
/// hand-over goes through the engine's mutex), which is why it is `@unchecked Sendable`.
final class CurlTransfer: @unchecked Sendable {
    enum Phase { case new, queued, running, done }
    enum Overflow { case none, body, headers }

    let request: FetchRequest
    let target: URLTarget
    let limits: FetcherConfiguration
    /// Key for the per-host limit.
    var hostKey: String { target.host }

    nonisolated(unsafe) private let easy: UnsafeMutableRawPointer
    nonisolated(unsafe) private var headerList: UnsafeMutablePointer<curl_slist>?
    nonisolated(unsafe) private let errorBuffer: UnsafeMutablePointer<CChar>

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
    /// True while every response so far in the chain was a permanent redirect (301/308).
    private var leadingPermanentRun = true
    private(set) var permanentRedirect: String?
    /// The last `Location` header seen, for explaining a refused redirect.
    private(set) var lastLocation: String?

    /// Creates and configures the easy handle; fails for an unusable URL or header.
    init(request: FetchRequest, configuration: FetcherConfiguration) throws(FetchError) {
        guard let target = URLTarget(request.url) else {
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
        for (name, value) in request.extraHeaders where Self.breaksHeaderLine(name) || Self.breaksHeaderLine(value) {
            // The value may be a secret: name the header only.
            throw FetchError(code: .other, message: "extra header \(Self.printable(name)) contains a line break or colon")
        }
        guard let easy = curl_easy_init() else {
            throw FetchError(code: .other, message: "libcurl could not create a transfer")
        }
        self.easy = easy
        self.request = request
        self.target = target
        self.limits = configuration
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try configure()
    }

    deinit {
        // The engine removed the handle from the multi handle before the last reference went away.
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// The easy handle, for the engine's multi handle only.
    var handle: UnsafeMutableRawPointer { easy }

    private static func breaksHeaderLine(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }

    private static func printable(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.prefix(64).map(Character.init))
    }

    private func configure() throws(FetchError) {
        let c = limits
        var failed: CURLcode = CURLE_OK
        func set(_ option: CURLoption, _ value: Int) {
            let code = fw_curl_easy_setopt_long(easy, option, value)
            if code != CURLE_OK, failed == CURLE_OK { failed = code }
        }
        func set(_ option: CURLoption, _ value: String) {
            // libcurl copies string options.
            let code = value.withCString { fw_curl_easy_setopt_string(easy, option, $0) }
            if code != CURLE_OK, failed == CURLE_OK { failed = code }
        }
        set(CURLOPT_URL, request.url)
        set(CURLOPT_PROTOCOLS_STR, request.allowFileScheme ? "http,https,file" : "http,https")
        set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_FOLLOWLOCATION, 1)
        set(CURLOPT_MAXREDIRS, c.maxRedirects)
        set(CURLOPT_CONNECTTIMEOUT_MS, Int((c.connectTimeout * 1000).rounded(.up)))
        set(CURLOPT_TIMEOUT_MS, Int((c.totalTimeout * 1000).rounded(.up)))
        set(CURLOPT_LOW_SPEED_LIMIT, c.lowSpeedLimitBytesPerSecond)
        set(CURLOPT_LOW_SPEED_TIME, Int(c.lowSpeedTime.rounded(.up)))
        set(CURLOPT_ACCEPT_ENCODING, "")
        set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        set(CURLOPT_SSL_VERIFYPEER, 1)
        set(CURLOPT_SSL_VERIFYHOST, 2)
        set(CURLOPT_TCP_KEEPALIVE, 1)
        set(CURLOPT_USERAGENT, c.userAgent)
        if let proxy = c.proxy { set(CURLOPT_PROXY, proxy) }
        if failed == CURLE_OK {
            let code = fw_curl_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, c.maxBodyBytes)
            if code != CURLE_OK { failed = code }
        }

        var lines = ["Accept: application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"]
        if let etag = request.etag, !Self.breaksHeaderLine(etag), !etag.isEmpty {
            lines.append("If-None-Match: \(etag)")
        }
        if let lastModified = request.lastModified, !Self.breaksHeaderLine(lastModified), !lastModified.isEmpty {
            lines.append("If-Modified-Since: \(lastModified)")
        }
        for (name, value) in request.extraHeaders.sorted(by: { $0.key < $1.key }) {
            // "Name;" is libcurl's spelling of a header with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        for line in lines {
            guard let appended = line.withCString({ curl_slist_append(headerList, $0) }) else {
                throw FetchError(code: .other, message: "out of memory building request headers")
            }
            headerList = appended
        }
        if failed == CURLE_OK { failed = fw_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList) }

        let me = Unmanaged.passUnretained(self).toOpaque()
        if failed == CURLE_OK { failed = fw_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer) }
        if failed == CURLE_OK { failed = fw_curl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteBody) }
        if failed == CURLE_OK { failed = fw_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me) }
        if failed == CURLE_OK { failed = fw_curl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlWriteHeader) }
        if failed == CURLE_OK { failed = fw_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me) }
        if failed != CURLE_OK {
            throw FetchError(
                code: failed == CURLE_UNSUPPORTED_PROTOCOL ? .unsupportedScheme : .other,
                message: "libcurl refused an option for \(target.hostForMessages): \(Self.describe(failed))")
        }
    }

    static func describe(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "error \(code.rawValue)" }
        return String(cString: text)
    }

    // MARK: Callbacks (engine thread)

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limits.maxBodyBytes else {
            overflow = .body
            return false
        }
        if body.isEmpty, let declared = declaredContentLength, declared <= limits.maxBodyBytes {
            body.reserveCapacity(declared)
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
        if line.hasPrefix("HTTP/") {
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
        guard let colon = line.firstIndex(of: ":") else { return true }  // the blank line ending the head
        let name = line[..<colon].trimmingWhitespace.lowercased()
        let value = line[line.index(after: colon)...].trimmingWhitespace
        headers.append((name, value))
        if name == "location" { lastLocation = value }
        return true
    }

    private func beginResponse(statusLine: String) {
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        let status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        if let previous = currentStatus, !(100...199).contains(previous) {
            // The previous response was a redirect libcurl followed; the effective URL is now its target.
            if leadingPermanentRun, previous == 301 || previous == 308 {
                permanentRedirect = effectiveURL
            } else {
                leadingPermanentRun = false
            }
        }
        currentStatus = status
        headers.removeAll(keepingCapacity: true)
    }

    // MARK: Completion (engine thread)

    var effectiveURL: String? {
        var pointer: UnsafePointer<CChar>?
        guard fw_curl_easy_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &pointer) == CURLE_OK, let pointer else {
            return nil
        }
        return String(cString: pointer)
    }

    func infoLong(_ info: CURLINFO) -> Int {
        var value = 0
        return fw_curl_easy_getinfo_long(easy, info, &value) == CURLE_OK ? value : 0
    }

    func infoDouble(_ info: CURLINFO) -> Double {
        var value = 0.0
        return fw_curl_easy_getinfo_double(easy, info, &value) == CURLE_OK ? value : 0
    }

    var errorText: String {
        String(cString: errorBuffer)
    }

    /// The outcome of a finished transfer with libcurl's result code.
    func outcome(_ code: CURLcode) -> Result<FetchResult, FetchError> {
        guard code == CURLE_OK else { return .failure(failure(code)) }
        var status = infoLong(CURLINFO_RESPONSE_CODE)
        if target.scheme == "file", status == 0 { status = 200 }
        let result = FetchResult(
            requestedURL: request.url, effectiveURL: effectiveURL ?? request.url, status: status,
            headers: target.scheme == "file" ? [] : headers, body: body, duration: infoDouble(CURLINFO_TOTAL_TIME),
            permanentRedirect: permanentRedirect)
        body = []
        return .success(result)
    }

    /// Hands the outcome to the awaiting caller, once.
    func complete(_ outcome: Result<FetchResult, FetchError>) {
        phase = .done
        body = []
        continuation?.resume(returning: outcome)
        continuation = nil
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

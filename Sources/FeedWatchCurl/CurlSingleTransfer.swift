import CCurlShims
import Foundation

/// One request outside the fetch engine: a webhook POST or an SMTP message. Deliveries are
/// rare (a few a day), so each gets its own easy handle on its own thread: `curl_easy_perform`
/// blocks, and must not block a Swift concurrency thread.
public struct CurlRequest: Sendable {
    /// What the request sends.
    public enum Body: Sendable {
        /// An HTTP POST of these bytes.
        case post([UInt8])
        /// An upload (SMTP `DATA`) of these bytes.
        case upload([UInt8])
    }

    /// Whether TLS is used on a protocol that can start without it (SMTP's STARTTLS).
    public enum TLSUse: Sendable {
        case required, opportunistic, none
    }

    public var url: String
    /// libcurl's protocol list for this request and any redirect, e.g. `"http,https"`.
    public var protocols: String
    public var body: Body
    /// Request header lines (`Name: value`); HTTP only.
    public var headers: [String] = []
    /// SMTP envelope: sender and recipients (bare addresses).
    public var mailFrom: String?
    public var mailRecipients: [String] = []
    public var username: String?
    public var password: String?
    public var tls: TLSUse = .required
    /// A PEM file of certificate authorities to trust instead of the system's; verification stays on.
    public var caFile: String?
    /// Seconds for the whole transfer; connecting may take at most 30 of them.
    public var timeout: Double
    /// Bytes of the answer's body that are counted; more fails the transfer.
    public var maxAnswerBytes: Int = 64 << 10
    /// The first bytes of the answer's body that are kept (`CurlAnswer.body`), so a caller can
    /// show what a server said; 0 keeps nothing.
    public var keptAnswerBytes: Int = 0
    /// The HTTP method when it is not the body's own (`PUT` for an API that wants one); nil
    /// keeps POST for `.post` bodies.
    public var method: String?
    /// Redirects are never followed: a delivery goes where it was configured to go.
    public init(url: String, protocols: String, body: Body, timeout: Double) {
        self.url = url
        self.protocols = protocols
        self.body = body
        self.timeout = timeout
    }
}

/// Why a single transfer failed, in libcurl's words.
public struct CurlTransferFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// What the server answered: its response code and the first `keptAnswerBytes` of its body.
public struct CurlAnswer: Sendable, Hashable {
    /// The HTTP status, or the SMTP server's last reply code.
    public var status: Int
    /// The start of the body (at most `CurlRequest.keptAnswerBytes`).
    public var body: [UInt8]
}

/// Runs `CurlRequest`s: the delivery side of the one curl layer.
public enum CurlSingleTransfer {
    /// Performs `request` on its own thread. Success carries the response code (HTTP status,
    /// or the SMTP server's last reply).
    public static func perform(_ request: CurlRequest) async -> Result<Int, CurlTransferFailure> {
        await performAnswering(request).map(\.status)
    }

    /// Performs `request` on its own thread; success carries the answer (status and the kept
    /// start of the body).
    public static func performAnswering(_ request: CurlRequest) async -> Result<CurlAnswer, CurlTransferFailure> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<CurlAnswer, CurlTransferFailure>, Never>) in
            let thread = Thread {
                continuation.resume(returning: SingleEasy.perform(request))
            }
            thread.name = "feedwatch-delivery"
            thread.start()
        }
    }
}

/// One easy handle with its lists and upload buffer, for one `CurlRequest`; freed in `deinit`.
private final class SingleEasy {
    typealias Failure = CurlTransferFailure

    private let easy: CurlEasyHandle
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var upload: [UInt8] = []
    private var uploadOffset = 0
    private var answerBytes = 0
    private var maxAnswerBytes = 0
    private var keptAnswerBytes = 0
    private var kept: [UInt8] = []

    private init?() {
        guard let easy = CurlEasyHandle() else { return nil }
        self.easy = easy
    }

    deinit {
        for list in lists { curl_slist_free_all(list) }
    }

    private func check(_ code: CURLcode, _ what: String) throws(Failure) {
        guard code == CURLE_OK else { throw Failure(description: "cannot set \(what): \(CurlEasyHandle.describe(code))") }
    }

    private func set(_ option: CURLoption, _ value: String, _ what: String) throws(Failure) {
        try check(easy.set(option, value), what)
    }

    private func set(_ option: CURLoption, _ value: Int, _ what: String) throws(Failure) {
        try check(easy.set(option, value), what)
    }

    private func list(_ items: [String]) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for item in items { list = curl_slist_append(list, item) }
        if let list { lists.append(list) }
        return list
    }

    private func configure(_ request: CurlRequest) throws(Failure) {
        let raw = easy.rawHandle
        let context = Unmanaged.passUnretained(self).toOpaque()
        maxAnswerBytes = request.maxAnswerBytes
        keptAnswerBytes = request.keptAnswerBytes
        try set(CURLOPT_NOSIGNAL, 1, "no signals")
        try set(CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000), "timeout")
        try set(CURLOPT_CONNECTTIMEOUT_MS, Int(min(request.timeout, 30) * 1000), "connect timeout")
        try set(CURLOPT_FOLLOWLOCATION, 0, "redirects")
        try check(fw_curl_easy_setopt_data_callback(raw, CURLOPT_WRITEFUNCTION, curlCountAnswer), "write callback")
        try check(fw_curl_easy_setopt_pointer(raw, CURLOPT_WRITEDATA, context), "write data")
        try set(CURLOPT_URL, request.url, "url")
        try set(CURLOPT_PROTOCOLS_STR, request.protocols, "protocols")
        if !request.headers.isEmpty {
            try check(fw_curl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list(request.headers)), "headers")
        }
        if let from = request.mailFrom { try set(CURLOPT_MAIL_FROM, "<\(from)>", "sender") }
        if !request.mailRecipients.isEmpty {
            try check(fw_curl_easy_setopt_slist(raw, CURLOPT_MAIL_RCPT, list(request.mailRecipients.map { "<\($0)>" })), "recipients")
        }
        if let username = request.username { try set(CURLOPT_USERNAME, username, "user name") }
        if let password = request.password { try set(CURLOPT_PASSWORD, password, "password") }
        let useSSL: curl_usessl
        switch request.tls {
        case .required: useSSL = CURLUSESSL_ALL
        case .opportunistic: useSSL = CURLUSESSL_TRY
        case .none: useSSL = CURLUSESSL_NONE
        }
        try set(CURLOPT_USE_SSL, Int(useSSL.rawValue), "TLS use")
        if let caFile = request.caFile { try set(CURLOPT_CAINFO, caFile, "CA file") }
        switch request.body {
        case .upload(let bytes):
            upload = bytes
            try set(CURLOPT_UPLOAD, 1, "upload")
            try check(easy.setOffset(CURLOPT_INFILESIZE_LARGE, bytes.count), "upload size")
            try check(fw_curl_easy_setopt_data_callback(raw, CURLOPT_READFUNCTION, curlReadUpload), "read callback")
            try check(fw_curl_easy_setopt_pointer(raw, CURLOPT_READDATA, context), "read data")
        case .post(let bytes):
            try set(CURLOPT_POST, 1, "POST")
            if let method = request.method { try set(CURLOPT_CUSTOMREQUEST, method, "method") }
            try check(easy.setOffset(CURLOPT_POSTFIELDSIZE_LARGE, bytes.count), "body size")
            var copy = bytes
            let code = copy.withUnsafeMutableBytes { fw_curl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
            try check(code, "body")
        }
    }

    fileprivate func readUpload(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, upload.count - uploadOffset)
        guard count > 0 else { return 0 }
        upload.withUnsafeBytes { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + uploadOffset, byteCount: count)
        }
        uploadOffset += count
        return count
    }

    fileprivate func countAnswer(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Bool {
        if kept.count < keptAnswerBytes {
            let take = min(count, keptAnswerBytes - kept.count)
            data.withMemoryRebound(to: UInt8.self, capacity: take) { kept.append(contentsOf: UnsafeBufferPointer(start: $0, count: take)) }
        }
        answerBytes += count
        return answerBytes <= maxAnswerBytes
    }

    static func perform(_ request: CurlRequest) -> Result<CurlAnswer, Failure> {
        guard let single = SingleEasy() else { return .failure(Failure(description: "libcurl could not create a transfer")) }
        do {
            try single.configure(request)
        } catch {
            return .failure(error)
        }
        let code = curl_easy_perform(single.easy.rawHandle)
        guard code == CURLE_OK else {
            let detail = single.easy.errorText
            return .failure(Failure(description: detail.isEmpty ? CurlEasyHandle.describe(code) : detail))
        }
        return .success(CurlAnswer(status: single.easy.long(CURLINFO_RESPONSE_CODE), body: single.kept))
    }
}

/// CURLOPT_READFUNCTION: hands libcurl the next slice of the upload.
private func curlReadUpload(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let user else { return 0 }
    return Unmanaged<SingleEasy>.fromOpaque(user).takeUnretainedValue().readUpload(into: buffer, capacity: size * count)
}

/// CURLOPT_WRITEFUNCTION: the answer's body is counted (bounded); only its start is kept.
private func curlCountAnswer(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let user, let data else { return 0 }
    let total = size * count
    return Unmanaged<SingleEasy>.fromOpaque(user).takeUnretainedValue().countAnswer(data, total) ? total : 0
}

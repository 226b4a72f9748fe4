import CCurlShims
import Foundation
import FeedWatchModel

/// SMTP and webhook delivery through libcurl's easy interface. Deliveries are rare (a few a
/// day) so each gets its own handle on its own thread: `curl_easy_perform` blocks, and must
/// not block a Swift concurrency thread. Everything C stays in this file.
enum SMTPClient {
    static func send(_ message: String, settings: SMTPSettings, timeout: Double) async throws(DeliveryError) {
        let lower = settings.url.lowercased()
        guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://") else {
            throw DeliveryError("email: url must start with smtp:// or smtps://", retryable: false)
        }
        let host = URLComponents(string: settings.url)?.host ?? "the SMTP server"
        let outcome = await CurlEasy.run(timeout: timeout) { (easy: CurlEasy) throws(CurlEasy.Failure) in
            try easy.set(CURLOPT_URL, settings.url)
            try easy.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
            try easy.set(CURLOPT_MAIL_FROM, "<\(settings.from)>")
            try easy.setRecipients(settings.to)
            if let username = settings.username { try easy.set(CURLOPT_USERNAME, username) }
            if let password = settings.password { try easy.set(CURLOPT_PASSWORD, password.value) }
            let useSSL: curl_usessl
            switch settings.tls {
            case .required: useSSL = CURLUSESSL_ALL
            case .opportunistic: useSSL = CURLUSESSL_TRY
            case .none: useSSL = CURLUSESSL_NONE
            }
            try easy.set(CURLOPT_USE_SSL, Int(useSSL.rawValue))
            if let caFile = settings.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
            try easy.upload(Array(message.utf8))
        }
        switch outcome {
        case .success: return
        case .failure(let failure): throw DeliveryError("email via \(host): \(failure)")
        }
    }
}

enum WebhookClient {
    /// Bodies of answers beyond this are not kept (only the status matters).
    static let maxAnswerBytes = 64 << 10

    static func post(_ notification: Notification, settings: WebhookSettings, timeout: Double) async throws(DeliveryError) {
        let host = URLComponents(string: settings.url)?.host ?? "the webhook"
        let body = Array(notification.json.utf8)
        var headers = [
            "Content-Type: application/json; charset=utf-8",
            "User-Agent: feedwatch",
            "X-Feedwatch-Event: \(notification.event)",
            "X-Feedwatch-Delivery: \(notification.deliveryID)",
        ]
        if let secret = settings.secret {
            let mac = SHA256.hmac(key: Array(secret.value.utf8), message: body)
            headers.append("X-Feedwatch-Signature: sha256=\(SHA256.hex(mac))")
        }
        let finalHeaders = headers
        let outcome = await CurlEasy.run(timeout: timeout) { (easy: CurlEasy) throws(CurlEasy.Failure) in
            try easy.set(CURLOPT_URL, settings.url)
            try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
            try easy.set(CURLOPT_FOLLOWLOCATION, 0)
            try easy.setHeaders(finalHeaders)
            try easy.post(body)
        }
        switch outcome {
        case .success(let status):
            guard (200..<300).contains(status) else { throw DeliveryError("webhook \(host) answered HTTP \(status)") }
        case .failure(let failure):
            throw DeliveryError("webhook \(host): \(failure)")
        }
    }
}

/// One easy handle, its header list and upload buffer; freed in `deinit`.
private final class CurlEasy {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var upload: [UInt8] = []
    private var uploadOffset = 0
    private var answerBytes = 0
    private let errorBuffer: UnsafeMutablePointer<CChar>

    private init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    private var raw: UnsafeMutableRawPointer { handle }

    private func check(_ code: CURLcode, _ what: String) throws(Failure) {
        guard code == CURLE_OK else { throw Failure(description: "cannot set \(what): \(String(cString: curl_easy_strerror(code)))") }
    }

    func set(_ option: CURLoption, _ value: String) throws(Failure) {
        try check(fw_curl_easy_setopt_string(raw, option, value), "option \(option.rawValue)")
    }

    func set(_ option: CURLoption, _ value: Int) throws(Failure) {
        try check(fw_curl_easy_setopt_long(raw, option, value), "option \(option.rawValue)")
    }

    private func list(_ items: [String]) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for item in items { list = curl_slist_append(list, item) }
        if let list { lists.append(list) }
        return list
    }

    func setRecipients(_ recipients: [String]) throws(Failure) {
        try check(fw_curl_easy_setopt_slist(raw, CURLOPT_MAIL_RCPT, list(recipients.map { "<\($0)>" })), "recipients")
    }

    func setHeaders(_ headers: [String]) throws(Failure) {
        try check(fw_curl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list(headers)), "headers")
    }

    func upload(_ bytes: [UInt8]) throws(Failure) {
        upload = bytes
        try set(CURLOPT_UPLOAD, 1)
        try check(fw_curl_easy_setopt_off(raw, CURLOPT_INFILESIZE_LARGE, bytes.count), "upload size")
        try check(fw_curl_easy_setopt_data_callback(raw, CURLOPT_READFUNCTION, curlReadUpload), "read callback")
        try check(fw_curl_easy_setopt_pointer(raw, CURLOPT_READDATA, Unmanaged.passUnretained(self).toOpaque()), "read data")
    }

    func post(_ bytes: [UInt8]) throws(Failure) {
        try set(CURLOPT_POST, 1)
        try check(fw_curl_easy_setopt_off(raw, CURLOPT_POSTFIELDSIZE_LARGE, bytes.count), "body size")
        var copy = bytes
        let code = copy.withUnsafeMutableBytes { fw_curl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        try check(code, "body")
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

    fileprivate func receiveAnswer(_ count: Int) -> Bool {
        answerBytes += count
        return answerBytes <= WebhookClient.maxAnswerBytes
    }

    /// Performs one transfer on its own thread. Success carries the response code.
    static func run(timeout: Double, _ configure: @escaping @Sendable (CurlEasy) throws(Failure) -> Void) async -> Result<Int, Failure> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<Int, Failure>, Never>) in
            let thread = Thread {
                continuation.resume(returning: perform(timeout: timeout, configure))
            }
            thread.name = "feedwatch-delivery"
            thread.start()
        }
    }

    private static func perform(timeout: Double, _ configure: (CurlEasy) throws(Failure) -> Void) -> Result<Int, Failure> {
        guard let easy = CurlEasy() else { return .failure(Failure(description: "libcurl could not create a transfer")) }
        do {
            try easy.set(CURLOPT_NOSIGNAL, 1)
            try easy.set(CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
            try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(min(timeout, 30) * 1000))
            try easy.check(fw_curl_easy_setopt_pointer(easy.raw, CURLOPT_ERRORBUFFER, easy.errorBuffer), "error buffer")
            try easy.check(fw_curl_easy_setopt_data_callback(easy.raw, CURLOPT_WRITEFUNCTION, curlDiscardAnswer), "write callback")
            try easy.check(
                fw_curl_easy_setopt_pointer(easy.raw, CURLOPT_WRITEDATA, Unmanaged.passUnretained(easy).toOpaque()), "write data")
            try configure(easy)
        } catch {
            return .failure(error)
        }
        let code = curl_easy_perform(easy.raw)
        guard code == CURLE_OK else {
            let detail = String(cString: easy.errorBuffer)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(Failure(description: reason))
        }
        var status = 0
        _ = fw_curl_easy_getinfo_long(easy.raw, CURLINFO_RESPONSE_CODE, &status)
        return .success(status)
    }
}

/// CURLOPT_READFUNCTION: hands libcurl the next slice of the message.
private func curlReadUpload(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let user else { return 0 }
    return Unmanaged<CurlEasy>.fromOpaque(user).takeUnretainedValue().readUpload(into: buffer, capacity: size * count)
}

/// CURLOPT_WRITEFUNCTION: the answer's body is only counted (bounded), never kept.
private func curlDiscardAnswer(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let user else { return 0 }
    let total = size * count
    return Unmanaged<CurlEasy>.fromOpaque(user).takeUnretainedValue().receiveAnswer(total) ? total : 0
}

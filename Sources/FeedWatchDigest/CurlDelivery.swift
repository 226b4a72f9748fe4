import FeedWatchCurl
import Foundation
import FeedWatchModel

/// SMTP and webhook delivery through the one curl layer (`CurlSingleTransfer`): this file
/// only says what each kind of delivery sends; no C here.
enum SMTPClient {
    /// Sends `message`; returns the server's last reply code.
    static func send(_ message: String, settings: SMTPSettings, timeout: Double) async throws(DeliveryError) -> Int {
        let lower = settings.url.lowercased()
        guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://") else {
            throw DeliveryError("email: url must start with smtp:// or smtps://", retryable: false)
        }
        let host = URLComponents(string: settings.url)?.host ?? "the SMTP server"
        var request = CurlRequest(url: settings.url, protocols: "smtp,smtps", body: .upload(Array(message.utf8)), timeout: timeout)
        request.mailFrom = settings.from
        request.mailRecipients = settings.to
        request.username = settings.username
        request.password = settings.password?.value
        switch settings.tls {
        case .required: request.tls = .required
        case .opportunistic: request.tls = .opportunistic
        case .none: request.tls = .none
        }
        request.caFile = settings.caFile
        switch await CurlSingleTransfer.perform(request) {
        case .success(let reply): return reply
        case .failure(let failure): throw DeliveryError("email via \(host): \(failure)")
        }
    }
}

enum WebhookClient {
    /// Bodies of answers beyond this are not accepted (only the status and its start matter).
    static let maxAnswerBytes = 64 << 10
    /// How much of an answer is shown in an error or by `notify test`.
    static let shownAnswerBytes = 300

    /// Sends `notification` in the settings' format; returns "HTTP <status>: <start of the
    /// answer>". Signing is applied to whatever body the format made, after formatting.
    static func post(_ notification: Notification, settings: WebhookSettings, timeout: Double) async throws(DeliveryError) -> String {
        let message = try settings.format.message(for: notification, settings: settings)
        let host = URLComponents(string: settings.url)?.host ?? "the webhook"
        var request = CurlRequest(url: message.url, protocols: "http,https", body: .post(message.body), timeout: timeout)
        request.method = message.method == "POST" ? nil : message.method
        request.headers = message.headers + [
            "User-Agent: \(HTTPIdentity.userAgent)",
            "X-Feedwatch-Event: \(notification.eventName)",
            "X-Feedwatch-Delivery: \(notification.deliveryID)",
        ]
        if let secret = settings.secret {
            let timestamp = Int(Date().timeIntervalSince1970)
            request.headers.append("X-Feedwatch-Timestamp: \(timestamp)")
            request.headers.append(
                "X-Feedwatch-Signature: "
                    + WebhookSignature.header(secret: secret.value, timestamp: timestamp, deliveryID: notification.deliveryID, body: message.body))
        }
        request.maxAnswerBytes = maxAnswerBytes
        request.keptAnswerBytes = shownAnswerBytes
        switch await CurlSingleTransfer.performAnswering(request) {
        case .success(let answer):
            let said = Self.oneLine(answer.body)
            let line = "HTTP \(answer.status)" + (said.isEmpty ? "" : ": \(said)")
            guard (200..<300).contains(answer.status) else {
                throw DeliveryError("\(settings.format.serviceName) \(host) answered \(line)")
            }
            return line
        case .failure(let failure):
            throw DeliveryError("\(settings.format.serviceName) \(host): \(failure)")
        }
    }

    /// The start of an answer on one line, control characters replaced.
    static func oneLine(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}

/// The webhook signature receivers check (README, Delivery): HMAC-SHA256 with the shared
/// secret over `<timestamp>.<delivery id>.<body>`, sent as `X-Feedwatch-Signature:
/// sha256=<hex>` next to `X-Feedwatch-Timestamp` (Unix seconds of this attempt) and
/// `X-Feedwatch-Delivery`. Signing the time and the id, not only the body, lets a receiver
/// refuse a captured request replayed later (an old timestamp) or again (an id already seen).
public enum WebhookSignature {
    /// The bytes signed.
    public static func signedBytes(timestamp: Int, deliveryID: String, body: [UInt8]) -> [UInt8] {
        Array("\(timestamp).\(deliveryID).".utf8) + body
    }

    /// The `X-Feedwatch-Signature` value.
    public static func header(secret: String, timestamp: Int, deliveryID: String, body: [UInt8]) -> String {
        let mac = ContentDigest.hmac(
            key: Array(secret.utf8), message: signedBytes(timestamp: timestamp, deliveryID: deliveryID, body: body))
        return "sha256=" + ContentDigest.hex(mac)
    }
}

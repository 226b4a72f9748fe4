import FeedWatchCurl
import Foundation
import FeedWatchModel

/// SMTP and webhook delivery through the one curl layer (`CurlSingleTransfer`): this file
/// only says what each kind of delivery sends; no C here.
enum SMTPClient {
    static func send(_ message: String, settings: SMTPSettings, timeout: Double) async throws(DeliveryError) {
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
        var request = CurlRequest(url: settings.url, protocols: "http,https", body: .post(body), timeout: timeout)
        request.headers = [
            "Content-Type: application/json; charset=utf-8",
            "User-Agent: \(HTTPIdentity.userAgent)",
            "X-Feedwatch-Event: \(notification.event)",
            "X-Feedwatch-Delivery: \(notification.deliveryID)",
        ]
        if let secret = settings.secret {
            let timestamp = Int(Date().timeIntervalSince1970)
            request.headers.append("X-Feedwatch-Timestamp: \(timestamp)")
            request.headers.append(
                "X-Feedwatch-Signature: "
                    + WebhookSignature.header(secret: secret.value, timestamp: timestamp, deliveryID: notification.deliveryID, body: body))
        }
        request.maxAnswerBytes = maxAnswerBytes
        switch await CurlSingleTransfer.perform(request) {
        case .success(let status):
            guard (200..<300).contains(status) else { throw DeliveryError("webhook \(host) answered HTTP \(status)") }
        case .failure(let failure):
            throw DeliveryError("webhook \(host): \(failure)")
        }
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

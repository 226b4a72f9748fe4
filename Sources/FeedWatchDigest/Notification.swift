public import Foundation
import FeedWatchModel

/// What a notifier is told about: a digest was published, or a topic with `alert = true` matched.
public enum NotifierEvent: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A digest was written; it is sent whole.
    case digest
    /// One match of an alert topic, sent at once.
    case alert

    /// The name headers, environment variables and the configuration use: the raw value.
    public var description: String { rawValue }
}

/// One message to deliver, already rendered: every notifier picks the parts it needs.
public struct Notification: Sendable, Hashable {
    /// What the message is about (`FEEDWATCH_EVENT`, `X-Feedwatch-Event`).
    public var event: NotifierEvent
    /// Stable across retries, so a receiver can drop a repeat (`X-Feedwatch-Delivery`, Message-ID).
    public var deliveryID: String
    /// One line, e.g. "feedwatch digest 2026-11-29: 3 matches".
    public var subject: String
    /// Plain text (the Markdown digest).
    public var text: String
    /// The HTML page.
    public var html: String
    /// The JSON document (webhook body).
    public var json: String
    /// The digest file a command receives as its argument; nil for alerts.
    public var filePath: String?
    /// What the message says, for the formats that compose their own body (Slack, ntfy, …).
    public var content: NotificationContent
    /// A test message (`feedwatch notify test`): marked as such in its subject and headers.
    public var isTest: Bool = false

    /// A rendered message; `content` defaults to the subject alone.
    public init(
        event: NotifierEvent, deliveryID: String, subject: String, text: String, html: String, json: String, filePath: String?,
        content: NotificationContent? = nil
    ) {
        self.event = event
        self.deliveryID = deliveryID
        self.subject = subject
        self.text = text
        self.html = html
        self.json = json
        self.filePath = filePath
        self.content = content ?? NotificationContent(title: subject, summary: subject, items: [])
    }

    /// What headers and `FEEDWATCH_EVENT` call the event: `test` for a test message.
    public var eventName: String { isTest ? "test" : event.rawValue }

    /// A clearly marked test message for `feedwatch notify test`: one sample story, sent as
    /// the notifier's usual event would be, so the channel shows what a real one looks like.
    public static func test(notifier: String, host: String, at date: Date) -> Notification {
        let stamp = ISO8601DateFormatter().string(from: date)
        let subject = "[feedwatch test] notifier \(notifier) works"
        let summary = "This is a test message from feedwatch on \(host) (\(stamp)); nothing matched. Real messages come here."
        let item = NotificationContent.Item(
            title: "Sample story: this line shows how a matched article appears", link: "https://example.org/feedwatch-test",
            topic: "test", source: "feedwatch")
        let content = NotificationContent(title: subject, summary: summary, items: [item])
        let text = "\(subject)\n\n\(summary)\n"
        let json = "{\"schema\":\"feedwatch-test/1\",\"test\":true,\"notifier\":\(JSONText.quoted(notifier)),\"host\":\(JSONText.quoted(host)),\"sent\":\"\(stamp)\"}"
        var notification = Notification(
            event: .digest, deliveryID: "feedwatch.test.\(Int(date.timeIntervalSince1970))", subject: subject, text: text,
            html: "<p><strong>\(subject)</strong></p><p>\(summary)</p>", json: json, filePath: nil, content: content)
        notification.isTest = true
        return notification
    }

    /// The delivery id of outbox entry `number` sending `key` (`digest:2026-11-29`,
    /// `alert:17`): `feedwatch.<number>.<key with ":" as "-">`.
    public static func deliveryID(number: Int64, key: String) -> String {
        "feedwatch.\(number).\(key.replacingOccurrences(of: ":", with: "-"))"
    }
}

/// Why a delivery failed, in plain words, without any secret.
public struct DeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// False when retrying cannot help (e.g. a command that does not exist).
    public var retryable: Bool
    public init(_ message: String, retryable: Bool = true) {
        self.message = message
        self.retryable = retryable
    }
    public var description: String { message }
}

/// How a notifier reaches the user.
public enum NotifierTransport: Sendable, Hashable {
    case smtp(SMTPSettings)
    case sendmail(SendmailSettings)
    case webhook(WebhookSettings)
    case command(CommandSettings)

    /// `send`, with the outcome as a value.
    public func sendResult(_ notification: Notification, timeout: Double) async -> Result<Void, DeliveryError> {
        do {
            try await send(notification, timeout: timeout)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Sends `notification`, bounded by `timeout` seconds.
    public func send(_ notification: Notification, timeout: Double) async throws(DeliveryError) {
        _ = try await sendAnswering(notification, timeout: timeout)
    }

    /// Sends `notification` and says, in one line, what the other side answered (an HTTP
    /// status and the start of its body, an SMTP reply, a command's exit status), for
    /// `feedwatch notify test`.
    public func sendReporting(_ notification: Notification, timeout: Double) async -> Result<String, DeliveryError> {
        do {
            return .success(try await sendAnswering(notification, timeout: timeout))
        } catch {
            return .failure(error)
        }
    }

    private func sendAnswering(_ notification: Notification, timeout: Double) async throws(DeliveryError) -> String {
        switch self {
        case .smtp(let settings):
            let message = MailMessage.build(notification, from: settings.from, to: settings.to, maxBytes: settings.maxMessageBytes)
            let reply = try await SMTPClient.send(message, settings: settings, timeout: timeout)
            return "the SMTP server accepted the message (reply \(reply))"
        case .sendmail(let settings):
            let message = MailMessage.build(notification, from: settings.from, to: settings.to, maxBytes: settings.maxMessageBytes)
            try await CommandRunner.run(
                path: settings.path, arguments: ["-i", "-f", settings.from, "--"] + settings.to,
                input: Array(message.utf8), timeout: timeout)
            return "\(settings.path) accepted the message (exit status 0)"
        case .webhook(let settings):
            return try await WebhookClient.post(notification, settings: settings, timeout: timeout)
        case .command(let settings):
            var arguments = settings.arguments
            if let path = notification.filePath { arguments.append(path) }
            try await CommandRunner.run(
                path: settings.path, arguments: arguments, input: Array(notification.json.utf8), timeout: timeout,
                environment: ["FEEDWATCH_EVENT": notification.eventName, "FEEDWATCH_DELIVERY": notification.deliveryID])
            return "\(settings.path) exited with status 0"
        }
    }
}

/// E-mail through an SMTP server.
public struct SMTPSettings: Sendable, Hashable {
    /// `smtp://host[:port]` or `smtps://host[:port]` (implicit TLS).
    public var url: String
    public var from: String
    public var to: [String]
    public var username: String?
    public var password: Secret?
    /// How STARTTLS is used on `smtp://`.
    public var tls: TLSMode
    /// PEM bundle to verify the server with, instead of the system's.
    public var caFile: String?
    /// The largest message sent (`max_message_bytes`); a bigger digest is cut (`MailMessage`).
    public var maxMessageBytes: Int = MailMessage.defaultMaxBytes

    /// STARTTLS policy.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// STARTTLS or fail (the default: credentials never travel in clear text).
        case required
        /// STARTTLS when the server offers it.
        case opportunistic
        /// Plain text (only for a relay on localhost).
        case none
    }

    public init(url: String, from: String, to: [String], username: String? = nil, password: Secret? = nil, tls: TLSMode = .required, caFile: String? = nil) {
        self.url = url
        self.from = from
        self.to = to
        self.username = username
        self.password = password
        self.tls = tls
        self.caFile = caFile
    }
}

/// E-mail through a local `sendmail` binary.
public struct SendmailSettings: Sendable, Hashable {
    public var path: String
    public var from: String
    public var to: [String]
    /// The largest message handed over (`max_message_bytes`); a bigger digest is cut (`MailMessage`).
    public var maxMessageBytes: Int = MailMessage.defaultMaxBytes
    public init(path: String, from: String, to: [String]) {
        self.path = path
        self.from = from
        self.to = to
    }
}

/// An HTTP request per message, its body in one of the `WebhookFormat`s, signed with
/// HMAC-SHA256 when a secret is set.
public struct WebhookSettings: Sendable, Hashable {
    /// The endpoint: the webhook URL (json, slack, discord), the topic URL (ntfy), the
    /// homeserver (matrix) or the Bot API server (telegram).
    public var url: String
    /// Signs each request: `X-Feedwatch-Signature: sha256=<hex>` over timestamp, delivery id
    /// and body (`WebhookSignature`).
    public var secret: Secret?
    /// Which service's body and headers are sent.
    public var format: WebhookFormat
    /// The access token (matrix), bot token (telegram) or optional bearer token (ntfy).
    public var token: Secret?
    /// The room id (matrix) or chat id (telegram).
    public var target: String?

    public init(url: String, secret: Secret?, format: WebhookFormat = .json, token: Secret? = nil, target: String? = nil) {
        self.url = url
        self.secret = secret
        self.format = format
        self.token = token
        self.target = target
    }
}

/// A program run without a shell; the digest file's path is its last argument and the JSON
/// document its standard input.
public struct CommandSettings: Sendable, Hashable {
    public var path: String
    public var arguments: [String]
    public init(path: String, arguments: [String]) {
        self.path = path
        self.arguments = arguments
    }
}

import Foundation

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

    /// A rendered message.
    public init(event: NotifierEvent, deliveryID: String, subject: String, text: String, html: String, json: String, filePath: String?) {
        self.event = event
        self.deliveryID = deliveryID
        self.subject = subject
        self.text = text
        self.html = html
        self.json = json
        self.filePath = filePath
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
        switch self {
        case .smtp(let settings):
            let message = MailMessage.build(notification, from: settings.from, to: settings.to, maxBytes: settings.maxMessageBytes)
            try await SMTPClient.send(message, settings: settings, timeout: timeout)
        case .sendmail(let settings):
            let message = MailMessage.build(notification, from: settings.from, to: settings.to, maxBytes: settings.maxMessageBytes)
            try await CommandRunner.run(
                path: settings.path, arguments: ["-i", "-f", settings.from, "--"] + settings.to,
                input: Array(message.utf8), timeout: timeout)
        case .webhook(let settings):
            try await WebhookClient.post(notification, settings: settings, timeout: timeout)
        case .command(let settings):
            var arguments = settings.arguments
            if let path = notification.filePath { arguments.append(path) }
            try await CommandRunner.run(
                path: settings.path, arguments: arguments, input: Array(notification.json.utf8), timeout: timeout,
                environment: ["FEEDWATCH_EVENT": notification.event.rawValue, "FEEDWATCH_DELIVERY": notification.deliveryID])
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

/// A JSON POST signed with HMAC-SHA256.
public struct WebhookSettings: Sendable, Hashable {
    public var url: String
    /// Signs each request: `X-Feedwatch-Signature: sha256=<hex>` over timestamp, delivery id
    /// and body (`WebhookSignature`).
    public var secret: Secret?
    public init(url: String, secret: Secret?) {
        self.url = url
        self.secret = secret
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

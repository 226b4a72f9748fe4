import Foundation

/// The body and headers a webhook sends: feedwatch's own JSON document, or what one chat or
/// push service documents for its incoming messages. Each format renders `NotificationContent`
/// only (a title, a summary, the stories, a link), keeps within the service's documented
/// limits and says how many stories it left out. Signing is not done here: `WebhookClient`
/// signs whatever body the format made.
public enum WebhookFormat: String, Sendable, Hashable, CaseIterable {
    /// feedwatch's JSON digest document (`docs/digest-json.md`), POSTed to `url`.
    case json
    /// A Slack incoming webhook: `text` plus Block Kit blocks.
    case slack
    /// A Discord webhook (execute webhook, `?wait=true`): one embed, mentions disabled.
    case discord
    /// An ntfy topic URL: the plain-text message as the body, `Title`, `Tags`, `Priority`, `Click` headers.
    case ntfy
    /// A Matrix room: `PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}`, an `m.notice`.
    case matrix
    /// A Telegram chat through the Bot API's `sendMessage`, HTML parse mode.
    case telegram

    /// How errors name the service.
    public var serviceName: String { self == .json ? "webhook" : rawValue }

    /// Whether `token` is required (the format authenticates with it).
    public var requiresToken: Bool { self == .matrix || self == .telegram }

    /// The configuration key naming where in the service the message goes, if the format has one.
    public var targetKey: String? {
        switch self {
        case .matrix: "room"
        case .telegram: "chat_id"
        default: nil
        }
    }

    /// The request this format makes for `notification`.
    public func message(for notification: Notification, settings: WebhookSettings) throws(DeliveryError) -> WebhookMessage {
        let content = notification.content
        switch self {
        case .json:
            return WebhookMessage(
                method: "POST", url: settings.url, headers: ["Content-Type: application/json; charset=utf-8"],
                body: Array(notification.json.utf8))
        case .slack:
            return WebhookMessage(
                method: "POST", url: settings.url, headers: ["Content-Type: application/json; charset=utf-8"],
                body: ChatFormats.slack(content))
        case .discord:
            return WebhookMessage(
                method: "POST", url: Self.adding(query: "wait=true", to: settings.url),
                headers: ["Content-Type: application/json; charset=utf-8"], body: ChatFormats.discord(content))
        case .ntfy:
            var headers = PushFormats.ntfyHeaders(content, event: notification.event)
            if let token = settings.token { headers.append("Authorization: Bearer \(token.value)") }
            return WebhookMessage(method: "POST", url: settings.url, headers: headers, body: PushFormats.ntfyBody(content))
        case .matrix:
            guard let token = settings.token, let room = settings.target else {
                throw DeliveryError("matrix: token and room are required", retryable: false)
            }
            // The delivery id is the transaction id: a retry after a lost answer is the same
            // transaction, which the homeserver does not post twice.
            let url = Self.trimmed(settings.url) + "/_matrix/client/v3/rooms/" + Self.pathSegment(room)
                + "/send/m.room.message/" + Self.pathSegment(notification.deliveryID)
            return WebhookMessage(
                method: "PUT", url: url,
                headers: ["Content-Type: application/json; charset=utf-8", "Authorization: Bearer \(token.value)"],
                body: PushFormats.matrix(content))
        case .telegram:
            guard let token = settings.token, let chat = settings.target else {
                throw DeliveryError("telegram: token and chat_id are required", retryable: false)
            }
            return WebhookMessage(
                method: "POST", url: Self.trimmed(settings.url) + "/bot" + token.value + "/sendMessage",
                headers: ["Content-Type: application/json; charset=utf-8"], body: PushFormats.telegram(content, chat: chat))
        }
    }

    private static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `text` as one percent-encoded path segment (`!room:example.org` → `%21room%3Aexample.org`).
    static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private static func adding(query: String, to url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        if components.queryItems?.contains(where: { $0.name == "wait" }) == true { return url }
        components.percentEncodedQuery = [components.percentEncodedQuery, query].compactMap { $0 }.joined(separator: "&")
        return components.string ?? url
    }
}

/// One HTTP request of a webhook format, before signing and feedwatch's own headers.
public struct WebhookMessage: Sendable, Hashable {
    public var method: String
    public var url: String
    /// `Name: value` lines.
    public var headers: [String]
    public var body: [UInt8]
}

/// Shared by the formats: fitting stories into a limit, and clipping hostile lengths.
enum MessageBudget {
    /// How many of `count` stories fit in `limit`, given each story's cost and the cost of the
    /// line that counts the rest ("… and 3 more").
    static func fitting(count: Int, limit: Int, cost: (Int) -> Int, rest: (Int) -> Int) -> Int {
        var used = 0
        for index in 0..<count {
            let next = used + cost(index)
            let remaining = count - index - 1
            if next + (remaining > 0 ? rest(remaining) : 0) > limit { return index }
            used = next
        }
        return count
    }

    /// `text` on one line and at most `limit` characters (an ellipsis marks a cut).
    static func clip(_ text: String, _ limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard flat.count > limit else { return flat }
        return String(flat.prefix(limit - 1)) + "…"
    }

    /// The line that counts what did not fit.
    static func more(_ omitted: Int) -> String {
        "… and \(omitted) more \(omitted == 1 ? "story" : "stories") (see the digest)"
    }

    /// An http(s) link safe inside markup (`<…>`, `(…)`, `|`), or nil for anything else: a
    /// feed's `javascript:` link never becomes a clickable link in a chat, and a link over
    /// 2,000 bytes cannot crowd a message out of its limit.
    static func link(_ url: String?) -> String? {
        // A link longer than this is a hostile feed's, not a reader's: shown unlinked.
        guard let url, url.utf8.count <= 2000, let scheme = URLComponents(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return nil
        }
        var out = ""
        for scalar in url.unicodeScalars {
            switch scalar {
            case " ": out += "%20"
            case "<": out += "%3C"
            case ">": out += "%3E"
            case "|": out += "%7C"
            case "\"": out += "%22"
            case "(": out += "%28"
            case ")": out += "%29"
            default:
                if scalar.properties.generalCategory == .control { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A JSON document with sorted keys, slashes unescaped.
    static func json(_ object: [String: Any]) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Array(data)
    }
}

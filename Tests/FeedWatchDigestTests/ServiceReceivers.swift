import Foundation
import FeedWatchTestSupport
import Synchronization

/// Loopback receivers that check a request the way each service documents it, and answer as
/// the service does: its success body, or its error when the request breaks a rule. Each rule
/// broken is recorded, so a test sees exactly which one.
final class ServiceReceiver: Sendable {
    enum Service: Sendable { case slack, discord, ntfy, matrix, telegram }

    let service: Service
    private let state = Mutex<(requests: [LoopbackRequest], problems: [String])>(([], []))

    init(_ service: Service) { self.service = service }

    var requests: [LoopbackRequest] { state.withLock { $0.requests } }
    var problems: [String] { state.withLock { $0.problems } }

    func answer(_ request: LoopbackRequest) -> LoopbackResponse {
        var problems: [String] = []
        for (name, value) in request.headers where !value.unicodeScalars.allSatisfy(\.isASCII) {
            problems.append("header \(name) is not ASCII")
        }
        let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
        let answers: (ok: String, error: String)
        switch service {
        case .slack:
            problems += Self.slack(request, json)
            answers = ("ok", "invalid_blocks")
        case .discord:
            problems += Self.discord(request, json)
            answers = ("{\"id\":\"1187\",\"type\":0,\"channel_id\":\"42\"}", "{\"code\":50035,\"message\":\"Invalid Form Body\"}")
        case .ntfy:
            problems += Self.ntfy(request)
            answers = ("{\"id\":\"sPs71M8A2T\",\"event\":\"message\",\"topic\":\"feedwatch\"}", "{\"code\":40001,\"http\":400,\"error\":\"invalid request\"}")
        case .matrix:
            problems += Self.matrix(request, json)
            answers = ("{\"event_id\":\"$YUwRidLecu:example.org\"}", "{\"errcode\":\"M_BAD_JSON\",\"error\":\"invalid event\"}")
        case .telegram:
            problems += Self.telegram(request, json)
            answers = ("{\"ok\":true,\"result\":{\"message_id\":42}}", "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: can't parse entities\"}")
        }
        state.withLock {
            $0.requests.append(request)
            $0.problems += problems
        }
        let contentType = service == .slack ? "text/plain" : "application/json"
        return problems.isEmpty
            ? .ok(answers.ok, contentType: contentType)
            : LoopbackResponse(status: 400, headers: [("Content-Type", contentType)], body: Array(answers.error.utf8))
    }

    // docs.slack.dev: incoming webhooks take `text` and Block Kit `blocks`; at most 50 blocks,
    // a header's plain_text at most 150 characters, a section's mrkdwn at most 3,000; `<` opens
    // a link or a control sequence (`<!channel>`), so literal text escapes it.
    static func slack(_ request: LoopbackRequest, _ json: [String: Any]?) -> [String] {
        var problems: [String] = []
        if request.method != "POST" { problems.append("method \(request.method)") }
        if request.header("Content-Type")?.hasPrefix("application/json") != true { problems.append("content type") }
        guard let json else { return problems + ["body is not a JSON object"] }
        if (json["text"] as? String)?.isEmpty != false { problems.append("no text") }
        let blocks = json["blocks"] as? [[String: Any]] ?? []
        if blocks.count > 50 { problems.append("\(blocks.count) blocks") }
        for block in blocks {
            let text = block["text"] as? [String: Any]
            switch block["type"] as? String {
            case "header":
                if text?["type"] as? String != "plain_text" || (text?["text"] as? String ?? "").count > 150 { problems.append("header text") }
            case "section":
                let value = text?["text"] as? String ?? ""
                if text?["type"] as? String != "mrkdwn" || value.count > 3000 || value.isEmpty { problems.append("section text of \(value.count)") }
                problems += slackControls(value)
            case "context":
                for element in block["elements"] as? [[String: Any]] ?? [] { problems += slackControls(element["text"] as? String ?? "") }
            default:
                problems.append("block type \(block["type"] ?? "?")")
            }
        }
        return problems
    }

    /// Every `<` must open a link `<http…|…>`.
    static func slackControls(_ text: String) -> [String] {
        var problems: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            if !after.hasPrefix("http://") && !after.hasPrefix("https://") { problems.append("unescaped < in \(text.prefix(60))") }
            rest = after
        }
        return problems
    }

    // discord.com/developers/docs: execute webhook; an embed title at most 256 characters,
    // description 4,096, footer 2,048, all embeds together 6,000, at most 10 embeds, content
    // at most 2,000; `?wait=true` answers with the message.
    static func discord(_ request: LoopbackRequest, _ json: [String: Any]?) -> [String] {
        var problems: [String] = []
        if request.method != "POST" { problems.append("method") }
        if request.query?.contains("wait=true") != true { problems.append("no wait=true") }
        guard let json else { return problems + ["body is not a JSON object"] }
        let embeds = json["embeds"] as? [[String: Any]] ?? []
        if embeds.isEmpty && (json["content"] as? String ?? "").isEmpty { problems.append("neither content nor embeds") }
        if embeds.count > 10 { problems.append("\(embeds.count) embeds") }
        if (json["content"] as? String ?? "").count > 2000 { problems.append("content too long") }
        var total = 0
        for embed in embeds {
            let title = embed["title"] as? String ?? ""
            let description = embed["description"] as? String ?? ""
            let footer = (embed["footer"] as? [String: Any])?["text"] as? String ?? ""
            if title.count > 256 { problems.append("title of \(title.count)") }
            if description.count > 4096 { problems.append("description of \(description.count)") }
            if footer.count > 2048 { problems.append("footer of \(footer.count)") }
            total += title.count + description.count + footer.count
        }
        if total > 6000 { problems.append("embeds total \(total)") }
        if ((json["allowed_mentions"] as? [String: Any])?["parse"] as? [Any])?.isEmpty != true { problems.append("mentions allowed") }
        return problems
    }

    // docs.ntfy.sh/publish: the body is the message (over 4,096 bytes it becomes an
    // attachment); Title, Tags, Priority (1–5), Click as headers, non-ASCII as RFC 2047.
    static func ntfy(_ request: LoopbackRequest) -> [String] {
        var problems: [String] = []
        if request.method != "POST" && request.method != "PUT" { problems.append("method") }
        if request.body.count > 4096 { problems.append("body of \(request.body.count) bytes") }
        if String(validating: request.body, as: UTF8.self) == nil { problems.append("body not UTF-8") }
        if request.header("Title").map(decodeRFC2047)?.isEmpty != false { problems.append("no title") }
        if let priority = request.header("Priority"), !(1...5).contains(Int(priority) ?? 0) { problems.append("priority \(priority)") }
        if let click = request.header("Click"), !click.hasPrefix("http") { problems.append("click \(click)") }
        return problems
    }

    /// `=?UTF-8?B?…?=` words decoded, as ntfy decodes a header.
    static func decodeRFC2047(_ value: String) -> String {
        value.split(separator: " ").map { word -> String in
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                  let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) else { return String(word) }
            return String(decoding: data, as: UTF8.self)
        }.joined(separator: value.contains("=?") ? "" : " ")
    }

    // spec.matrix.org, client-server API: PUT /_matrix/client/v3/rooms/{roomId}/send/
    // m.room.message/{txnId} with a bearer token; m.room.message content has msgtype and body,
    // formatted_body with format org.matrix.custom.html; an event at most 65,536 bytes.
    static func matrix(_ request: LoopbackRequest, _ json: [String: Any]?) -> [String] {
        var problems: [String] = []
        if request.method != "PUT" { problems.append("method \(request.method)") }
        let prefix = "/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/"
        if !request.path.hasPrefix(prefix) || request.path.count == prefix.count { problems.append("path \(request.path)") }
        if request.header("Authorization") != "Bearer syt_test_token" { problems.append("authorization") }
        if request.body.count > 65_536 { problems.append("event of \(request.body.count) bytes") }
        guard let json else { return problems + ["body is not a JSON object"] }
        if !["m.notice", "m.text"].contains(json["msgtype"] as? String ?? "") { problems.append("msgtype") }
        if (json["body"] as? String ?? "").isEmpty { problems.append("no body") }
        if json["formatted_body"] != nil && json["format"] as? String != "org.matrix.custom.html" { problems.append("format") }
        return problems
    }

    // core.telegram.org/bots/api#sendmessage: POST /bot<token>/sendMessage; text 1–4,096
    // characters after entities parsing; HTML mode allows b, i, a href, …, with & < > escaped.
    static func telegram(_ request: LoopbackRequest, _ json: [String: Any]?) -> [String] {
        var problems: [String] = []
        if request.method != "POST" { problems.append("method") }
        if request.path != "/bot123456:ABC-test/sendMessage" { problems.append("path \(request.path)") }
        guard let json else { return problems + ["body is not a JSON object"] }
        if json["chat_id"] == nil { problems.append("no chat_id") }
        if json["parse_mode"] as? String != "HTML" { problems.append("parse mode") }
        let text = json["text"] as? String ?? ""
        guard let visible = telegramVisible(text) else { return problems + ["can't parse entities"] }
        if visible.utf16.isEmpty || visible.utf16.count > 4096 { problems.append("text of \(visible.utf16.count) characters") }
        return problems
    }

    /// The text Telegram shows for HTML `text`, or nil when a tag is not one it allows or an
    /// `&` is not an entity.
    static func telegramVisible(_ text: String) -> String? {
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "<" {
                guard let close = text[index...].firstIndex(of: ">") else { return nil }
                let tag = text[text.index(after: index)..<close].split(separator: " ").first.map(String.init) ?? ""
                let name = tag.hasPrefix("/") ? String(tag.dropFirst()) : tag
                guard ["b", "i", "a", "code", "pre", "u", "s"].contains(name) else { return nil }
                index = text.index(after: close)
            } else if character == "&" {
                guard let semicolon = text[index...].firstIndex(of: ";"),
                      ["&amp;", "&lt;", "&gt;", "&quot;"].contains(String(text[index...semicolon])) else { return nil }
                out.append("x")
                index = text.index(after: semicolon)
            } else if character == ">" {
                return nil
            } else {
                out.append(character)
                index = text.index(after: index)
            }
        }
        return out
    }
}

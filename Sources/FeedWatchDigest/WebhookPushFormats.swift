import Foundation

/// ntfy, Matrix and Telegram bodies.
enum PushFormats {
    // ntfy (docs.ntfy.sh/publish): the body is the message; a message over 4,096 bytes is
    // turned into an attachment, so the body stays within it. Header values are ASCII; a
    // non-ASCII title goes as RFC 2047 encoded-words, which ntfy decodes.
    static let ntfyBodyLimit = 4096

    static func ntfyHeaders(_ content: NotificationContent, event: NotifierEvent) -> [String] {
        var headers = [
            "Content-Type: text/plain; charset=utf-8",
            // Encoded-words on one line: an HTTP header is never folded.
            "Title: " + MailMessage.encodedWords(MessageBudget.clip(content.title, 250)).replacingOccurrences(of: "\r\n ", with: " "),
            "Tags: " + (event == .alert ? "rotating_light" : "newspaper"),
            "Priority: " + (event == .alert ? "4" : "3"),
        ]
        if let click = MessageBudget.link(content.link ?? content.items.first?.link) { headers.append("Click: \(click)") }
        return headers
    }

    static func ntfyBody(_ content: NotificationContent) -> [UInt8] {
        let summary = MessageBudget.clip(content.summary, 500)
        let lines = content.items.map { item in
            "• \(MessageBudget.clip(item.title, 300)) (\(MessageBudget.clip(item.topic, 100)), \(MessageBudget.clip(item.source, 100)))"
                + (MessageBudget.link(item.link).map { "\n  \($0)" } ?? "")
        }
        let budget = ntfyBodyLimit - summary.utf8.count - 2
        let fitting = MessageBudget.fitting(
            count: lines.count, limit: budget, cost: { lines[$0].utf8.count + 1 }, rest: { MessageBudget.more($0).utf8.count })
        var parts = [summary, ""] + lines.prefix(fitting)
        if fitting < lines.count { parts.append(MessageBudget.more(lines.count - fitting)) }
        return Array(parts.joined(separator: "\n").utf8)
    }

    // Matrix (spec.matrix.org, client-server API, m.room.message): an event may be at most
    // 65,536 bytes as the server stores it; the plain and HTML bodies together get 50,000.
    static let matrixContentLimit = 50_000

    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func matrix(_ content: NotificationContent) -> [UInt8] {
        let title = MessageBudget.clip(content.title, 300)
        let summary = MessageBudget.clip(content.summary, 500)
        let plain = content.items.map { item in
            "• \(MessageBudget.clip(item.title, 300)) — \(MessageBudget.clip(item.topic, 100)) · \(MessageBudget.clip(item.source, 100))"
                + (MessageBudget.link(item.link).map { "\n  \($0)" } ?? "")
        }
        let rich = content.items.map { item in
            let headline = html(MessageBudget.clip(item.title, 300))
            let linked = MessageBudget.link(item.link).map { "<a href=\"\(html($0))\">\(headline)</a>" } ?? "<strong>\(headline)</strong>"
            return "<li>\(linked) — <em>\(html(MessageBudget.clip(item.topic, 100)))</em> · \(html(MessageBudget.clip(item.source, 100)))</li>"
        }
        let head = "<h4>\(html(title))</h4><p>\(html(summary))</p>"
        let budget = matrixContentLimit - 2 * (title.utf8.count + summary.utf8.count) - head.utf8.count - 40
        let fitting = MessageBudget.fitting(
            count: plain.count, limit: budget, cost: { plain[$0].utf8.count + rich[$0].utf8.count + 2 },
            rest: { 2 * MessageBudget.more($0).utf8.count + 10 })
        let omitted = plain.count - fitting
        var body = ([title, summary, ""] + plain.prefix(fitting)).joined(separator: "\n")
        var formatted = head + (fitting > 0 ? "<ul>" + rich.prefix(fitting).joined() + "</ul>" : "")
        if omitted > 0 {
            body += "\n" + MessageBudget.more(omitted)
            formatted += "<p>\(html(MessageBudget.more(omitted)))</p>"
        }
        if let link = MessageBudget.link(content.link) {
            body += "\n\(link)"
            formatted += "<p><a href=\"\(html(link))\">Read it all</a></p>"
        }
        // m.notice: an automated message, which bots must not answer.
        return MessageBudget.json(["msgtype": "m.notice", "body": body, "format": "org.matrix.custom.html", "formatted_body": formatted])
    }

    // Telegram (core.telegram.org/bots/api#sendmessage): the text is 1–4,096 characters after
    // entity parsing; HTML parse mode with <b>, <i>, <a href>; & < > escaped. Lengths are
    // counted in UTF-16 code units, as Telegram counts entity offsets.
    static let telegramTextLimit = 4096

    static func telegram(_ content: NotificationContent, chat: String) -> [UInt8] {
        let title = MessageBudget.clip(content.title, 300)
        let summary = MessageBudget.clip(content.summary, 500)
        // (markup, visible length) per story.
        let lines: [(String, Int)] = content.items.map { item in
            let headline = MessageBudget.clip(item.title, 300)
            let topic = MessageBudget.clip(item.topic, 100)
            let source = MessageBudget.clip(item.source, 100)
            let linked = MessageBudget.link(item.link).map { "<a href=\"\(html($0))\">\(html(headline))</a>" } ?? "<b>\(html(headline))</b>"
            let visible = "• \(headline) — \(topic) · \(source)"
            return ("• \(linked) — <i>\(html(topic))</i> · \(html(source))", visible.utf16.count)
        }
        let budget = telegramTextLimit - title.utf16.count - summary.utf16.count - 3
        let fitting = MessageBudget.fitting(
            count: lines.count, limit: budget, cost: { lines[$0].1 + 1 }, rest: { MessageBudget.more($0).utf16.count + 1 })
        var parts = ["<b>\(html(title))</b>", html(summary), ""] + lines.prefix(fitting).map(\.0)
        if fitting < lines.count { parts.append(html(MessageBudget.more(lines.count - fitting))) }
        let chatID: Any = Int64(chat).map { $0 as Any } ?? chat
        return MessageBudget.json([
            "chat_id": chatID, "text": parts.joined(separator: "\n"), "parse_mode": "HTML",
            "link_preview_options": ["is_disabled": true],
        ])
    }
}

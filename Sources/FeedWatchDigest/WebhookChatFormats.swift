import Foundation

/// Slack and Discord bodies.
enum ChatFormats {
    // Slack (docs.slack.dev, Block Kit): a header block's text at most 150 characters, a
    // section's text at most 3,000, at most 50 blocks; long messages of many blocks are
    // refused (`msg_blocks_too_long`) well before the 40,000-character text limit, so the
    // stories get 11,000 characters in all.
    static let slackHeaderLimit = 150
    static let slackSectionLimit = 3000
    static let slackStoriesLimit = 11_000
    static let slackMaxBlocks = 50

    /// `&`, `<` and `>` are Slack's markup (`<!channel>` notifies everyone): escaped.
    static func slackEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func slackLine(_ item: NotificationContent.Item) -> String {
        let title = slackEscape(MessageBudget.clip(item.title, 300))
        let headline = MessageBudget.link(item.link).map { "<\($0)|\(title)>" } ?? "*\(title)*"
        return "• \(headline) — _\(slackEscape(MessageBudget.clip(item.topic, 100)))_ · \(slackEscape(MessageBudget.clip(item.source, 100)))"
    }

    static func slack(_ content: NotificationContent) -> [UInt8] {
        let lines = content.items.map(slackLine)
        let fitting = MessageBudget.fitting(
            count: lines.count, limit: slackStoriesLimit, cost: { lines[$0].count + 1 }, rest: { MessageBudget.more($0).count })
        var sections: [String] = []
        var current = ""
        for line in lines.prefix(fitting) {
            if !current.isEmpty, current.count + 1 + line.count > slackSectionLimit {
                sections.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : "\n") + line
        }
        if !current.isEmpty { sections.append(current) }
        var blocks: [[String: Any]] = [
            ["type": "header", "text": ["type": "plain_text", "text": MessageBudget.clip(content.title, slackHeaderLimit), "emoji": false] as [String: Any]],
            ["type": "section", "text": ["type": "mrkdwn", "text": slackEscape(MessageBudget.clip(content.summary, slackSectionLimit))]],
        ]
        for section in sections.prefix(slackMaxBlocks - 3) {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": section]])
        }
        var footer: [String] = []
        let omitted = content.items.count - fitting
        if omitted > 0 { footer.append(MessageBudget.more(omitted)) }
        if let link = MessageBudget.link(content.link) { footer.append("<\(link)|Read it all>") }
        if !footer.isEmpty {
            blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": footer.joined(separator: " · ")]]] as [String: Any])
        }
        return MessageBudget.json([
            "text": slackEscape(MessageBudget.clip(content.title, 3000)), "blocks": blocks, "unfurl_links": false, "unfurl_media": false,
        ])
    }

    // Discord (discord.com/developers/docs/resources/webhook, message embeds): an embed's title
    // at most 256 characters, description 4,096, footer 2,048, all embeds together 6,000;
    // `allowed_mentions` with no parse list, so no headline can ping @everyone.
    static let discordTitleLimit = 256
    static let discordDescriptionLimit = 4096
    static let discordEmbedTotal = 6000

    /// Markdown characters of Discord's syntax, backslash-escaped (mentions are off through
    /// `allowed_mentions`, so `@` needs no escape).
    static func discordEscape(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\*_~`|[]()<>#".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    static func discordLine(_ item: NotificationContent.Item) -> String {
        let title = discordEscape(MessageBudget.clip(item.title, 300))
        let headline = MessageBudget.link(item.link).map { "[\(title)](<\($0)>)" } ?? "**\(title)**"
        return "• \(headline) — *\(discordEscape(MessageBudget.clip(item.topic, 100)))* · \(discordEscape(MessageBudget.clip(item.source, 100)))"
    }

    static func discord(_ content: NotificationContent) -> [UInt8] {
        let title = MessageBudget.clip(content.title, discordTitleLimit)
        let summary = discordEscape(MessageBudget.clip(content.summary, 500))
        let lines = content.items.map(discordLine)
        let budget = min(discordDescriptionLimit, discordEmbedTotal - title.count - 200) - summary.count - 2
        let fitting = MessageBudget.fitting(
            count: lines.count, limit: budget, cost: { lines[$0].count + 1 }, rest: { _ in 0 })
        var embed: [String: Any] = [
            "title": title,
            "description": ([summary, ""] + lines.prefix(fitting)).joined(separator: "\n"),
            "color": 0x2B6CB0,
        ]
        if let link = MessageBudget.link(content.link) { embed["url"] = link }
        let omitted = content.items.count - fitting
        if omitted > 0 { embed["footer"] = ["text": MessageBudget.more(omitted)] }
        return MessageBudget.json(["username": "feedwatch", "embeds": [embed], "allowed_mentions": ["parse": [String]()]])
    }
}

import Foundation
import FeedWatchDigest
import FeedWatchModel
import TOMLKit

/// `[[notify]]`: where digests and alerts are sent. Which keys a table allows depends on its `kind`.
enum NotifySection: ConfigurationSection {
    static let name = "notify"
    /// Keys of every kind.
    static let commonKeys = ["kind", "name", "events", "topics", "title", "timeout", "max_attempts", "retry_delay", "max_retry_delay"]
    /// `kind = "email"`: SMTP (`url`) or a local `sendmail` program.
    static let emailKeys = ["url", "sendmail", "from", "to", "username", "tls", "ca_file", "max_message_bytes"]
        + TableReader.secretKeys("password")
    /// The email keys only SMTP uses; with `sendmail` they are reported, not silently ignored.
    static let smtpOnlyKeys = ["username", "tls", "ca_file"] + TableReader.secretKeys("password")
    /// `kind = "webhook"`.
    static let webhookKeys = ["url", "format", "room", "chat_id"] + TableReader.secretKeys("secret") + TableReader.secretKeys("token")
    /// `kind = "command"`.
    static let commandKeys = ["command"]
    static let keys = commonKeys + Array(Set(emailKeys + webhookKeys + commandKeys)).sorted()

    /// `topicIDs`: the configured topics, which `topics` must name (nil: not checked).
    static func read(
        _ root: TOMLTable, _ reader: inout TableReader, environment: [String: String], topicIDs: [String]? = nil
    ) -> [NotifierConfiguration] {
        var notifiers: [NotifierConfiguration] = []
        var seen: [String: Int] = [:]
        for (index, section) in reader.sections(root, Self.self, checkingKeys: false).enumerated() {
            guard let kind = reader.string(section, "kind") else {
                if !section.has("kind") { reader.problem(section.path("kind"), "missing: say email, webhook or command") }
                continue
            }
            let name = reader.string(section, "name") ?? "\(kind)-\(index + 1)"
            if let first = seen[name] { reader.problem(section.path("name"), "duplicate of notify[\(first)].name (\(name))") }
            seen[name] = index
            let transport: NotifierTransport?
            switch kind {
            case "email":
                reader.checkKeys(section.table, allowed: commonKeys + emailKeys, prefix: section.path)
                transport = readEmail(section, &reader, environment: environment)
            case "webhook":
                reader.checkKeys(section.table, allowed: commonKeys + webhookKeys, prefix: section.path)
                transport = readWebhook(section, &reader, environment: environment)
            case "command":
                reader.checkKeys(section.table, allowed: commonKeys + commandKeys, prefix: section.path)
                let command = reader.strings(section, "command") ?? []
                if let program = command.first, program.hasPrefix("/") {
                    transport = .command(CommandSettings(path: program, arguments: Array(command.dropFirst())))
                } else {
                    reader.problem(section.path("command"), "must be an array whose first element is an absolute program path, e.g. [\"/usr/local/bin/notify\", \"--quiet\"]")
                    transport = nil
                }
            default:
                reader.problem(section.path("kind"), "unknown kind \"\(kind)\" (available: email, webhook, command)")
                continue
            }
            guard let transport else { continue }
            var notifier = NotifierConfiguration(name: name, transport: transport)
            if let events = reader.strings(section, "events") {
                for event in events where NotifierEvent(rawValue: event) == nil {
                    reader.problem(
                        section.path("events"),
                        "unknown event \"\(event)\" (available: \(NotifierEvent.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                notifier.events = Set(events.compactMap(NotifierEvent.init(rawValue:)))
            }
            if let topics = reader.strings(section, "topics") {
                if topics.isEmpty { reader.problem(section.path("topics"), "is empty: leave it out to send every topic") }
                for id in topics where topicIDs.map({ !$0.contains(id) }) ?? false {
                    reader.problem(section.path("topics"), "no topic has id \"\(id)\" (configured: \(topicIDs?.joined(separator: ", ") ?? ""))")
                }
                notifier.topics = topics
            }
            if let title = reader.string(section, "title") {
                do {
                    notifier.title = try TitleTemplate(title)
                } catch {
                    reader.problem(section.path("title"), "\(error)")
                }
            }
            if let v = reader.span(section, "timeout", minimum: TimeSpan(seconds: 1)) { notifier.timeout = v }
            if let v = reader.int(section, "max_attempts", range: 1...100) { notifier.maxAttempts = v }
            if let v = reader.span(section, "retry_delay", minimum: TimeSpan(seconds: 1)) { notifier.retryDelay = v }
            if let v = reader.span(section, "max_retry_delay", minimum: TimeSpan(seconds: 1)) { notifier.maxRetryDelay = v }
            notifiers.append(notifier)
        }
        return notifiers
    }

    /// `kind = "webhook"`: the URL, the format and what that format needs.
    private static func readWebhook(_ section: SectionTable, _ reader: inout TableReader, environment: [String: String]) -> NotifierTransport? {
        var format = WebhookFormat.json
        if let name = reader.string(section, "format") {
            guard let known = WebhookFormat(rawValue: name) else {
                reader.problem(
                    section.path("format"), "unknown format \"\(name)\" (available: \(WebhookFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
            format = known
        }
        // Telegram has one public Bot API server; a url names another (a local Bot API server).
        let url = reader.string(section, "url") ?? (format == .telegram ? "https://api.telegram.org" : "")
        let scheme = URLComponents(string: url)?.scheme?.lowercased()
        if scheme != "http" && scheme != "https" || URLComponents(string: url)?.host == nil {
            reader.problem(section.path("url"), "must be an http:// or https:// URL")
        }
        let token = reader.secret(section, "token", environment: environment)
        if format.requiresToken, token == nil, !TableReader.secretKeys("token").contains(where: section.has) {
            reader.problem(section.path("token_file"), "format \(format.rawValue) needs a token: give token_file, token_env or token_credential")
        }
        if token != nil, ![WebhookFormat.matrix, .telegram, .ntfy].contains(format) {
            reader.problem(section.path("token_file"), "format \(format.rawValue) takes no token (its URL is the credential)")
        }
        var target: String?
        for key in ["room", "chat_id"] where section.has(key) && format.targetKey != key {
            reader.problem(section.path(key), "only format \(key == "room" ? "matrix" : "telegram") takes \(key)")
        }
        if let key = format.targetKey {
            target = reader.string(section, key)
            if target?.isEmpty ?? true { reader.problem(section.path(key), "missing: format \(format.rawValue) needs \(key)") }
            if format == .matrix, let room = target, !room.isEmpty, !(room.hasPrefix("!") || room.hasPrefix("#")) || !room.contains(":") {
                reader.problem(section.path("room"), "must be a room id like !abc123:example.org (or an alias #room:example.org)")
            }
        }
        return .webhook(WebhookSettings(
            url: url, secret: reader.secret(section, "secret", environment: environment), format: format, token: token, target: target))
    }

    private static func readEmail(_ section: SectionTable, _ reader: inout TableReader, environment: [String: String]) -> NotifierTransport? {
        let from = reader.string(section, "from") ?? ""
        let to = reader.strings(section, "to") ?? []
        if !from.contains("@") { reader.problem(section.path("from"), "must be an e-mail address") }
        if to.isEmpty || to.contains(where: { !$0.contains("@") }) { reader.problem(section.path("to"), "must list at least one e-mail address") }
        for address in [from] + to where (address.containsControlCharacters || address.contains(where: { $0 == "<" || $0 == ">" })) {
            reader.problem(section.path("to"), "\"\(address)\": write bare addresses, without <>, line breaks or names")
        }
        let url = reader.string(section, "url")
        let sendmail = reader.string(section, "sendmail")
        switch (url, sendmail) {
        case (let url?, nil):
            let scheme = URLComponents(string: url)?.scheme?.lowercased()
            guard scheme == "smtp" || scheme == "smtps", URLComponents(string: url)?.host != nil else {
                reader.problem(section.path("url"), "must be smtp://host[:port] or smtps://host[:port]")
                return nil
            }
            var settings = SMTPSettings(url: url, from: from, to: to)
            settings.username = reader.string(section, "username")
            settings.password = reader.secret(section, "password", environment: environment)
            if let tls = reader.string(section, "tls") {
                if let mode = SMTPSettings.TLSMode(rawValue: tls) {
                    settings.tls = mode
                } else {
                    reader.problem(section.path("tls"), "must be required, opportunistic or none")
                }
            }
            settings.caFile = reader.string(section, "ca_file")
            if let v = reader.int(section, "max_message_bytes", range: (64 << 10)...(1 << 30)) { settings.maxMessageBytes = v }
            // A password may cross the network only encrypted; a relay on this machine is exempt.
            let host = URLComponents(string: url)?.host ?? ""
            if settings.password != nil, scheme == "smtp", settings.tls != .required, !["127.0.0.1", "::1", "[::1]", "localhost"].contains(host) {
                reader.problem(section.path("tls"), "must be required when a password is sent to \(host) over smtp:// (or use smtps://)")
            }
            return .smtp(settings)
        case (nil, let path?):
            // The local program authenticates and encrypts nothing itself: SMTP settings here
            // would be silently ignored, so they are reported.
            for key in smtpOnlyKeys where section.has(key) {
                reader.problem(section.path(key), "does not apply to sendmail (only to an SMTP url)")
            }
            guard path.hasPrefix("/") else {
                reader.problem(section.path("sendmail"), "must be an absolute path, e.g. /usr/sbin/sendmail")
                return nil
            }
            if let reason = SendmailPrivileges.problem(program: path) {
                reader.problem(section.path("sendmail"), reason)
                return nil
            }
            var settings = SendmailSettings(path: path, from: from, to: to)
            if let v = reader.int(section, "max_message_bytes", range: (64 << 10)...(1 << 30)) { settings.maxMessageBytes = v }
            return .sendmail(settings)
        default:
            reader.problem(section.path("url"), "give either url (SMTP) or sendmail (a local program), exactly one")
            return nil
        }
    }
}

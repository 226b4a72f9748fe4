import Foundation
import FeedWatchDigest
import FeedWatchModel
import TOMLKit

/// `[[notify]]` tables and the secrets they refer to.
extension TableReader {
    mutating func bool(_ table: TOMLTable, _ key: String, path: String) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let bool = value.bool else {
            problem(path, "must be true or false")
            return nil
        }
        return bool
    }

    /// A secret from `<key>_file`, `<key>_env` or `<key>_credential` (a systemd credential).
    /// Problems name the file, variable or credential, never the value.
    mutating func secret(_ table: TOMLTable, _ key: String, prefix: String, environment: [String: String]) -> Secret? {
        let file = string(table, "\(key)_file", path: "\(prefix).\(key)_file")
        let variable = string(table, "\(key)_env", path: "\(prefix).\(key)_env")
        let credential = string(table, "\(key)_credential", path: "\(prefix).\(key)_credential")
        if [file, variable, credential].compactMap({ $0 }).count > 1 {
            problem("\(prefix).\(key)_file", "give one of \(key)_file, \(key)_env and \(key)_credential, not several")
        }
        if let credential {
            switch Credentials.read(credential, environment: environment) {
            case .success(let value): return Secret(value)
            case .failure(let failure):
                problem("\(prefix).\(key)_credential", failure.message)
                return nil
            }
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                problem("\(prefix).\(key)_file", "cannot read \(file)")
                return nil
            }
            // Files written by editors or `echo` end with a newline that is not part of the secret.
            let value = text.trimmingCharacters(in: .newlines)
            if value.isEmpty { problem("\(prefix).\(key)_file", "\(file) is empty") }
            return Secret(value)
        }
        if let variable {
            guard let value = environment[variable], !value.isEmpty else {
                problem("\(prefix).\(key)_env", "environment variable \(variable) is not set")
                return nil
            }
            return Secret(value)
        }
        return nil
    }

    mutating func readNotifiers(_ root: TOMLTable, environment: [String: String]) -> [NotifierConfiguration] {
        var notifiers: [NotifierConfiguration] = []
        var seen: [String: Int] = [:]
        let common: Set<String> = ["kind", "name", "events", "timeout", "max_attempts", "retry_delay", "max_retry_delay"]
        for (index, section) in tables(root, "notify").enumerated() {
            let prefix = "notify[\(index)]"
            guard let kind = string(section, "kind", path: "\(prefix).kind") else {
                if section["kind"] == nil { problem("\(prefix).kind", "missing: say email, webhook or command") }
                continue
            }
            let name = string(section, "name", path: "\(prefix).name") ?? "\(kind)-\(index + 1)"
            if let first = seen[name] { problem("\(prefix).name", "duplicate of notify[\(first)].name (\(name))") }
            seen[name] = index
            let transport: NotifierTransport?
            switch kind {
            case "email":
                checkKeys(section, allowed: common.union(["url", "sendmail", "from", "to", "username", "password_file", "password_env", "password_credential", "tls", "ca_file"]), prefix: prefix)
                transport = readEmail(section, prefix: prefix, environment: environment)
            case "webhook":
                checkKeys(section, allowed: common.union(["url", "secret_file", "secret_env", "secret_credential"]), prefix: prefix)
                let url = string(section, "url", path: "\(prefix).url") ?? ""
                let scheme = URLComponents(string: url)?.scheme?.lowercased()
                if scheme != "http" && scheme != "https" || URLComponents(string: url)?.host == nil {
                    problem("\(prefix).url", "must be an http:// or https:// URL")
                }
                transport = .webhook(WebhookSettings(url: url, secret: secret(section, "secret", prefix: prefix, environment: environment)))
            case "command":
                checkKeys(section, allowed: common.union(["command"]), prefix: prefix)
                let command = strings(section, "command", path: "\(prefix).command") ?? []
                if let program = command.first, program.hasPrefix("/") {
                    transport = .command(CommandSettings(path: program, arguments: Array(command.dropFirst())))
                } else {
                    problem("\(prefix).command", "must be an array whose first element is an absolute program path, e.g. [\"/usr/local/bin/notify\", \"--quiet\"]")
                    transport = nil
                }
            default:
                problem("\(prefix).kind", "unknown kind \"\(kind)\" (available: email, webhook, command)")
                continue
            }
            guard let transport else { continue }
            var notifier = NotifierConfiguration(name: name, transport: transport)
            if let events = strings(section, "events", path: "\(prefix).events") {
                for event in events where NotifierEvent(rawValue: event) == nil {
                    problem("\(prefix).events", "unknown event \"\(event)\" (available: \(NotifierEvent.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                notifier.events = Set(events.compactMap(NotifierEvent.init(rawValue:)))
            }
            if let v = span(section, "timeout", path: "\(prefix).timeout", minimum: TimeSpan(seconds: 1)) { notifier.timeout = v }
            if let v = int(section, "max_attempts", path: "\(prefix).max_attempts", range: 1...100) { notifier.maxAttempts = v }
            if let v = span(section, "retry_delay", path: "\(prefix).retry_delay", minimum: TimeSpan(seconds: 1)) { notifier.retryDelay = v }
            if let v = span(section, "max_retry_delay", path: "\(prefix).max_retry_delay", minimum: TimeSpan(seconds: 1)) {
                notifier.maxRetryDelay = v
            }
            notifiers.append(notifier)
        }
        return notifiers
    }

    mutating func readEmail(_ section: TOMLTable, prefix: String, environment: [String: String]) -> NotifierTransport? {
        let from = string(section, "from", path: "\(prefix).from") ?? ""
        let to = strings(section, "to", path: "\(prefix).to") ?? []
        if !from.contains("@") { problem("\(prefix).from", "must be an e-mail address") }
        if to.isEmpty || to.contains(where: { !$0.contains("@") }) { problem("\(prefix).to", "must list at least one e-mail address") }
        for address in [from] + to where (address.containsControlCharacters || address.contains(where: { $0 == "<" || $0 == ">" })) {
            problem("\(prefix).to", "\"\(address)\": write bare addresses, without <>, line breaks or names")
        }
        let url = string(section, "url", path: "\(prefix).url")
        let sendmail = string(section, "sendmail", path: "\(prefix).sendmail")
        switch (url, sendmail) {
        case (let url?, nil):
            let scheme = URLComponents(string: url)?.scheme?.lowercased()
            guard scheme == "smtp" || scheme == "smtps", URLComponents(string: url)?.host != nil else {
                problem("\(prefix).url", "must be smtp://host[:port] or smtps://host[:port]")
                return nil
            }
            var settings = SMTPSettings(url: url, from: from, to: to)
            settings.username = string(section, "username", path: "\(prefix).username")
            settings.password = secret(section, "password", prefix: prefix, environment: environment)
            if let tls = string(section, "tls", path: "\(prefix).tls") {
                if let mode = SMTPSettings.TLSMode(rawValue: tls) {
                    settings.tls = mode
                } else {
                    problem("\(prefix).tls", "must be required, opportunistic or none")
                }
            }
            settings.caFile = string(section, "ca_file", path: "\(prefix).ca_file")
            // A password may cross the network only encrypted; a relay on this machine is exempt.
            let host = URLComponents(string: url)?.host ?? ""
            if settings.password != nil, scheme == "smtp", settings.tls != .required, !["127.0.0.1", "::1", "[::1]", "localhost"].contains(host) {
                problem("\(prefix).tls", "must be required when a password is sent to \(host) over smtp:// (or use smtps://)")
            }
            return .smtp(settings)
        case (nil, let path?):
            guard path.hasPrefix("/") else {
                problem("\(prefix).sendmail", "must be an absolute path, e.g. /usr/sbin/sendmail")
                return nil
            }
            if let reason = SendmailPrivileges.problem(program: path) {
                problem("\(prefix).sendmail", reason)
                return nil
            }
            return .sendmail(SendmailSettings(path: path, from: from, to: to))
        default:
            problem("\(prefix).url", "give either url (SMTP) or sendmail (a local program), exactly one")
            return nil
        }
    }
}

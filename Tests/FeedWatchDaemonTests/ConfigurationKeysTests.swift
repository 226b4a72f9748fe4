@testable import FeedWatchDaemon
import Foundation
import Testing

/// Each section's `keys` is the whole truth: every key is read by its section's reader (a key
/// listed but never read would be accepted and silently ignored), and every key is in
/// feedwatch.toml(5).
@Suite struct ConfigurationKeysTests {
    /// Valid required keys, so that a reader gets past them to the key under test.
    static let required: [String: String] = [
        "feed": "url = \"https://a.example/feed\"",
        "opml": "path = \"/nonexistent/feedwatch-test.opml\"",
        "topic": "id = \"t\"\nquery = \"missile\"",
    ]

    /// The tables of one section with `key` set to a value no reader accepts (an array of arrays).
    static func file(section: String, isArray: Bool, key: String, required: String) -> String {
        let header = isArray ? "[[\(section)]]" : "[\(section)]"
        let lines = required.split(separator: "\n").filter { !$0.hasPrefix("\(key) =") }.joined(separator: "\n")
        return "\(header)\n\(lines)\n\(key) = [[true]]\n"
    }

    func problems(_ text: String) -> [ConfigurationProblem] {
        do {
            _ = try ConfigurationLoader.parse(text, path: "f.toml")
            return []
        } catch {
            return error.problems
        }
    }

    func expectRead(_ text: String, at path: String) {
        let problems = problems(text)
        #expect(problems.contains { $0.keyPath == path || $0.keyPath.hasPrefix(path + "[") || $0.keyPath.hasPrefix(path + ".") },
                "\(path) is not read: \(problems)")
        #expect(!problems.contains { $0.message.hasPrefix("unknown key") }, "\(problems)")
    }

    @Test func everyKeyOfEverySectionIsRead() {
        let arrays: Set<String> = ["feed", "opml", "topic", "notify"]
        for section in TableReader.sections where section.name != NotifySection.name {
            let isArray = arrays.contains(section.name)
            for key in section.keys {
                let text = Self.file(section: section.name, isArray: isArray, key: key, required: Self.required[section.name] ?? "")
                expectRead(text, at: isArray ? "\(section.name)[0].\(key)" : "\(section.name).\(key)")
            }
        }
        let kinds = [
            ("email", "url = \"smtp://mail.example\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]", NotifySection.emailKeys),
            ("webhook", "url = \"https://hook.example/x\"", NotifySection.webhookKeys),
            ("command", "command = [\"/bin/true\"]", NotifySection.commandKeys),
        ]
        for (kind, required, keys) in kinds {
            for key in NotifySection.commonKeys + keys where key != "kind" {
                expectRead(Self.file(section: "notify", isArray: true, key: key, required: "kind = \"\(kind)\"\n" + required),
                           at: "notify[0].\(key)")
            }
        }
        expectRead("[[notify]]\nkind = [[true]]\n", at: "notify[0].kind")
    }

    @Test func everyKeyIsDocumented() throws {
        let manual = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/feedwatch.toml.5")
        let text = try String(contentsOf: manual, encoding: .utf8)
        for section in TableReader.sections {
            let hasSection = text.contains(".SH \"[\(section.name)]") || text.contains(".SH \"[[\(section.name)]]")
            #expect(hasSection, "[\(section.name)] has no section in feedwatch.toml(5)")
            for key in section.keys {
                let documented = text.contains("\\fB\(key)\\fR")
                #expect(documented, "\(section.name).\(key) is not in feedwatch.toml(5)")
            }
        }
    }
}

import FeedWatchDaemon
import Testing

/// Issue 15, item 6: `feedwatch check` names a duplicate feed URL without its credentials.
@Suite struct RedactedConfigurationTests {
    @Test func aDuplicateFeedURLIsReportedRedacted() {
        let url = "https://reader:S3CRET@example.org/private.xml?token=TOK3NVALUE"
        let text = """
            [[feed]]
            url = "\(url)"

            [[feed]]
            url = "\(url)"

            [[topic]]
            id = "t"
            query = "missile"
            """
        do {
            _ = try ConfigurationLoader.parse(text, path: "f.toml")
            Issue.record("a duplicate URL was accepted")
        } catch {
            let messages = error.problems.map { "\($0)" }.joined(separator: "\n")
            #expect(messages.contains("duplicate of feed[0].url"), "\(messages)")
            #expect(!messages.contains("S3CRET") && !messages.contains("TOK3NVALUE"), "\(messages)")
            #expect(messages.contains("example.org/private.xml?token=***"))
        }
    }
}

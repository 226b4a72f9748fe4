import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchTestSupport
import Testing

@Suite struct ConfigurationEditorTests {
    /// `text` as `feedwatch.toml` in `directory`; returns its path.
    func file(_ text: String, in directory: TemporaryDirectory) throws -> String {
        let path = directory.path + "/feedwatch.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    let original = """
        # My feeds
        [storage]
        state_directory = "/tmp/x"

        [[feed]]
        url = "https://a.example/rss"   # the first one
        name = "A"

        # B is noisy
        [[feed]]
        url = "https://b.example/rss"

        [[topic]]
        id = "t"
        query = "missile"
        """

    @Test func addsAndRemovesFeedsKeepingCommentsAndOtherTables() throws {
        let directory = try TemporaryDirectory(prefix: "fw-edit")
        let path = try file(original, in: directory)
        var editor = try ConfigurationEditor(path: path)
        editor.addFeed(FeedSource(url: "https://c.example/feed?x=\"1\"", name: "C", tags: ["news", "wire"]))
        let removed = editor.removeFeed("A")
        let removedNothing = editor.removeFeed("https://nowhere.example/")
        #expect(removed && !removedNothing)
        let config = try editor.save()
        #expect(config.feeds.map(\.url) == ["https://b.example/rss", "https://c.example/feed?x=\"1\""])
        #expect(config.feeds[1].tags == ["news", "wire"])
        #expect(config.topics.map(\.id) == ["t"])
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        #expect(saved.contains("# My feeds"))
        #expect(saved.contains("# B is noisy"))
        #expect(!saved.contains("the first one"))
    }

    @Test func anEditThatBreaksTheFileIsNotSaved() throws {
        let directory = try TemporaryDirectory(prefix: "fw-edit")
        let path = try file(original, in: directory)
        var editor = try ConfigurationEditor(path: path)
        editor.addFeed(FeedSource(url: "https://a.example/rss"))
        #expect(throws: ConfigurationError.self) { _ = try editor.save() }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
    }

    @Test func opmlFilesNamedByTheConfigAddFeedsWithFolderTags() throws {
        let opml = """
            <opml version="2.0"><body><outline text="Wire">
            <outline type="rss" text="World Wire" xmlUrl="https://worldwire.example.org/rss"/>
            <outline type="rss" text="Dup" xmlUrl="https://a.example/rss"/>
            </outline></body></opml>
            """
        let directory = try TemporaryDirectory(prefix: "fw-edit")
        let path = try file(original + "\n[[opml]]\npath = \"subs.opml\"\ntags = [\"imported\"]\n", in: directory)
        let dir = (path as NSString).deletingLastPathComponent
        try opml.write(toFile: dir + "/subs.opml", atomically: true, encoding: .utf8)
        let config = try ConfigurationLoader.load(path: path)
        #expect(config.feeds.map(\.url) == ["https://a.example/rss", "https://b.example/rss", "https://worldwire.example.org/rss"])
        #expect(config.feeds[2].tags == ["imported", "Wire"])
        #expect(config.feeds[2].name == "World Wire")
        try FileManager.default.removeItem(atPath: dir + "/subs.opml")
        #expect {
            _ = try ConfigurationLoader.load(path: path)
        } throws: { error in
            "\(error)".contains("opml[0].path: cannot read \(dir)/subs.opml")
        }
    }
}

import FeedWatchModel
import Foundation
import Testing
@testable import FeedWatchStore

/// The stores' own snippet JSON writer and reader agree with Foundation's coders both ways,
/// on text with every kind of character a feed sends.
@Suite struct SnippetJSONTests {
    static let texts = [
        "", "plain words", "quote \" and backslash \\ and slash /", "line\nbreak\ttab\rreturn", "\u{0}\u{1}\u{1F}\u{7F}",
        "Ümit «nein» — 東京 🚀 \u{2028}\u{2029}", "ends with backslash \\", "\\u0041 is not an escape here",
    ]

    static var samples: [[Snippet]] {
        [[]] + [[Snippet(parts: [])]] + texts.indices.map { index in
            [
                Snippet(parts: [
                    Snippet.Part(text: texts[index], highlighted: false),
                    Snippet.Part(text: texts[(index + 1) % texts.count], highlighted: true),
                ]),
                Snippet(parts: [Snippet.Part(text: texts[(index + 2) % texts.count], highlighted: index % 2 == 0)]),
            ]
        }
    }

    @Test func encodedSnippetsReadBackThroughFoundationAndOurselves() throws {
        for snippets in Self.samples {
            let text = SnippetJSON.encode(snippets)
            #expect(try JSONDecoder().decode([Snippet].self, from: Data(text.utf8)) == snippets, "\(text)")
            #expect(SnippetJSON.decode(text) == snippets, "\(text)")
        }
    }

    /// What `JSONEncoder` wrote (the rows of earlier versions), whatever its options: read by
    /// the fast reader, or by `JSONDecoder` when its shape is unexpected.
    @Test func foundationEncodedSnippetsRead() throws {
        for formatting: JSONEncoder.OutputFormatting in [[], [.sortedKeys], [.prettyPrinted], [.withoutEscapingSlashes]] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = formatting
            for snippets in Self.samples {
                let text = String(decoding: try encoder.encode(snippets), as: UTF8.self)
                #expect(SnippetJSON.decode(text) == snippets, "\(text)")
            }
        }
        #expect(SnippetJSON.decode("not json").isEmpty)
        #expect(SnippetJSON.decode("[{\"parts\":[{\"text\":\"\\ud83d\\ude80\",\"highlighted\":true}]}]")
            == [Snippet(parts: [Snippet.Part(text: "🚀", highlighted: true)])])
    }
}

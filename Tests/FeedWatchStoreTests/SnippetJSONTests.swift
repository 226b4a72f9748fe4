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

    /// The word-at-a-time scan finds exactly the bytes a JSON string escapes: each of the 256
    /// byte values at each position of a text (around and across the 8-byte words it tests),
    /// among bytes it must pass over (ASCII, high bytes, and the neighbours of `"` and `\\`).
    @Test func theEscapeScanFindsEachByteItMustAndNoOther() {
        let filler: [UInt8] = Array("ab!#[]~ \u{7F}".utf8) + [0x80, 0xC3, 0xA9, 0xFF, 0x21, 0x23, 0x5B, 0x5D]
        for length in [1, 7, 8, 9, 16, 23] {
            for position in 0..<length {
                for value in 0...255 {
                    var bytes = (0..<length).map { filler[$0 % filler.count] }
                    bytes[position] = UInt8(value)
                    let escaped = value < 0x20 || value == 0x22 || value == 0x5C
                    let found = bytes.withUnsafeBufferPointer { SnippetJSON.nextEscape(in: $0, from: 0) }
                    #expect(found == (escaped ? position : length), "byte \(value) at \(position) of \(length)")
                    if escaped, position + 1 < length {
                        let after = bytes.withUnsafeBufferPointer { SnippetJSON.nextEscape(in: $0, from: position + 1) }
                        #expect(after == length, "past byte \(value) at \(position) of \(length)")
                    }
                }
            }
        }
    }

    /// The compact shape reads back as what was written, through our reader, and is JSON any
    /// tool can read: an array of snippets, each an array of flagged strings.
    @Test func compactSnippetsReadBack() throws {
        for snippets in Self.samples {
            let text = SnippetJSON.encodeCompact(snippets)
            #expect(SnippetJSON.decode(text) == snippets, "\(text)")
            #expect(SnippetJSON.isCompact(text) == (!snippets.isEmpty), "\(text)")
            #expect(!SnippetJSON.isCompact(SnippetJSON.encode(snippets)))
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as? [[String]])
            #expect(parsed == snippets.map { $0.parts.map { ($0.highlighted ? "+" : "-") + $0.text } })
        }
        let snippet = Snippet(parts: [
            .init(text: "before ", highlighted: false), .init(text: "missile", highlighted: true), .init(text: " after", highlighted: false),
        ])
        #expect(SnippetJSON.encodeCompact([snippet]) == #"[["-before ","+missile","- after"]]"#)
        #expect(SnippetJSON.encodeCompact([snippet]).utf8.count * 2 < SnippetJSON.encode([snippet]).utf8.count)
        // Spaces between tokens, as another tool may write them.
        #expect(SnippetJSON.decode(#" [ [ "+a" , "-b" ] , [ ] ] "#)
            == [Snippet(parts: [.init(text: "a", highlighted: true), .init(text: "b", highlighted: false)]), Snippet(parts: [])])
    }

    /// A compact text that breaks its shape is not read as something else: a part without its
    /// flag, a number for a part, an unclosed list. Nothing is made up; the row reads as empty.
    @Test func brokenCompactSnippetsReadAsNone() {
        for text in [#"[["missile"]]"#, #"[["+a",1]]"#, #"[["+a""#, #"[["+a"],{"parts":[]}]"#, #"[[""]]"#, #"[["+\x"]]"#] {
            #expect(SnippetJSON.decode(text).isEmpty, "\(text)")
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

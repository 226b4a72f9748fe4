import Foundation
import Testing
@testable import FeedWatchClustering

/// The byte-level readings of titles and texts agree with the scalar-level ones they replace,
/// and the one-permutation MinHash estimates Jaccard similarity as a MinHash must.
@Suite struct TextShinglesTests {
    /// What `TextShingles.title` must give, by the scalar-level route: `words`, joined, and the
    /// longest word (the alphabetically first of equally long ones) as the key.
    func slowTitle(_ title: String, maxWords: Int) -> (normalised: String, wordCount: Int, key: UInt64) {
        let words = TextShingles.words(title, maxWords: maxWords)
        var key: UInt64 = 0
        if let longest = words.max(by: { $0.count != $1.count ? $0.count < $1.count : $0 > $1 }), longest.count >= 4 {
            key = TextShingles.fnv1a(longest)
        }
        return (TextShingles.normalisedTitle(words), words.count, key)
    }

    @Test func asciiTitlesAreReadAsTheWordsWouldBe() {
        let titles = [
            "North Korea fires two ballistic missiles into sea", "", "   ", "!!!", "Live", "Live updates",
            "EU extends sanctions -- against Russia (for six months)", "  leading and trailing  ", "ABCD abcd Abcd wxyz",
            "zzzz aaaa mmmm", "2026: 10,000 troops; 3 ships", "tabs\tand\nnewlines", "x-ray y'all", "one two three four five six",
        ]
        for title in titles {
            let fast = TextShingles.title(title, maxWords: 64)
            let slow = slowTitle(title, maxWords: 64)
            #expect(fast.normalised == slow.normalised, "\(title)")
            #expect(fast.wordCount == slow.wordCount, "\(title)")
            #expect(fast.key == slow.key, "\(title)")
            #expect(TextShingles.titleTrigramList(normalised: fast.normalised) == TextShingles.titleTrigramList(words: TextShingles.words(title, maxWords: 64)))
        }
        // The word limit ends the title where `words` would.
        let long = (0..<100).map { "word\($0)" }.joined(separator: " ")
        #expect(TextShingles.title(long, maxWords: 64).normalised == slowTitle(long, maxWords: 64).normalised)
        #expect(TextShingles.title(long, maxWords: 64).wordCount == 64)
        // The alphabetically first of the equally long words is the key.
        #expect(TextShingles.title("zzzz aaaa mmmm", maxWords: 64).key == TextShingles.fnv1a("aaaa"))
    }

    @Test func nonASCIITitlesAndTextsAreReadByScalar() {
        for text in ["Ümit Özdağ: „Nein“ zu 2026", "東京で地震 M6.2", "Ελλάδα ΣΟΦΙΑ", "rock 🎸 and roll ñandú", "naïve café — résumé"] {
            let title = TextShingles.title(text, maxWords: 64)
            let slow = slowTitle(text, maxWords: 64)
            #expect(title.normalised == slow.normalised, "\(text)")
            #expect(title.wordCount == slow.wordCount, "\(text)")
            #expect(title.key == slow.key, "\(text)")
            #expect(TextShingles.wordHashes(text, maxWords: 100) == TextShingles.words(text, maxWords: 100).map(TextShingles.fnv1a), "\(text)")
            #expect(TextShingles.wordHashes(text + " end", maxWords: 2) == Array(TextShingles.words(text + " end", maxWords: 2).map(TextShingles.fnv1a)), "\(text)")
        }
    }

    /// The clusterer's forms of the same readings: word hashes appended after others (the title's
    /// words then the text's, one array reused), with the limit counting only the new words and
    /// the first word taken whatever the limit; title trigrams de-duplicated without sorting are
    /// the distinct truncated trigram hashes (`titleTrigrams`), each once.
    @Test func appendedWordHashesAndUnsortedTrigramsAgreeWithTheReferenceReadings() {
        let texts = [
            "North Korea fires two ballistic missiles into sea", "", "  , ", "a b c d e f g h", "Ümit Özdağ: „Nein“ zu 2026",
            "東京で地震 M6.2", "rock 🎸 and roll ñandú", "x", "the the the the the the", "UPPER lower 123 mixed4Case",
        ]
        var hashes: [UInt64] = []
        var trigrams: [UInt32] = []
        var table: [UInt32] = []
        for title in texts {
            for text in texts {
                let prefix = TextShingles.wordHashes(title, maxWords: 600)
                for limit in [0, 1, 3, 600] {
                    hashes = prefix
                    TextShingles.wordHashes(text, maxWords: limit, appendingTo: &hashes)
                    let expected = prefix + TextShingles.words(text, maxWords: max(limit, 1)).map(TextShingles.fnv1a)
                    #expect(hashes == expected, "\(title) | \(text) | \(limit)")
                }
            }
            let normalised = TextShingles.title(title, maxWords: 64).normalised
            TextShingles.distinctTitleTrigrams(normalised: normalised, into: &trigrams, table: &table)
            #expect(Set(trigrams).count == trigrams.count, "\(title)")
            #expect(Set(trigrams) == Set(TextShingles.titleTrigrams(title).map { UInt32(truncatingIfNeeded: $0) }), "\(title)")
            #expect(trigrams.sorted() == TextShingles.titleTrigramList(normalised: normalised), "\(title)")
        }
    }

    /// Sets of known Jaccard similarity (0 to 1, small and large): the one-permutation estimate
    /// over 64 values is unbiased on average and each estimate stays near the truth, so the 0.4
    /// threshold separates what it did with 64 independent hash functions.
    @Test func oneEstimatePerBucketTracksJaccard() {
        var seed: UInt64 = 1
        func next() -> UInt64 {
            seed &+= 1
            return TextShingles.mix(seed)
        }
        for size in [8, 60, 400] {
            for target in [0.0, 0.2, 0.4, 0.6, 0.8, 1.0] {
                var errors: [Double] = []
                for _ in 0..<200 {
                    // |A ∩ B| = s, |A ∪ B| = size: s shared, the rest split between A and B.
                    let shared = Int((target * Double(size)).rounded())
                    let common = (0..<shared).map { _ in next() }
                    let rest = (0..<(size - shared)).map { _ in next() }
                    let a = common + rest.prefix(rest.count / 2)
                    let b = common + rest.dropFirst(rest.count / 2)
                    let truth = Double(shared) / Double(size)
                    let estimate = MinHashSignature(shingles: a, count: 64).similarity(MinHashSignature(shingles: b, count: 64))
                    errors.append(estimate - truth)
                }
                let bias = errors.reduce(0, +) / Double(errors.count)
                let rms = (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot()
                #expect(abs(bias) < 0.04, "size \(size), Jaccard \(target): bias \(bias)")
                #expect(rms < 0.09, "size \(size), Jaccard \(target): rms \(rms)")
            }
        }
        // The same set always gives the same signature; no shingles give no minimum.
        let set = (0..<30).map { _ in next() }
        #expect(MinHashSignature(shingles: set, count: 64) == MinHashSignature(shingles: set.reversed(), count: 64))
        #expect(MinHashSignature(shingles: [UInt64](), count: 64).values.allSatisfy { $0 == .max })
    }
}

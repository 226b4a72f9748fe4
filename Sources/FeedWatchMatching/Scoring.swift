/// How strongly an article matches: title hits weigh more, repeated hits saturate.
///
/// `raw = 3 × title hits + 1 × body hits` over distinct hit spans, and
/// `score = 5 × raw / (raw + 2)`, rounded to two decimals: one body hit scores 1.67, one title
/// hit 3.0, ten body hits 4.17; the score never reaches 5. A match without evidence (a pure
/// negation) scores 0.
enum Scoring {
    static let titleWeight = 3.0
    static let bodyWeight = 1.0
    static let ceiling = 5.0
    static let halfSaturation = 2.0

    static func score(_ spans: [Span]) -> Double {
        let raw = spans.reduce(0.0) { $0 + ($1.isTitle ? titleWeight : bodyWeight) }
        let score = ceiling * raw / (raw + halfSaturation)
        return (score * 100).rounded() / 100
    }
}

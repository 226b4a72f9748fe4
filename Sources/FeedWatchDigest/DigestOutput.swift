/// Where a renderer writes a file's text, piece by piece: into a string (a file asked for as
/// text: `feedwatch digest show`, the tests), or through an `AtomicFileStream` straight to
/// disk, so publishing a day of 40,000 matches holds a buffer of the file, never all of it.
///
/// Renderers write small pieces (a heading, one story) and never build a file, a section or
/// a page body as one string first; `largestPiece` lets the tests hold them to that.
public final class DigestOutput {
    private var text = ""
    private let stream: AtomicFileStream?
    /// How many times each piece is escaped as markup before it lands: the Atom feeds carry
    /// HTML fragments escaped as XML text (`escapingMarkup`).
    private var escapes = 0
    /// The most bytes handed over in one piece.
    public private(set) var largestPiece = 0

    /// An output collecting the text in memory (`contents`).
    public init() { stream = nil }

    /// An output writing through `stream`.
    public init(stream: AtomicFileStream) { self.stream = stream }

    /// What was written, for an output collecting in memory.
    public var contents: String { text }

    /// Appends `piece` (escaped as markup inside `escapingMarkup`).
    public func write(_ piece: String) {
        var piece = piece
        for _ in 0..<escapes { piece = DigestMarkup.escape(piece) }
        largestPiece = max(largestPiece, piece.utf8.count)
        if let stream { stream.write(piece) } else { text += piece }
    }

    /// Appends markup built as UTF-8 bytes (escaped as markup inside `escapingMarkup`, as
    /// `write(_:)` escapes a string).
    func write(markup bytes: [UInt8]) {
        guard escapes == 0 else {
            write(String(decoding: bytes, as: UTF8.self))
            return
        }
        write(utf8: bytes)
    }

    /// Appends UTF-8 bytes (JSON, which is written as bytes), not escaped.
    func write(utf8 bytes: [UInt8]) {
        bytes.withUnsafeBytes { write(utf8: $0) }
    }

    /// Appends UTF-8 bytes held elsewhere (a writer's buffer), not escaped.
    func write(utf8 bytes: UnsafeRawBufferPointer) {
        largestPiece = max(largestPiece, bytes.count)
        if let stream {
            stream.append(bytes)
        } else {
            text += String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Runs `body` with everything it writes escaped as markup (`DigestMarkup.escape`): HTML
    /// text inside an XML element. Escaping piece by piece gives the bytes escaping the whole
    /// would, since every piece is whole characters and the escape works per character.
    func escapingMarkup(_ body: () -> Void) {
        beginEscapingMarkup()
        defer { endEscapingMarkup() }
        body()
    }

    /// From here to `endEscapingMarkup`, what is written is escaped as markup (`escapingMarkup`,
    /// across the steps of a file written as a day's stories go by).
    func beginEscapingMarkup() { escapes += 1 }

    /// Ends what `beginEscapingMarkup` began.
    func endEscapingMarkup() { escapes -= 1 }
}

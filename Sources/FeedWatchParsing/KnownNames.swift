/// The element and attribute names and the namespace URIs feeds are made of, interned once
/// per process. Every document's tables start from them, so a typical feed interns few names
/// of its own: interning into hash tables built afresh for each document (String hashing,
/// growing the tables) had become a tenth of parsing a small feed.
///
/// Indexes below `names.count` (and `namespaces.count`) mean the same name in every document.
// Unchecked: the template table holds pointers, but nothing mutates it after `init`; readers
// work on copies.
struct KnownNames: @unchecked Sendable {
    static let shared = KnownNames()

    let names: [String]
    let nameKinds: [ElementName]
    let nameFlags: [(isContainer: Bool, isEntry: Bool)]
    let nameIndexes: [String: Int32]
    /// Index 0 is no namespace (""), as in every document.
    let namespaces: [String]
    let namespaceKinds: [NS]
    let namespaceIndexes: [String: Int32]

    /// Elements that only hold other elements; their whitespace text is layout.
    static let containers: Set<String> = [
        "rss", "channel", "item", "RDF", "feed", "entry", "author", "contributor", "image", "textinput", "textInput",
        "items", "Seq", "group", "owner",
    ]

    private static let commonNames = [
        // RSS 0.9x/2.0
        "rss", "channel", "item", "title", "link", "description", "guid", "pubDate", "author", "category",
        "comments", "enclosure", "source", "language", "copyright", "managingEditor", "webMaster", "lastBuildDate",
        "generator", "docs", "ttl", "image", "url", "width", "height", "textInput", "textinput", "name", "cloud",
        "rating", "skipHours", "skipDays", "hour", "day",
        // Attributes
        "version", "isPermaLink", "domain", "type", "length", "rel", "href", "hreflang", "term", "label", "scheme",
        "base", "lang", "space", "url", "medium", "fileSize", "about", "resource", "text", "mode", "src", "alt",
        // Atom
        "feed", "entry", "id", "updated", "published", "summary", "content", "subtitle", "rights", "icon", "logo",
        "contributor", "uri", "email", "tagline", "modified", "issued", "created", "info",
        // RSS 1.0, Dublin Core, content, media, iTunes, slash, syndication, wfw
        "RDF", "Seq", "li", "items", "creator", "date", "subject", "publisher", "format", "identifier", "rights",
        "encoded", "thumbnail", "group", "keywords", "duration", "explicit", "owner", "block", "episode",
        "season", "episodeType", "commentRss", "updatePeriod", "updateFrequency", "updateBase",
        // XHTML content
        "div", "p", "a", "img", "br", "span", "em", "strong", "b", "i", "ul", "ol", "h1", "h2", "h3",
    ]

    private static let commonNamespaces = [
        XMLNamespace.atom10, XMLNamespace.atom03, XMLNamespace.rss10, XMLNamespace.rss090, XMLNamespace.rdf,
        XMLNamespace.content, XMLNamespace.dc, XMLNamespace.dcterms, XMLNamespace.media, XMLNamespace.itunes,
        XMLNamespace.slash, XMLNamespace.xml, XMLNamespace.xhtml, XMLNamespace.wfw, XMLNamespace.sy,
    ]

    private init() {
        var names: [String] = []
        var indexes: [String: Int32] = [:]
        for name in Self.commonNames where indexes[name] == nil {
            indexes[name] = Int32(names.count)
            names.append(name)
        }
        self.names = names
        nameIndexes = indexes
        nameKinds = names.map(ElementName.init)
        nameFlags = names.map { (Self.containers.contains($0), $0 == "item" || $0 == "entry") }
        namespaces = [""] + Self.commonNamespaces
        namespaceKinds = namespaces.map { NS(uri: $0) }
        var namespaceIndexes: [String: Int32] = [:]
        for (index, uri) in namespaces.enumerated() { namespaceIndexes[uri] = Int32(index) }
        self.namespaceIndexes = namespaceIndexes
    }
}

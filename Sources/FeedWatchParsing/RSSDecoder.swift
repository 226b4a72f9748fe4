import FeedWatchModel

/// RSS 0.90–0.94, 2.0 and 1.0 (RDF) into the normalised model. Core RSS elements are matched
/// by local name in any non-extension namespace, since RSS 1.0/0.90 put them in their own
/// namespace and broken feeds in arbitrary ones.
enum RSSDecoder {
    /// Decodes the feed; items already decoded while the document was read come from `stream`.
    static func decode(_ root: XMLElement, stream: EntryStream? = nil, context: inout DecodeContext) -> ParsedFeed {
        let format = detectFormat(root)
        let channel = root.name == "channel" ? root : (root.children.first { isCore($0) && $0.name == "channel" })
        if channel == nil { context.warn("RSS document without a <channel>") }
        var feed = ParsedFeed(format: format)

        var channelBase = channel?.base ?? root.base
        if let channel {
            readChannel(channel, into: &feed, context: &context)
            if channelBase == nil, let link = feed.link { channelBase = link }
        }
        if let link = feed.link { feed.link = URLResolver.resolve(link, against: channel?.base ?? root.base) }

        // Items live in <channel> for RSS 0.9x/2.0 and beside it for RSS 1.0; broken feeds do either.
        // An unclosed element (say <itunes:category>) swallows the items after it, so look
        // everywhere except inside items (SSE puts conflicting copies of an item in its item).
        let items = root.descendants(named: "item", where: isCore)
        var placed = 0
        if let channel {
            for child in channel.children where child.name == "item" && isCore(child) { placed += 1 }
        }
        if channel != root {
            for child in root.children where child.name == "item" && isCore(child) { placed += 1 }
        }
        if items.count > placed {
            context.warn("\(items.count - placed) item(s) found inside another element (an unclosed tag?)")
        }
        if let stream, stream.count == items.count {
            // Every item was decoded while the document was read, in this order.
            assert(items.enumerated().allSatisfy { $0.element.streamedEntrySlot == $0.offset })
            for slot in items.indices {
                for warning in stream.warnings(slot) { context.warn(warning) }
            }
            feed.entries = stream.takeAll()
            if let language = feed.language {
                for index in feed.entries.indices where feed.entries[index].language == nil {
                    feed.entries[index].language = language
                }
            }
        } else {
            feed.entries.reserveCapacity(items.count)
            for item in items {
                if let slot = item.streamedEntrySlot, let stream {
                    var entry = stream.entry(slot)
                    if entry.language == nil { entry.language = feed.language }
                    for warning in stream.warnings(slot) { context.warn(warning) }
                    feed.entries.append(entry)
                    continue
                }
                let base = item.base ?? channelBase
                feed.entries.append(decodeItem(item, base: base, feedLanguage: feed.language, context: &context))
            }
        }
        if feed.imageURL == nil, let image = root.children.first(where: { isCore($0) && $0.name == "image" }),
           let url = image.children.first(where: { isCore($0) && $0.name == "url" })?.trimmedText {
            feed.imageURL = URLResolver.resolve(url, against: channelBase)
        }
        feed.warnings = context.warnings
        return feed
    }

    /// `false` in any case, with surrounding whitespace (compared on bytes: `lowercased()`
    /// made a String per item, and a `zip` over the bytes cost hundreds of instructions).
    private static func isFalse(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            var start = 0
            var end = bytes.count
            while start < end, bytes[start].isASCIIWhitespace { start += 1 }
            while end > start, bytes[end - 1].isASCIIWhitespace { end -= 1 }
            guard end - start == 5 else { return false }
            // `| 0x20` folds ASCII capitals to lower case (and leaves the lower-case letters).
            return bytes[start] | 0x20 == UInt8(ascii: "f") && bytes[start + 1] | 0x20 == UInt8(ascii: "a")
                && bytes[start + 2] | 0x20 == UInt8(ascii: "l") && bytes[start + 3] | 0x20 == UInt8(ascii: "s")
                && bytes[start + 4] | 0x20 == UInt8(ascii: "e")
        } ?? (text.trimmingASCIIWhitespace().lowercased() == "false")
    }

    private static func isCore(_ element: XMLElement) -> Bool {
        !element.ns.isRSSExtension
    }

    private static func detectFormat(_ root: XMLElement) -> FeedFormat {
        if root.name == "RDF" {
            return root.children.contains { $0.ns == .rss090 } ? .rss090 : .rss10
        }
        switch root.attribute("version")?.trimmingASCIIWhitespace() {
        case "0.90": return .rss090
        case "0.91": return .rss091
        case "0.92": return .rss092
        case "0.93": return .rss093
        case "0.94": return .rss094
        default: return .rss20
        }
    }

    /// Minutes between updates per the syndication module (`sy:updatePeriod` /
    /// `sy:updateFrequency`, default once per period); nil when the feed says nothing usable.
    static func syndicationMinutes(period: String?, frequency: Int?) -> Int? {
        guard let period else { return nil }
        let minutes: Int
        switch period {
        case "hourly": minutes = 60
        case "daily": minutes = 1440
        case "weekly": minutes = 10_080
        case "monthly": minutes = 43_200
        case "yearly": minutes = 525_600
        default: return nil
        }
        let times = max(frequency ?? 1, 1)
        return max(minutes / times, 1)
    }

    private static func readChannel(_ channel: XMLElement, into feed: inout ParsedFeed, context: inout DecodeContext) {
        let base = channel.base
        var draft = EntryDraft()  // collects channel-level extension values (authors, dates)
        var updatePeriod: String?
        var updateFrequency: Int?
        defer { feed.updatePeriodMinutes = syndicationMinutes(period: updatePeriod, frequency: updateFrequency) }
        for child in channel.children {
            // Items decoded while the document was read: no channel field (thousands of them
            // in a large feed, each compared with every name below otherwise).
            if child.streamedEntrySlot != nil { continue }
            if isCore(child) {
                switch child.name {
                case "title": if feed.title == nil { feed.title = ElementReader.plainText(child) }
                case "link": if feed.link == nil, let link = child.trimmedText { feed.link = link }
                case "description": if feed.subtitle == nil { feed.subtitle = ElementReader.plainText(child) }
                case "language": feed.language = child.trimmedText
                case "lastBuildDate": feed.updated = ElementReader.date(child, context: &context) ?? feed.updated
                case "pubDate": if feed.updated == nil { feed.updated = ElementReader.date(child, context: &context) }
                case "managingEditor", "webMaster":
                    if child.name == "managingEditor", let text = child.trimmedText {
                        draft.addAuthor(ElementReader.rssPerson(text))
                    }
                case "ttl": feed.ttlMinutes = child.trimmedText.flatMap { Int($0) }
                case "image":
                    if let url = child.children.first(where: { isCore($0) && $0.name == "url" })?.trimmedText {
                        feed.imageURL = URLResolver.resolve(url, against: base)
                    }
                default: break
                }
            } else if child.ns == .atom10 && child.name == "link" {
                let rel = child.attribute("rel") ?? "alternate"
                guard let href = child.attribute("href") else { continue }
                if rel == "self" { feed.selfURL = URLResolver.resolve(href, against: base) }
                if rel == "alternate" && feed.link == nil { feed.link = href }
            } else if child.ns == .itunes && child.name == "image" {
                if feed.imageURL == nil, let href = child.attribute("href") {
                    feed.imageURL = URLResolver.resolve(href, against: base)
                }
            } else if child.ns == .sy && (child.name == "updatePeriod" || child.name == "updateFrequency") {
                // The syndication module: "hourly" with frequency 2 means every 30 minutes.
                if child.name == "updatePeriod" { updatePeriod = child.trimmedText?.lowercased() }
                if child.name == "updateFrequency" { updateFrequency = child.trimmedText.flatMap { Int($0) } }
            } else if child.ns == .dc && child.name == "language" {
                if feed.language == nil { feed.language = child.trimmedText }
            } else if child.ns == .dc && child.name == "date" {
                if feed.updated == nil { feed.updated = ElementReader.date(child, context: &context) }
            } else if child.ns == .dc && child.name == "title" {
                if feed.title == nil { feed.title = ElementReader.plainText(child) }
            } else if child.ns == .dcterms && child.name == "modified" {
                if feed.updated == nil { feed.updated = ElementReader.date(child, context: &context) }
            } else if child.ns != .media {
                _ = ElementReader.readExtension(child, into: &draft, base: base, context: &context)
            }
        }
        if feed.language == nil { feed.language = channel.lang }
        feed.authors = draft.authors
    }

    /// One item. `feedLanguage` is the language of an item that names none (nil: leave it nil).
    static func decodeItem(_ item: XMLElement, base: String?, feedLanguage: String?,
                                   context: inout DecodeContext) -> Entry {
        var draft = EntryDraft()
        var guidElement: XMLElement?
        var alternateLink: String?
        for child in item.children {
            if isCore(child) {
                switch child.knownName {
                case .title: if draft.title == nil { draft.title = ElementReader.plainText(child) }
                case .link: if draft.link == nil { draft.link = child.trimmedText }
                case .guid: guidElement = child
                case .description: draft.summary = ElementReader.htmlText(child, base: base)
                case .pubDate: draft.published = ElementReader.date(child, context: &context)
                case .author:
                    if let text = child.trimmedText { draft.addAuthor(ElementReader.rssPerson(text)) }
                case .category: draft.addCategory(ElementReader.plainText(child, html: false))
                case .comments:
                    if let url = child.trimmedText { draft.commentsURL = URLResolver.resolve(url, against: base) }
                case .enclosure:
                    if let url = child.attribute("url")?.trimmingASCIIWhitespace(), !url.isEmpty {
                        let length = child.attribute("length").flatMap { Int64($0.trimmingASCIIWhitespace()) }
                        let type = child.attribute("type").flatMap { $0.isEmpty ? nil : $0 }
                        draft.addEnclosure(Enclosure(url: URLResolver.resolve(url, against: base), type: type,
                                                     length: length))
                    }
                default: break
                }
            } else if child.ns == .atom10 {
                switch child.knownName {
                case .link:
                    let rel = child.attribute("rel") ?? "alternate"
                    if rel == "alternate", alternateLink == nil { alternateLink = child.attribute("href") }
                    if rel == "enclosure", let href = child.attribute("href") {
                        draft.addEnclosure(Enclosure(url: URLResolver.resolve(href, against: base),
                                                     type: child.attribute("type"),
                                                     length: child.attribute("length").flatMap { Int64($0) }))
                    }
                case .updated: draft.updated = ElementReader.date(child, context: &context)
                case .published: if draft.published == nil { draft.published = ElementReader.date(child, context: &context) }
                case .id: if guidElement == nil && draft.id == nil { draft.id = child.trimmedText }
                case .summary: if draft.summary == nil { draft.summary = AtomDecoder.text(child, base: base) }
                case .content: if draft.content == nil { draft.content = AtomDecoder.text(child, base: base) }
                default: break
                }
            } else if child.ns == .rdf {
                continue
            } else {
                _ = ElementReader.readExtension(child, into: &draft, base: base, context: &context)
            }
        }
        // RSS 1.0 names each item by rdf:about.
        if let about = item.attribute("about", namespace: XMLNamespace.rdf), draft.id == nil, guidElement == nil {
            draft.id = about.trimmingASCIIWhitespace()
        }
        if let guidElement, let guid = guidElement.trimmedText {
            draft.id = guid
            // RSS 2.0: a guid is a permalink unless it says isPermaLink="false".
            let flag = guidElement.attribute("isPermaLink")
            draft.guidIsPermalink = !(flag.map(Self.isFalse) ?? false)
            if draft.link == nil, draft.guidIsPermalink == true, URLResolver.isAbsolute(guid) {
                draft.link = guid
            }
        }
        if draft.link == nil { draft.link = alternateLink }
        if let link = draft.link { draft.link = URLResolver.resolve(link, against: base) }
        draft.language = item.lang ?? draft.language ?? feedLanguage
        return draft.entry()
    }
}

import FeedWatchModel

/// Decodes RSS items and Atom entries while the SAX pass is still reading the document, as
/// each one closes, so that the tree holds one item's subtree at a time instead of the whole
/// document: a 12 MB feed then parses in buffers of a few hundred kilobytes that stay in the
/// cache, where the whole tree took 40 MB that had to be faulted in again on every parse.
///
/// An item is decoded early only when everything it depends on outside itself is final: its
/// base URL (its own or inherited `xml:base`, or the document URL; for RSS also the
/// channel's link once that has been read, or once it can no longer appear). What may still
/// follow the items (the feed's language, Atom's feed-level authors) is filled in by the
/// decoders at the end, exactly as they fill it in for the items they decode themselves.
/// Items that do not qualify stay in the tree and are decoded at the end as before; the
/// decoders take the early ones from here by their place in the tree, so the result is the
/// same either way (`ParserBenchmark --dump` compares every corpus feed's full result).
final class EntryStream {
    private let documentURL: String?
    /// The decoded entries in slot order, which is document order.
    @exclusivity(unchecked) private var entries: [Entry] = []
    /// Whether `takeAll` handed `entries` over; `entry(_:)` may not be used after it.
    private var handedOver = false
    /// The warnings raised while decoding, by slot; most entries raise none.
    @exclusivity(unchecked) private var warnings: [Int32: [String]] = [:]

    private enum Format { case unknown, rss, atom, other }
    private var format = Format.unknown

    /// RSS: the channel (the root itself, or the root's first core `<channel>` child), -1
    /// until it has been seen, and the last root child examined while looking for it.
    private var channel: Int32 = -1
    private var rootCursor: Int32 = -1
    /// RSS: the channel's link, the base of items without one of their own. `.some(nil)`
    /// once it is known that there is none.
    private var channelLink: String??
    /// RSS: the last channel child examined while looking for the link.
    private var channelCursor: Int32 = -1

    init(documentURL: String?) {
        self.documentURL = documentURL
    }

    /// Entries decoded before the stream estimates how many the document holds.
    static let sampleEntries = 64

    /// Makes room for all the entries a document seems to hold, judged from how many bytes
    /// the first `sampleEntries` took (`consumed` of `total`), at most `limit`. Growing the
    /// array by doubling re-allocated megabytes several times per parse of a feed of
    /// thousands of items, each time in fresh pages once glibc had given the heap back to the
    /// kernel: a sixth of such a parse.
    func reserveForDocument(consumed: Int, total: Int, limit: Int) {
        guard consumed > 0, total > consumed else { return }
        let estimate = Double(entries.count) * Double(total) / Double(consumed) * 1.1
        entries.reserveCapacity(min(limit, Int(min(estimate, Double(Int32.max)))))
    }

    /// Room in the entries array, for the tests.
    var reservedCapacity: Int { entries.capacity }

    /// Called by the SAX pass when item or entry `element` has just closed and nothing of it
    /// is still open; `ancestors` are the open elements around it, outermost first. Returns
    /// the slot it was decoded into, after which its subtree may be dropped, or nil when it
    /// must stay in the tree.
    func entryClosed(_ element: XMLElement, ancestors: UnsafeBufferPointer<Int32>) -> Int32? {
        guard let parent = ancestors.last else { return nil }
        let document = element.document
        let root = XMLElement(document: document, index: 0)
        if format == .unknown { format = Self.format(of: root) }
        var context = DecodeContext(documentURL: documentURL, warnings: [])
        let entry: Entry
        switch format {
        case .rss:
            // Only items that are children of the channel or the root are where the decoder
            // looks first; one swallowed by an unclosed element waits for the end.
            guard element.name == "item", !element.ns.isRSSExtension,
                  let channel = findChannel(root), parent == 0 || parent == channel,
                  let base = rssBase(element, channel: XMLElement(document: document, index: channel),
                                     channelIsOpen: ancestors.contains(channel))
            else { return nil }
            entry = RSSDecoder.decodeItem(element, base: base, feedLanguage: nil, context: &context)
        case .atom:
            // The feed's link is the base of an entry without one, and a later `<link>` can
            // still change it: only entries with a base of their own are decoded early.
            guard parent == 0, element.name == "entry", element.ns == root.ns, element.base != nil else { return nil }
            entry = AtomDecoder.decodeEntry(element, namespace: root.ns, feed: ParsedFeed(format: .atom10),
                                            context: &context)
        case .unknown, .other:
            return nil
        }
        guard entries.count < Int(Int32.max) else { return nil }
        let slot = Int32(entries.count)
        entries.append(consume entry)
        if !context.warnings.isEmpty { warnings[slot] = context.warnings }
        return slot
    }

    /// The number of entries decoded early.
    var count: Int { entries.count }

    /// The entry decoded into `slot` (a copy: for documents where some items had to wait).
    func entry(_ slot: Int) -> Entry {
        precondition(!handedOver, "entries read after they were handed over")
        return entries[slot]
    }

    /// All entries, handed over without a copy: for the usual document, where every item
    /// was decoded early and the stream's slots are the feed's entries in order.
    func takeAll() -> [Entry] {
        handedOver = true
        var all: [Entry] = []
        swap(&all, &entries)
        return all
    }

    /// The warnings raised while decoding the entry in `slot`.
    func warnings(_ slot: Int) -> [String] {
        warnings[Int32(slot)] ?? []
    }

    private static func format(of root: XMLElement) -> Format {
        switch (root.name, root.ns) {
        case ("rss", _), ("RDF", .rdf), ("channel", _): return .rss
        case ("feed", .atom10), ("feed", .atom03), ("feed", .none): return .atom
        default: return .other
        }
    }

    /// The channel as `RSSDecoder` will choose it, once it has been seen. Root children are
    /// examined once each, however many items follow.
    private func findChannel(_ root: XMLElement) -> Int32? {
        if channel >= 0 { return channel }
        if root.name == "channel" {
            channel = 0
            return channel
        }
        let found = nextChild(of: root, after: &rootCursor) { $0.name == "channel" && !$0.ns.isRSSExtension }
        if let found { channel = found.index }
        return found?.index
    }

    /// An item's base as `RSSDecoder` will compute it, when it is already final: the item's
    /// own (inherited) base, else the channel's, else the channel's link (the first core
    /// `<link>` with text or `atom:link` alternate); nil when that link may still come.
    private func rssBase(_ item: XMLElement, channel: XMLElement, channelIsOpen: Bool) -> String?? {
        if let base = item.base { return .some(base) }
        if let base = channel.base { return .some(base) }
        if let channelLink { return .some(channelLink) }
        let found = nextChild(of: channel, after: &channelCursor) { child in
            if child.name != "link" { return false }
            if !child.ns.isRSSExtension { return child.trimmedText != nil }
            return child.ns == .atom10 && (child.attribute("rel") ?? "alternate") == "alternate"
                && child.attribute("href") != nil
        }
        if let found {
            channelLink = .some(found.ns.isRSSExtension ? found.attribute("href") : found.trimmedText)
            return channelLink
        }
        if channelIsOpen { return nil }
        channelLink = .some(nil)
        return channelLink
    }

    /// The first child of `parent` after `cursor` (the last one examined; -1 for none yet)
    /// that passes `test`, advancing `cursor` over every child examined. Only children that
    /// are closed are examined: those before the item that just closed, or all of a closed
    /// parent.
    private func nextChild(of parent: XMLElement, after cursor: inout Int32,
                           where test: (XMLElement) -> Bool) -> XMLElement? {
        let document = parent.document
        var next = cursor < 0 ? parent.firstChildIndex : document.records[Int(cursor)].nextSibling
        while next >= 0 {
            cursor = next
            let child = XMLElement(document: document, index: next)
            if test(child) { return child }
            next = document.records[Int(next)].nextSibling
        }
        return nil
    }
}

import Foundation
import FeedWatchFetching
import FeedWatchMatching
import FeedWatchModel
import FeedWatchParsing
import FeedWatchStore
import Logging

/// The article step of a refresh, after the store has said which entries are new or updated:
/// full text (as the feed's `full_text` asks), story clustering, then matching.
extension FeedPipeline {
    /// Returns the matches to record. New articles are extracted and clustered; updated ones are
    /// matched again (recording skips topics they already matched). Backfill (entries published
    /// before the feed was added, less `[fetch] backfill`) is not matched. Failures of extraction and
    /// clustering are logged and leave the article to be matched on what the feed gave.
    func processArticles(_ stored: StoredEntries, feed: StoredFeed, fullText mode: FullTextMode, discovered: Date) async -> [TopicMatch] {
        var articles = stored.new
        if mode != .never {
            articles = await extractFullText(articles, mode: mode, feed: feed)
        }
        if !articles.isEmpty {
            do {
                let stories = try await stories.assign(articles, store: store, now: discovered)
                try await store.assignStories(stories)
            } catch {
                logger.error("cannot cluster articles", metadata: ["feed_url": "\(LogRedaction.url(feed.url))", "error": "\(error)"])
            }
        }
        // Backfill is stored and clustered (later reports join its stories) but never matched.
        let cutoff = backfillCutoff(for: feed)
        return match(Self.flaggable(articles + stored.updated, cutoff: cutoff), of: feed, at: discovered)
    }

    /// Fetches and extracts the pages of `articles` that qualify (all for `.always`, candidates of
    /// some topic for `.candidates`), at most `fullTextPerRefresh`, concurrently through the fetcher.
    /// Returns the articles with `fullText` or `extractionNote` set, in the same order.
    func extractFullText(_ articles: [Article], mode: FullTextMode, feed: StoredFeed) async -> [Article] {
        let limit = configuration.fetch.fullTextPerRefresh
        var chosen: [Int] = []
        for (index, article) in articles.enumerated() where article.link != nil && chosen.count < limit {
            if mode == .candidates {
                let teaser = MatchDocument(title: article.title, body: article.bodyText, language: article.language)
                guard matcher.hasCandidates(teaser, feedURL: feed.url, feedTags: feed.tags) else { continue }
            }
            chosen.append(index)
        }
        guard !chosen.isEmpty else { return articles }
        let policy = AddressPolicy(allowedNetworks: configuration.fetch.allowPrivateNetworks)
        let limits = ExtractionLimits(maxInputBytes: configuration.fetch.fullTextMaxBytes)
        let outcomes = await withTaskGroup(of: (Int, Result<ExtractedArticle, ExtractionError>).self) { group in
            for index in chosen {
                let link = articles[index].link ?? ""
                group.addTask { (index, await fetchAndExtract(link, policy: policy, limits: limits)) }
            }
            var outcomes: [(Int, Result<ExtractedArticle, ExtractionError>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        var updated = articles
        var records: [ArticleExtractionRecord] = []
        for (index, outcome) in outcomes {
            switch outcome {
            case .success(let extracted):
                updated[index].fullText = extracted.text
                updated[index].extractionNote = extracted.truncated ? "text truncated at the configured limit" : nil
            case .failure(let error):
                updated[index].extractionNote = error.message
            }
            records.append(ArticleExtractionRecord(
                articleID: updated[index].id, fullText: updated[index].fullText, note: updated[index].extractionNote))
        }
        do {
            try await store.saveExtractions(records.sorted { $0.articleID < $1.articleID })
        } catch {
            logger.error("cannot save extracted text", metadata: ["feed_url": "\(LogRedaction.url(feed.url))", "error": "\(error)"])
        }
        return updated
    }

    /// One article page: fetched under the address policy (the link is untrusted), then extracted.
    func fetchAndExtract(_ link: String, policy: AddressPolicy, limits: ExtractionLimits) async -> Result<ExtractedArticle, ExtractionError> {
        let now = Date()
        if let host = HostPoliteness.host(of: link), let until = politeness.pausedUntil(host: host, now: now) {
            return .failure(ExtractionError(code: .fetchFailed, message: "\(host) asked us to wait until \(until); page not fetched"))
        }
        let result: FetchResult
        do {
            result = try await fetcher.fetch(FetchRequest(url: link, addressPolicy: policy))
        } catch {
            return .failure(ExtractionError(code: .fetchFailed, message: "page not fetched: \(error.message)"))
        }
        guard (200...299).contains(result.status) else {
            let host = HostPoliteness.host(of: result.effectiveURL) ?? "the server"
            if case .rateLimited(let retryAfter) = result.disposition(now: now) {
                // The same pause as for feeds: the host's other pages and feeds wait too.
                let until = politeness.pause(host: host, seconds: retryAfter, now: now)
                return .failure(ExtractionError(code: .fetchFailed, message: "page not fetched: HTTP \(result.status) from \(host), rate limited until \(until)"))
            }
            return .failure(ExtractionError(code: .fetchFailed, message: "page not fetched: HTTP \(result.status) from \(host)"))
        }
        do {
            return .success(try ArticleExtractor.extract(
                result.body, url: result.effectiveURL, contentType: result.contentType, limits: limits))
        } catch {
            return .failure(error)
        }
    }
}

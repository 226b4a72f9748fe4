import Foundation
public import FeedWatchClustering
public import FeedWatchDigest
public import FeedWatchFetching
public import FeedWatchParsing
public import FeedWatchModel
public import FeedWatchStore

/// Where the state lives.
public struct StorageConfiguration: Sendable, Hashable {
    /// The state directory: `[storage] state_directory`, else `$STATE_DIRECTORY`, else `./state`.
    public var stateDirectory: String
    public var database: DatabaseLocation
    /// Articles no topic matched are deleted once a feed has not listed them for this long (`retention`).
    public var retention: TimeSpan = .hours(90 * 24)
    /// Articles in a digest are kept this long (`digest_retention`); never shorter than `retention`.
    public var digestRetention: TimeSpan = .hours(365 * 24)
    /// This daemon's name in fetch leases: `[storage] node_name`, else `$FEEDWATCH_NODE_NAME`,
    /// else `hostname:pid`. Two daemons sharing a database must not share a name.
    public var nodeName: String = StorageConfiguration.defaultNodeName()
    /// How long a claimed feed stays leased to this daemon (`[storage] lease`): the longest a
    /// feed waits when its daemon dies. Must exceed `[fetch] timeout`.
    public var lease: TimeSpan = .minutes(5)
    /// How many due feeds one claim takes at most (`[storage] claim_batch`); the batch must be
    /// fetched within the lease.
    public var claimBatch: Int = 64
    /// How many routine fetch states (304s of feeds that are not failing) are committed
    /// together at most (`[storage] state_batch`; 1 saves each at once).
    public var stateBatch: Int = 64
    /// The longest a routine fetch state waits for its group commit (`[storage] state_batch_delay`);
    /// a wave's end commits what waits in any case.
    public var stateBatchDelay: TimeSpan = TimeSpan(seconds: 2)
    /// SQLite: how many feed refreshes that queue while the writer is busy are committed in one
    /// transaction (`[storage] refreshes_per_transaction`; 1 commits each alone).
    public var refreshesPerTransaction: Int = SQLiteStore.defaultRefreshesPerTransaction
    /// PostgreSQL connection settings (`[storage] password_file`, `pool_size`, `timeout`).
    public var postgres = PostgresSettings()
    /// How long `feedwatch run` waits at start for a database server it cannot reach
    /// (`[storage] startup_wait`; 0 fails at once). See `StoreStartup`.
    public var startupWait: TimeSpan = .minutes(10)

    /// `hostname:pid`: unique per process on a network of daemons.
    public static func defaultNodeName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// PostgreSQL connection settings besides the URL: only what `[storage]` gives; the store's
/// `PostgresStore.Configuration` holds the defaults.
public struct PostgresSettings: Sendable, Hashable {
    /// A file holding the password (first line), used when the URL carries none; else `$PGPASSWORD`.
    public var passwordFile: String?
    /// The most connections one daemon opens (`pool_size`).
    public var poolSize: Int?
    /// How long one store operation may take before it fails and is retried later (`timeout`).
    public var timeout: TimeSpan?
    /// How long opening a connection may take (`connect_timeout`).
    public var connectTimeout: TimeSpan?

    /// Settings that leave every limit at the store's default.
    public init() {}

    /// The store's configuration for `url` with these settings applied; the password is the
    /// URL's (the caller reads `passwordFile` when it connects).
    public func storeConfiguration(url: String) throws(StoreError) -> PostgresStore.Configuration {
        var configuration = try PostgresStore.Configuration(url: url)
        if let poolSize { configuration.poolSize = poolSize }
        if let timeout { configuration.operationTimeout = timeout.timeInterval }
        if let connectTimeout { configuration.connectTimeout = connectTimeout.timeInterval }
        return configuration
    }
}

/// Which database holds the state.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite file (the default: `feedwatch.sqlite` in the state directory).
    case sqlite(path: String)
    /// A PostgreSQL server shared by several daemons.
    case postgres(url: String)

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            // Never the password: rebuild the URL from its parts without it.
            guard var components = URLComponents(string: url) else { return "postgres (shared)" }
            components.password = nil
            components.query = nil
            return components.string ?? "postgres (shared)"
        }
    }
}

/// `[fetch]`: how often feeds are checked, and the fetcher's limits and identity. The
/// transfer settings live in the Fetching stage's own `FetcherConfiguration`, the only home of
/// their defaults; the properties below name them as the configuration file does.
public struct FetchConfiguration: Sendable, Hashable {
    /// The fetcher's limits, User-Agent and proxy, as the Fetching stage defines them.
    public var fetcher = FetcherConfiguration()
    public var interval: TimeSpan = .minutes(30)
    /// The shortest interval any feed may have (`[fetch] minimum_interval`, default 60s, at
    /// least 5s). Lower it only for tests and benchmarks: real feed hosts should not be
    /// polled more often than once a minute.
    public var minimumInterval: TimeSpan = TimeSpan(seconds: 60)
    /// How far the next check of a quiet feed may be stretched (`[fetch] max_interval`): its
    /// publishing rhythm, RSS `<ttl>` or HTTP caching headers never push the next check past
    /// the larger of this and the feed's own interval. Failure backoff is separate.
    public var maxInterval: TimeSpan = .hours(2)
    /// Non-public networks that full-text fetches may reach (`allow_private_networks`); none by default,
    /// since article links come from feeds and are untrusted.
    public var allowPrivateNetworks: [IPNetwork] = []
    /// At most this many article pages are fetched for one feed refresh (`full_text_per_refresh`).
    public var fullTextPerRefresh: Int = 20
    /// Article pages larger than this are not extracted (`full_text_max_bytes`).
    public var fullTextMaxBytes: Int = 8 << 20
    /// `backfill`: entries published longer than this before a feed was added are stored as
    /// seen but never matched, so a new feed does not flood the first digest with its archive;
    /// nil (`"all"`) matches everything. Undated entries always count as new.
    public var backfill: TimeSpan? = .hours(48)
    /// At most this many new articles are stored for one feed refresh (`max_new_per_refresh`):
    /// a feed whose every fetch is all new (rotating guids and links) cannot flood the
    /// database, the matcher and the digest. The rest wait for later refreshes.
    public var maxNewPerRefresh: Int = 200

    public init() {}

    /// `concurrency`: fetches at once.
    public var concurrency: Int {
        get { fetcher.maxConcurrent }
        set { fetcher.maxConcurrent = newValue }
    }

    /// `per_host_concurrency`: fetches at once from one host.
    public var perHostConcurrency: Int {
        get { fetcher.maxPerHost }
        set { fetcher.maxPerHost = newValue }
    }

    /// `timeout`: one whole fetch, redirects included.
    public var timeout: TimeSpan {
        get { TimeSpan(seconds: Int64(fetcher.totalTimeout.rounded())) }
        set { fetcher.totalTimeout = newValue.timeInterval }
    }

    /// `connect_timeout`.
    public var connectTimeout: TimeSpan {
        get { TimeSpan(seconds: Int64(fetcher.connectTimeout.rounded())) }
        set { fetcher.connectTimeout = newValue.timeInterval }
    }

    /// `max_body_bytes`: the decoded body's cap.
    public var maxBodyBytes: Int {
        get { fetcher.maxBodyBytes }
        set { fetcher.maxBodyBytes = newValue }
    }

    /// `user_agent`; default `HTTPIdentity.userAgent`, built from the version.
    public var userAgent: String {
        get { fetcher.userAgent }
        set { fetcher.userAgent = newValue }
    }

    /// The proxy every fetch goes through (`[fetch] proxy`); nil: libcurl's usual environment
    /// variables (`https_proxy`, `no_proxy`, …) decide.
    public var proxy: String? {
        get { fetcher.proxy }
        set { fetcher.proxy = newValue }
    }
}

/// Story clustering, from `[stories]`: the clusterer's own configuration, which holds the
/// defaults, with the three settings the file may change in the file's terms.
public struct StoryConfiguration: Sendable, Hashable {
    /// What the story index is built with.
    public var clustering = ClusteringConfiguration()

    /// The clusterer's defaults.
    public init() {}

    /// Articles further apart than this are never one story (`window`).
    public var window: TimeSpan {
        get { TimeSpan(seconds: Int64(clustering.window)) }
        set { clustering.window = newValue.timeInterval }
    }
    /// Estimated share of common word shingles for one story (`text_similarity`).
    public var textSimilarity: Double {
        get { clustering.textThreshold }
        set { clustering.textThreshold = newValue }
    }
    /// Share of common title trigrams for one story (`title_similarity`).
    public var titleSimilarity: Double {
        get { clustering.titleThreshold }
        set { clustering.titleThreshold = newValue }
    }
}

/// Bounds on reading one feed document, from `[parse]`: the parser's own `ParseLimits`, which
/// hold the defaults; the document size bound is `[fetch] max_body_bytes`.
public struct ParseConfiguration: Sendable, Hashable {
    /// The parser's limits; `maxBytes` is replaced by the fetch body cap in `limits(maxBytes:)`.
    private var base = ParseLimits()

    /// The parser's defaults.
    public init() {}

    /// The most items or entries read from one document (`max_entries`); the rest of a
    /// longer document is skipped with a warning.
    public var maxEntries: Int {
        get { base.maxEntries }
        set { base.maxEntries = newValue }
    }
    /// The deepest element nesting accepted (`max_depth`).
    public var maxDepth: Int {
        get { base.maxDepth }
        set { base.maxDepth = newValue }
    }
    /// The largest single text node accepted, in bytes (`max_text_bytes`).
    public var maxTextBytes: Int {
        get { base.maxTextBytes }
        set { base.maxTextBytes = newValue }
    }
    /// The most attributes on one element, and attribute defaults a DTD declares (`max_attributes`).
    public var maxAttributes: Int {
        get { base.maxAttributes }
        set { base.maxAttributes = newValue }
    }
    /// The most namespace declarations in scope at once (`max_namespaces`).
    public var maxNamespaces: Int {
        get { base.maxNamespaces }
        set { base.maxNamespaces = newValue }
    }
    /// The most distinct names in one document (`max_names`).
    public var maxNames: Int {
        get { base.maxNames }
        set { base.maxNames = newValue }
    }

    /// The parser's limits for a document of at most `maxBytes` (the fetch body cap).
    public func limits(maxBytes: Int) -> ParseLimits {
        var limits = base
        limits.maxBytes = maxBytes
        return limits
    }
}

/// When and how digests are written, from `[digest]`.
public struct DigestConfiguration: Sendable, Hashable {
    public var directory: String
    /// Local time of day, minutes after midnight.
    public var minuteOfDay: Int = 7 * 60
    public var timeZone: String
    public var formats: [DigestFormat] = [.markdown]
    /// `skip_empty`: a period with no match writes no files and sends nothing.
    public var skipEmpty: Bool = false
    /// `atom_entries`: how many of the latest digests `digests.atom` carries.
    public var atomEntries: Int = 30
    /// `base_url`: where the digest directory is published, for absolute links in the Atom feed.
    public var baseURL: String?
    /// `[[notify]]` tables, in file order.
    public var notifiers: [NotifierConfiguration] = []
    /// Ids of the topics with `alert = true`: each of their matches is also sent at once.
    public var alertTopicIDs: [String] = []
    /// Every configured topic, in configuration order: digests list topics so, and the
    /// `atom` format writes a feed for each.
    public var topics: [TopicReference] = []
    /// At most this many deliveries are attempted per daemon wake-up, so a long outbox after
    /// an outage cannot hold up fetching.
    public var deliveriesPerTick: Int = 20
    /// `alert_interval`: at most one alert message per topic in this time; the first match of
    /// a burst is sent at once, what follows within the interval waits and goes as one message.
    public var alertInterval: TimeSpan = .minutes(15)
    /// `alert_max_stories`: the most stories one alert message lists; the rest are counted.
    public var alertMaxStories: Int = 10
    /// `max_stories_per_topic`: the most stories a topic shows in the Markdown digest and the
    /// e-mail; the rest are counted and linked (the HTML page, JSON and Atom keep all).
    public var maxStoriesPerTopic: Int = 15
    /// `page_stories`: publishing a digest reads its stories from the store this many at a
    /// time (and as many copies folded into them), so a day of 200,000 matches is never held
    /// whole.
    public var pageStories: Int = 500
    /// `max_sources_per_story`: the most other sources an item lists under "also reported
    /// by" (the earliest); the rest are counted. Bounds what a page of stories holds when one
    /// story is carried by thousands of feeds.
    public var maxSourcesPerStory: Int = Digest.defaultSourcesPerStory
}

/// One `[[notify]]` table: where digests and alerts are sent, and how hard to try.
public struct NotifierConfiguration: Sendable, Hashable {
    /// Unique name; deliveries are recorded under it.
    public var name: String
    public var transport: NotifierTransport
    /// Which events it receives: `digest`, `alert`.
    public var events: Set<NotifierEvent> = [.digest, .alert]
    /// `topics`: the topic ids it receives (a digest keeps only their sections); nil: all.
    public var topics: [String]?
    /// `title`: the subject template; nil keeps feedwatch's subjects.
    public var title: TitleTemplate?

    /// What of a message this notifier receives.
    public var route: NotificationRoute { NotificationRoute(topics: topics.map { Set($0) }, title: title) }
    /// Bound on one attempt.
    public var timeout: TimeSpan = TimeSpan(seconds: 30)
    /// Attempts before the delivery is marked failed.
    public var maxAttempts: Int = 8
    /// Delay after the first failure; doubles after each further one, up to `maxRetryDelay`.
    public var retryDelay: TimeSpan = .minutes(1)
    public var maxRetryDelay: TimeSpan = .hours(6)
}

/// A `host:port` to listen on, from `[http] listen` (IPv6 hosts in brackets: `[::1]:9464`).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name or IP address (IPv6 without brackets).
    public var host: String
    /// The TCP port, 1–65535.
    public var port: Int

    /// An address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; nil when it is not one.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }),
              portText.allSatisfy(\.isNumber), let port = Int(portText), (1...65535).contains(port)
        else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// `host:port`, IPv6 hosts in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The optional status endpoint, from `[http]`.
public struct HTTPConfiguration: Sendable, Hashable {
    /// Where `/metrics` and `/healthz` are served; nil (the default) serves nothing.
    public var listen: ListenAddress?
    /// Connections open at once; more are closed on arrival, so clients holding connections
    /// cannot exhaust the daemon's file descriptors.
    public var maxConnections: Int
    /// Seconds a connection may stay open, from accept to the answer: a client that sends its
    /// request slowly, or never finishes it, is cut off after this.
    public var requestTimeout: TimeSpan

    /// An endpoint listening on `listen`, or none.
    public init(listen: ListenAddress? = nil, maxConnections: Int = 64, requestTimeout: TimeSpan = TimeSpan(seconds: 10)) {
        self.listen = listen
        self.maxConnections = maxConnections
        self.requestTimeout = requestTimeout
    }
}

/// The whole validated configuration.
public struct FeedWatchConfiguration: Sendable, Hashable {
    /// The file it was read from, for messages.
    public var path: String
    public var storage: StorageConfiguration
    public var fetch: FetchConfiguration
    public var feeds: [FeedSource]
    public var topics: [Topic]
    public var digest: DigestConfiguration
    /// The status endpoint; off unless `[http] listen` is set.
    public var http = HTTPConfiguration()
    /// How articles are grouped into stories, from `[stories]`.
    public var stories = StoryConfiguration()
    /// Bounds on reading a feed document, from `[parse]`.
    public var parse = ParseConfiguration()
    /// What is valid but probably not meant (e.g. a topic that matches nearly every article):
    /// `feedwatch check` prints it, the daemon logs it at start and reload.
    public var warnings: [ConfigurationProblem] = []

    /// The parser's limits: `[parse]`, with the fetch body cap as the document size bound.
    public var parseLimits: ParseLimits { parse.limits(maxBytes: fetch.maxBodyBytes) }

    /// The interval a feed is checked at: its own, else the global one.
    public func interval(for feed: FeedSource) -> TimeSpan { feed.interval ?? fetch.interval }
}

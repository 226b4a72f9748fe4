import FeedWatchModel

/// How feedwatch names itself to the servers it talks to: one User-Agent for feeds, article
/// pages and webhooks, built from the version so feed owners know who calls and which build.
public enum HTTPIdentity {
    /// `feedwatch/<version> (+<project page>)`; `[fetch] user_agent` replaces it for fetches.
    public static let userAgent = "feedwatch/\(FeedWatchVersion.current) (+https://github.com/feedwatch/feedwatch)"
}

import FeedWatchModel

/// Keeps secrets out of logs: feed URLs may carry `user:password@` or tokens in the query.
public enum LogRedaction {
    /// `url` with any user info replaced by `***` and query values hidden; text that does not
    /// parse as a URL is redacted all the same (never returned unchanged).
    public static func url(_ url: String) -> String {
        URLRedaction.display(url)
    }
}

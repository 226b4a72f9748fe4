/// The version this build reports in `--version`, the User-Agent and the package.
public enum FeedWatchVersion {
    public static let current = "0.1.0"
}

import ArgumentParser
import FeedWatchDigest

/// `--format md|html|json|atom`: the digest stage's own formats, by the names it gives them,
/// so a new format reaches the command line without a change here.
extension DigestFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }

    public static var allValueStrings: [String] { allCases.map(\.shortName) }

    /// None: the option's help already names the values, one line rather than a table.
    public static var allValueDescriptions: [String: String] { [:] }

    public var defaultValueDescription: String { shortName }
}

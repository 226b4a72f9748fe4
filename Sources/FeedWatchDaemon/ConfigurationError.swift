/// One thing wrong in a configuration file, at a key path such as `feed[2].interval`.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    public var keyPath: String
    public var message: String

    public init(_ keyPath: String, _ message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String { keyPath.isEmpty ? message : "\(keyPath): \(message)" }
}

/// Everything wrong with a configuration file; `description` has one `FILE: key.path: what`
/// line per problem, which is what `feedwatch check` and a refusing daemon print.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var problems: [ConfigurationProblem]

    public init(file: String, problems: [ConfigurationProblem]) {
        self.file = file
        self.problems = problems
    }

    /// One line per problem.
    public var lines: [String] { problems.map { "\(file): \($0)" } }
    public var description: String { lines.joined(separator: "\n") }
}

extension FeedWatchConfiguration {
    /// One `FILE: warning: key.path: what` line per warning, for `feedwatch check` and the log.
    public var warningLines: [String] { warnings.map { "\(path): warning: \($0)" } }
}

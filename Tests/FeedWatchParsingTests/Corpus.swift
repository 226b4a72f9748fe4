import FeedWatchTestSupport
import Foundation

/// The shared corpus, where `SharedCorpus` finds it (`$FEEDWATCH_SHARED`, else `../shared`);
/// tests that read it have `.requires(.sharedCorpus)`.
enum Corpus {
    static let sharedDirectory: URL? = SharedCorpus.corpusDirectory?.deletingLastPathComponent()

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        guard let sharedDirectory else { throw CocoaError(.fileNoSuchFile) }
        let url = sharedDirectory.appendingPathComponent("corpus").appendingPathComponent(relativePath)
        return try [UInt8](Data(contentsOf: url))
    }

    /// Every feed file under `corpus/real-feeds`, as paths relative to `corpus/`.
    static func realFeeds() -> [String] {
        guard let sharedDirectory else { return [] }
        let root = sharedDirectory.appendingPathComponent("corpus/real-feeds")
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var files: [String] = []
        for case let path as String in enumerator {
            let name = (path as NSString).lastPathComponent
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
            guard !isDirectory.boolValue, !name.hasPrefix("LICENSE"), !name.hasSuffix(".md") else { continue }
            files.append("real-feeds/" + path)
        }
        return files.sorted()
    }
}

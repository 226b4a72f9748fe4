import Foundation

/// Locates `../shared` (the corpus) relative to the package root, or via `FEEDWATCH_SHARED`.
enum Corpus {
    static let sharedDirectory: URL? = {
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var candidates = [packageRoot.deletingLastPathComponent().appendingPathComponent("shared")]
        if let env = ProcessInfo.processInfo.environment["FEEDWATCH_SHARED"] {
            candidates.insert(URL(fileURLWithPath: env), at: 0)
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("corpus").path) }
    }()

    static var isAvailable: Bool {
        if sharedDirectory == nil {
            print("⚠️ SKIPPED: ../shared/corpus not found (set FEEDWATCH_SHARED); corpus tests do not run")
        }
        return sharedDirectory != nil
    }

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

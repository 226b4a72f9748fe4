import Foundation
import FeedWatchModel
import FeedWatchStore
import TOMLKit

/// `[storage]`: where the state lives, and how several daemons share it.
enum StorageSection: ConfigurationSection {
    static let name = "storage"
    static let keys = [
        "state_directory", "database", "retention", "digest_retention", "node_name", "lease", "claim_batch",
        "state_batch", "state_batch_delay",
        "refreshes_per_transaction",
        "password_file", "password_credential", "pool_size", "timeout", "connect_timeout", "startup_wait",
    ]

    static func read(_ root: TOMLTable, _ reader: inout TableReader, environment: [String: String]) -> StorageConfiguration {
        var stateDirectory = environment["STATE_DIRECTORY"]
            .flatMap { $0.split(separator: ":").first.map(String.init) } ?? "./state"
        var database = DatabaseLocation.sqlite(path: "")
        var storage = StorageConfiguration(stateDirectory: stateDirectory, database: database)
        if let name = environment["FEEDWATCH_NODE_NAME"], !name.isEmpty { storage.nodeName = name }
        var databaseText: String?
        var givenPasswordFile: String?
        if let section = reader.section(root, Self.self) {
            if let v = reader.span(section, "retention", minimum: .hours(24)) { storage.retention = v }
            if let v = reader.span(section, "digest_retention", minimum: .hours(24)) { storage.digestRetention = v }
            if let dir = reader.string(section, "state_directory") {
                if dir.isEmpty { reader.problem(section.path("state_directory"), "must not be empty") } else { stateDirectory = dir }
            }
            databaseText = reader.string(section, "database")
            if let name = reader.string(section, "node_name") {
                if name.isEmpty || name.count > 200 {
                    reader.problem(section.path("node_name"), "must be 1 to 200 characters")
                } else {
                    storage.nodeName = name
                }
            }
            if let v = reader.span(section, "lease", minimum: TimeSpan(seconds: 5)) { storage.lease = v }
            if let v = reader.span(section, "startup_wait", minimum: TimeSpan(seconds: 0), maximum: .hours(24)) { storage.startupWait = v }
            if let v = reader.int(section, "claim_batch", range: 1...10_000) { storage.claimBatch = v }
            if let v = reader.int(section, "state_batch", range: 1...10_000) { storage.stateBatch = v }
            if let v = reader.span(section, "state_batch_delay", minimum: TimeSpan(seconds: 1), maximum: .hours(1)) {
                storage.stateBatchDelay = v
            }
            if let v = reader.int(section, "refreshes_per_transaction", range: 1...1_000) { storage.refreshesPerTransaction = v }
            readPostgres(section, into: &storage.postgres, &reader, environment: environment)
            givenPasswordFile = section["password_file"]?.string
        }
        if let text = databaseText {
            if text.hasPrefix("sqlite:") {
                let file = String(text.dropFirst("sqlite:".count))
                if file.isEmpty { reader.problem("storage.database", "sqlite: needs a file path, e.g. sqlite:/var/lib/feedwatch/feedwatch.sqlite") }
                database = .sqlite(path: file)
            } else if text.lowercased().hasPrefix("postgres://") || text.lowercased().hasPrefix("postgresql://") {
                do {
                    let url = try PostgresStore.Configuration(url: text)
                    database = .postgres(url: text)
                    // The store reads the file when it connects, and only when the URL has no
                    // password: check it now, so `feedwatch check` finds what the start would.
                    if url.password == nil, let file = givenPasswordFile, !file.isEmpty, FileManager.default.contents(atPath: file) == nil {
                        reader.problem("storage.password_file", "cannot read \(file)")
                    }
                } catch {
                    reader.problem("storage.database", error.message)
                }
            } else {
                reader.problem("storage.database", "must start with sqlite: or postgres://")
            }
        }
        if case .sqlite(let file) = database, file.isEmpty {
            database = .sqlite(path: (stateDirectory as NSString).appendingPathComponent("feedwatch.sqlite"))
        }
        storage.stateDirectory = stateDirectory
        storage.database = database
        if storage.digestRetention < storage.retention {
            reader.problem("storage.digest_retention", "must not be shorter than storage.retention (\(storage.retention))")
        }
        return storage
    }

    /// The PostgreSQL keys: only those the file gives are set; the store has the defaults.
    private static func readPostgres(
        _ section: SectionTable, into postgres: inout PostgresSettings, _ reader: inout TableReader, environment: [String: String]
    ) {
        if let v = reader.string(section, "password_file") {
            if v.isEmpty { reader.problem(section.path("password_file"), "must not be empty") } else { postgres.passwordFile = v }
        }
        if let name = reader.string(section, "password_credential") {
            if postgres.passwordFile != nil {
                reader.problem(section.path("password_credential"), "give either password_file or password_credential, not both")
            }
            // The store reads the file when it connects; a credential is a file systemd provides.
            switch Credentials.locate(name, environment: environment) {
            case .success(let path): postgres.passwordFile = path
            case .failure(let failure): reader.problem(section.path("password_credential"), failure.message)
            }
        }
        if let v = reader.int(section, "pool_size", range: 1...100) { postgres.poolSize = v }
        if let v = reader.span(section, "timeout", minimum: TimeSpan(seconds: 1)) { postgres.timeout = v }
        if let v = reader.span(section, "connect_timeout", minimum: TimeSpan(seconds: 1)) { postgres.connectTimeout = v }
    }
}

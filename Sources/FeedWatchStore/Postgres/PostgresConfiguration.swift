public import Foundation

extension PostgresStore {
    /// How to reach the PostgreSQL server and how much of it to use. Every bound is explicit.
    ///
    /// `description` and `server` never contain the password.
    public struct Configuration: Sendable, Hashable, CustomStringConvertible {
        /// How the connection is protected.
        public enum TLSMode: String, Sendable, Hashable, CaseIterable {
            /// Plain TCP (loopback or a private network only).
            case disable
            /// TLS when the server offers it, plain TCP otherwise: the default for a server on
            /// loopback only (a remote one defaults to `require`).
            case prefer
            /// TLS with a verified certificate, or no connection.
            case require
        }

        public var host: String
        public var port: Int
        public var username: String
        /// Never logged and never part of an error message.
        public var password: String?
        public var database: String
        public var tls: TLSMode
        /// The most connections this daemon opens to the server.
        public var poolSize: Int = 8
        /// How long opening one connection may take.
        public var connectTimeout: TimeInterval = 10
        /// How long one store operation (one transaction) may take before it fails as
        /// "unavailable"; also the server-side `statement_timeout`.
        public var operationTimeout: TimeInterval = 30
        /// How long a delivery taken by `dueDeliveries` stays away from other daemons while
        /// its attempt runs; if the daemon dies mid-attempt, the delivery is due again after it.
        public var deliveryClaim: TimeInterval = 900
        /// Set by `PostgresStore.open(_:access:logger:)` for `.readOnly`: nothing migrated,
        /// every transaction read-only.
        public internal(set) var readOnly = false

        /// Creates a configuration from its parts.
        public init(host: String, port: Int = 5432, username: String, password: String?, database: String, tls: TLSMode = .prefer) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.tls = tls
        }

        /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`
        /// (`postgresql://` too). Without `sslmode`: `require` for a remote host, `prefer` on
        /// loopback. Errors say what is wrong without repeating the password.
        public init(url: String) throws(StoreError) {
            let lowered = url.lowercased()
            guard lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") else {
                throw StoreError(code: .cannotOpen, message: "a PostgreSQL URL must start with postgres:// or postgresql://")
            }
            guard let components = URLComponents(string: url) else {
                throw StoreError(code: .cannotOpen, message: "not a valid URL (write postgres://USER@HOST:PORT/DATABASE)")
            }
            guard let host = components.host, !host.isEmpty else {
                throw StoreError(code: .cannotOpen, message: "the PostgreSQL URL names no host (write postgres://USER@HOST:PORT/DATABASE)")
            }
            guard let user = components.user, !user.isEmpty else {
                throw StoreError(code: .cannotOpen, message: "the PostgreSQL URL names no user (write postgres://USER@\(host)/DATABASE)")
            }
            let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            guard !path.isEmpty, !path.contains("/") else {
                throw StoreError(code: .cannotOpen, message: "the PostgreSQL URL names no database (write postgres://\(user)@\(host)/DATABASE)")
            }
            // Without sslmode: TLS is required unless the server is on this machine. postgres-nio
            // answers a cleartext password request without TLS, so under `prefer` whoever answers
            // for a remote host (spoofed DNS, a hostile network) would be handed the password.
            var tls = Self.isLoopback(host) ? TLSMode.prefer : TLSMode.require
            for item in components.queryItems ?? [] {
                switch item.name {
                case "sslmode":
                    guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                        throw StoreError(code: .cannotOpen, message: "sslmode must be one of disable, prefer, require")
                    }
                    tls = mode
                default:
                    throw StoreError(code: .cannotOpen, message: "unknown PostgreSQL URL parameter \"\(item.name)\" (known: sslmode)")
                }
            }
            self.init(
                host: host, port: components.port ?? 5432, username: user,
                password: components.password.flatMap { $0.isEmpty ? nil : $0 }, database: path, tls: tls)
        }

        /// Whether `host` is this machine as written (`localhost`, `127.0.0.1`, `::1`, a Unix socket
        /// directory): the only place a connection without TLS is the default.
        public static func isLoopback(_ host: String) -> Bool {
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            let lower = bare.lowercased()
            if lower == "localhost" || lower.hasSuffix(".localhost") || lower == "::1" || lower.hasPrefix("/") { return true }
            return lower == "127.0.0.1"
        }

        /// `host:port/database`, how messages name the server.
        public var server: String { "\(host):\(port)/\(database)" }

        /// The URL without its password, for messages and `feedwatch status`.
        public var description: String { "postgres://\(username)@\(server)" }
    }
}

import FeedWatchModel
import TOMLKit

/// `[http]`: the optional status endpoint.
enum HTTPSection: ConfigurationSection {
    static let name = "http"
    static let keys = ["listen", "max_connections", "request_timeout"]

    static func read(_ root: TOMLTable, _ reader: inout TableReader) -> HTTPConfiguration {
        var http = HTTPConfiguration()
        guard let section = reader.section(root, Self.self) else { return http }
        if let text = reader.string(section, "listen") {
            if let address = ListenAddress(parsing: text) {
                http.listen = address
            } else {
                reader.problem(section.path("listen"), "\"\(text)\" is not host:port (e.g. 127.0.0.1:9464 or [::1]:9464)")
            }
        }
        if let v = reader.int(section, "max_connections", range: 1...4096) { http.maxConnections = v }
        if let v = reader.span(section, "request_timeout", minimum: TimeSpan(seconds: 1)) { http.requestTimeout = v }
        return http
    }
}

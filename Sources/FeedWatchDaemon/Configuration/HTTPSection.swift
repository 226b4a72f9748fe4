import TOMLKit

/// `[http]`: the optional status endpoint.
enum HTTPSection: ConfigurationSection {
    static let name = "http"
    static let keys = ["listen"]

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
        return http
    }
}

import Foundation

/// Keeps secrets out of logs: feed URLs may carry `user:password@` or tokens in the query.
public enum LogRedaction {
    /// `url` with any user info replaced by `***` and query values hidden.
    public static func url(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        if components.user != nil || components.password != nil {
            components.user = "***"
            components.password = nil
        }
        if let items = components.queryItems, !items.isEmpty {
            components.queryItems = items.map { URLQueryItem(name: $0.name, value: $0.value == nil ? nil : "***") }
        }
        return components.string ?? url
    }
}

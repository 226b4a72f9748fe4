import Foundation

/// Ready-made handlers and responses for common test servers.
public enum ServerFixtures {
    /// A handler answering each path from `routes` and everything else with `fallback`.
    public static func routes(
        _ routes: [String: LoopbackResponse], fallback: LoopbackResponse = .status(404)
    ) -> @Sendable (LoopbackRequest) -> LoopbackResponse {
        { request in routes[request.path] ?? fallback }
    }

    /// A feed that honours conditional GET: 304 when the request's `If-None-Match` matches `etag` (or, without
    /// one, its `If-Modified-Since` equals `lastModified`), else 200 with both validators.
    public static func conditionalFeed(
        _ body: String, etag: String, lastModified: String? = nil,
        contentType: String = "application/rss+xml; charset=utf-8", for request: LoopbackRequest
    ) -> LoopbackResponse {
        var validators = [("ETag", etag)]
        if let lastModified { validators.append(("Last-Modified", lastModified)) }
        if let sent = request.header("if-none-match") {
            if sent.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
                return .status(304, headers: validators)
            }
        } else if let lastModified, request.header("if-modified-since") == lastModified {
            return .status(304, headers: validators)
        }
        return LoopbackResponse(
            status: 200, headers: [("Content-Type", contentType)] + validators, body: Array(body.utf8))
    }

    /// `200` with the bytes of a file (e.g. from `SharedCorpus`); the type is guessed from the extension.
    public static func file(_ url: URL, contentType: String? = nil) throws -> LoopbackResponse {
        let bytes = try [UInt8](Data(contentsOf: url))
        let type = contentType ?? {
            switch url.pathExtension.lowercased() {
            case "rss": "application/rss+xml"
            case "atom": "application/atom+xml"
            case "json": "application/feed+json"
            case "html", "htm": "text/html; charset=utf-8"
            default: "application/xml"
            }
        }()
        return LoopbackResponse(status: 200, headers: [("Content-Type", type)], body: bytes)
    }
}

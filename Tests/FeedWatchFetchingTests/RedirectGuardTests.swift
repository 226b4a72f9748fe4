import Foundation
import Synchronization
import Testing

@testable import FeedWatchFetching
import FeedWatchTestSupport

/// Redirects cannot steer a fetch around the address guard or carry a feed's secrets elsewhere
/// (security review, issue 15, items 1, 2, 4 and 5). Two loopback "hosts": 127.0.0.1 and 127.0.0.2.
@Suite("Redirects and the address guard")
struct RedirectGuardTests {
    static let secretText = "FORBIDDEN-INTRANET-TEXT"
    static let only127002 = AddressPolicy(allowedNetworks: [IPNetwork("127.0.0.2/32")].compactMap { $0 })

    /// Item 1: an idle keep-alive connection to 127.0.0.1 (left by an unguarded feed fetch) must
    /// not carry a guarded page's redirect there.
    @Test func guardedRedirectNeverRidesACachedConnection() async throws {
        let intranet = try await LoopbackHTTPServer.start { request in
            request.path == "/feed.xml" ? .ok(sampleFeed) : .ok(Self.secretText, contentType: "text/html")
        }
        defer { Task { try? await intranet.shutdown() } }
        let page = try await LoopbackHTTPServer.start(host: "127.0.0.2") { _ in
            .redirect(302, to: intranet.url("/admin"))
        }
        defer { Task { try? await page.shutdown() } }
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        // An unguarded feed fetch leaves an idle keep-alive connection to 127.0.0.1:P in the cache.
        let feed = try await fetcher.fetch(FetchRequest(url: intranet.url("/feed.xml")))
        #expect(feed.status == 200)
        do {
            let result = try await fetcher.fetch(FetchRequest(url: page.url("/article"), addressPolicy: Self.only127002))
            Issue.record("the redirect reached the forbidden host: \(String(decoding: result.body, as: UTF8.self))")
        } catch {
            #expect(error.code == .forbiddenAddress)
            #expect(error.message.contains("127.0.0.1"))
            #expect(!error.message.contains(Self.secretText))
        }
        #expect(intranet.requestCount(path: "/admin") == 0)
        #expect(page.requestCount(path: "/article") == 1)
    }

    /// Item 2: through a proxy the only socket libcurl opens is the proxy's; the target is
    /// checked before the proxy is asked (a real forwarding proxy, python3's http.server).
    @Test(.requires(.executable("/usr/bin/python3", "python3 (a forwarding HTTP proxy)")))
    func guardedFetchThroughAProxyChecksTheTarget() async throws {
        try TestRequirement.executable("/usr/bin/python3", "python3 (a forwarding HTTP proxy)").check()
        // The "metadata service" lives on 127.0.0.2; the proxy (on 127.0.0.1) is allowed, as it must be.
        let metadata = try await LoopbackHTTPServer.start(host: "127.0.0.2") { _ in
            .ok(Self.secretText, contentType: "text/plain")
        }
        defer { Task { try? await metadata.shutdown() } }
        let allowedPage = try await LoopbackHTTPServer.start(host: "127.0.0.3") { request in
            request.path == "/hop" ? .redirect(302, to: metadata.url("/latest/meta-data")) : .ok("<html>fine</html>", contentType: "text/html")
        }
        defer { Task { try? await allowedPage.shutdown() } }
        let proxy = try ForwardingProxy()
        defer { proxy.stop() }
        let fetcher = try Fetcher(configuration: FetcherConfiguration(proxy: "http://127.0.0.1:\(proxy.port)"))
        defer { fetcher.shutdown() }
        let policy = AddressPolicy(allowedNetworks: ["127.0.0.1/32", "127.0.0.3/32"].compactMap(IPNetwork.init))

        // An allowed target goes through the proxy (the proxy works).
        let fine = try await fetcher.fetch(FetchRequest(url: allowedPage.url("/page"), addressPolicy: policy))
        #expect(String(decoding: fine.body, as: UTF8.self) == "<html>fine</html>")
        #expect(proxy.requests.contains { $0.contains("127.0.0.3") })

        // A forbidden target, directly and by redirect, is refused before the proxy is asked.
        for url in [metadata.url("/latest/meta-data"), allowedPage.url("/hop")] {
            do {
                let result = try await fetcher.fetch(FetchRequest(url: url, addressPolicy: policy))
                Issue.record("fetched through the proxy: \(String(decoding: result.body, as: UTF8.self))")
            } catch {
                #expect(error.code == .forbiddenAddress, "\(error)")
                #expect(error.message.contains("proxy"))
                #expect(error.message.contains("127.0.0.2"))
            }
        }
        #expect(metadata.totalRequests == 0)
        #expect(!proxy.requests.contains { $0.contains("127.0.0.2") })
    }

    /// Item 4: a feed's configured headers go to its own origin only.
    @Test func configuredHeadersAreDroppedWhenARedirectChangesOrigin() async throws {
        let seen = RecordedHeaders()
        let other = try await LoopbackHTTPServer.start(host: "127.0.0.2") { request in
            seen.record(request.header("X-Api-Key"))
            return .ok(sampleFeed)
        }
        defer { Task { try? await other.shutdown() } }
        let feedHost = try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/same": .redirect(302, to: "/feed.xml")
            case "/away": .redirect(302, to: other.url("/feed.xml"))
            case "/port": .redirect(302, to: "http://127.0.0.2:\(other.port)/feed.xml")
            default:
                request.header("X-Api-Key") == "K3Y-SECRET" ? .ok(sampleFeed) : .status(401)
            }
        }
        defer { Task { try? await feedHost.shutdown() } }
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        let headers = ["X-Api-Key": "K3Y-SECRET"]
        let same = try await fetcher.fetch(FetchRequest(url: feedHost.url("/same"), extraHeaders: headers))
        #expect(same.status == 200, "a same-origin redirect keeps the configured headers")
        for path in ["/away", "/port"] {
            let away = try await fetcher.fetch(FetchRequest(url: feedHost.url(path), extraHeaders: headers))
            #expect(away.status == 200)
        }
        #expect(seen.values.count == 2)
        #expect(seen.values.allSatisfy { $0 == nil }, "the other host saw \(seen.values)")
    }

    /// Item 5: a configured feed's redirect to another host is judged by the address policy; a
    /// redirect within its own (private) host keeps working.
    @Test func feedRedirectIntoThePrivateNetworkIsRefused() async throws {
        let intranet = try await LoopbackHTTPServer.start(host: "127.0.0.2") { _ in .ok(sampleFeed) }
        defer { Task { try? await intranet.shutdown() } }
        let publicFeed = try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/to-intranet": .redirect(301, to: intranet.url("/gitlab.atom"))
            case "/local-move": .redirect(301, to: "/feed.xml")
            default: .ok(sampleFeed)
            }
        }
        defer { Task { try? await publicFeed.shutdown() } }
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        // The configured host (127.0.0.1 here, standing in for a public one) is trusted as configured.
        let policy = AddressPolicy(allowedNetworks: [])
        let local = try await fetcher.fetch(FetchRequest(url: publicFeed.url("/local-move"), crossHostRedirectPolicy: policy))
        #expect(local.status == 200)
        #expect(local.permanentRedirect == publicFeed.url("/feed.xml"))
        do {
            _ = try await fetcher.fetch(FetchRequest(url: publicFeed.url("/to-intranet"), crossHostRedirectPolicy: policy))
            Issue.record("the feed's redirect reached the private host")
        } catch {
            #expect(error.code == .forbiddenAddress)
            #expect(error.message.contains("127.0.0.2"))
        }
        #expect(intranet.totalRequests == 0)
        // Allowed explicitly, the same redirect is followed.
        let allowed = AddressPolicy(allowedNetworks: [IPNetwork("127.0.0.2/32")].compactMap { $0 })
        let followed = try await fetcher.fetch(FetchRequest(url: publicFeed.url("/to-intranet"), crossHostRedirectPolicy: allowed))
        #expect(followed.status == 200)
        #expect(followed.effectiveURL == intranet.url("/gitlab.atom"))
    }

    /// Item 12 (fetch side): a file: feed that is a FIFO or a device is refused at once, not read.
    @Test func aFileURLMustNameARegularFile() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-fifo")
        let fifo = directory.path + "/feed.xml"
        #expect(mkfifo(fifo, 0o600) == 0)
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        for url in ["file://" + fifo, "file:///dev/zero"] {
            do {
                _ = try await fetcher.fetch(FetchRequest(url: url, allowFileScheme: true))
                Issue.record("\(url) was read")
            } catch {
                #expect(error.code == .fileUnreadable)
            }
        }
    }

    /// Item 6 (fetch side): the effective URL, the base for an entry's relative link, has no credentials.
    @Test func effectiveURLCarriesNoCredentials() async throws {
        try await withServer({ _ in .ok(sampleFeed) }) { server in
            let fetcher = try Fetcher()
            defer { fetcher.shutdown() }
            let url = "http://u:S3CRET@127.0.0.1:\(server.port)/f.xml"
            let result = try await fetcher.fetch(FetchRequest(url: url))
            #expect(result.status == 200)
            #expect(!result.effectiveURL.contains("S3CRET"))
            #expect(result.effectiveURL == server.url("/f.xml"))
        }
    }
}

final class RecordedHeaders: Sendable {
    private let storage = Mutex<[String?]>([])
    func record(_ value: String?) { storage.withLock { $0.append(value) } }
    var values: [String?] { storage.withLock { $0 } }
}

/// A real forwarding HTTP proxy (absolute-URI GET), python3's `http.server` and `urllib`, on 127.0.0.1.
final class ForwardingProxy: Sendable {
    let port: Int
    private let process: ChildProcess
    private let log: URL

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fw-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        log = directory.appendingPathComponent("requests.log")
        let portFile = directory.appendingPathComponent("port")
        let script = """
            import http.server, urllib.request, urllib.error, sys
            log = open(sys.argv[1], 'a', buffering=1)
            # A plain forward proxy: it passes redirects back to the client, as squid does.
            class NoRedirect(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *a, **k): return None
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
            class Proxy(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    log.write(self.path + "\\n")
                    try:
                        with opener.open(self.path, timeout=10) as r:
                            status, headers, body = r.status, r.getheaders(), r.read()
                    except urllib.error.HTTPError as e:
                        status, headers, body = e.code, e.headers.items(), e.read()
                    self.send_response(status)
                    for k, v in headers:
                        if k.lower() not in ('content-length', 'transfer-encoding', 'connection'):
                            self.send_header(k, v)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *a): pass
            server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Proxy)
            open(sys.argv[2], 'w').write(str(server.server_address[1]))
            server.serve_forever()
            """
        let process = try ChildProcess(executable: "/usr/bin/python3", arguments: ["-c", script, log.path, portFile.path])
        self.process = process
        var port = 0
        for _ in 0..<200 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let value = Int(text) {
                port = value
                break
            }
            usleep(25_000)
        }
        guard port > 0 else {
            process.signal(SIGKILL)
            throw LoopbackServerError.noPort
        }
        self.port = port
    }

    /// The absolute URIs the proxy was asked for.
    var requests: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        process.signal(SIGKILL)
        process.wait()
    }
}

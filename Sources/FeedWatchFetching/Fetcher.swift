import FeedWatchModel
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Fetches feeds over HTTP(S) with libcurl: conditional, bounded in time, size and concurrency, polite per host.
///
/// One engine thread drives every transfer; `fetch` suspends until its transfer completes. A `Fetcher` is
/// meant to live as long as the daemon: connections are reused across fetches.
public final class Fetcher: Sendable {
    /// The limits in force (after clamping to ranges libcurl accepts).
    public let configuration: FetcherConfiguration
    private let engine: CurlMultiEngine
    /// Reads a proxy variable of the environment (`getenv` unless a test says otherwise).
    private let environment: @Sendable (String) -> String?

    /// Starts the engine thread.
    public init(configuration: FetcherConfiguration = FetcherConfiguration()) throws(FetchError) {
        self.configuration = configuration.clamped
        engine = try CurlMultiEngine(configuration: self.configuration)
        environment = { name in getenv(name).map { String(cString: $0) } }
    }

    deinit {
        engine.shutdown()
    }

    /// Performs one request; a non-2xx HTTP status is a FetchResult, not an error; no HTTP response at all is a FetchError.
    ///
    /// Sends `If-None-Match`/`If-Modified-Since` from the request's validators, follows at most
    /// `maxRedirects` redirects (http and https only), and reads a `file:` URL only when the request allows it.
    /// Each redirect is a transfer of its own: configured headers go only to the requested origin
    /// (scheme, host and port), and an address policy is checked on the connection each hop opens
    /// (`crossHostRedirectPolicy` once a redirect leaves the requested host).
    /// Cancelling the calling task aborts the transfer with `.cancelled`.
    public func fetch(_ request: FetchRequest) async throws(FetchError) -> FetchResult {
        let origin = try CurlTransfer(request: request, configuration: configuration).target
        if origin.scheme == "file" {
            // libcurl reads a file: URL with blocking reads that no timeout bounds: a FIFO would
            // hang the engine thread, /dev/zero would be read up to the body limit.
            let path = URL(string: request.url)?.path ?? ""
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw FetchError(code: .fileUnreadable, message: "the feed file is missing or not a regular file")
            }
        }
        let started = ContinuousClock.now
        var hop = request
        var redirects = 0
        var permanentRedirect: String?
        var leadingPermanentRun = true
        var duration = 0.0
        while true {
            let elapsed = started.duration(to: .now)
            let remaining = configuration.totalTimeout - Double(elapsed.components.seconds) - Double(elapsed.components.attoseconds) / 1e18
            // The first hop is the request itself, parsed once above.
            let parsed = redirects == 0 ? origin : URLTarget(hop.url)
            let target = parsed ?? origin
            guard remaining > 0 else {
                throw FetchError(code: .timeout, message: "\(target.hostForMessages) did not finish within \(configuration.totalTimeout.secondsWords)")
            }
            let prechecked = try await checkBeforeProxy(hop, target: target)
            var result = try await perform(
                try CurlTransfer(request: hop, configuration: configuration, timeout: remaining, proxiedAndPrechecked: prechecked, target: parsed))
            duration += result.duration
            if [300, 301, 302, 303, 307, 308].contains(result.status), result.redirectTarget == nil,
                let location = result.header("location"), let scheme = URLTarget(location)?.scheme,
                scheme != "http", scheme != "https"
            {
                throw FetchError(
                    code: .unsupportedScheme, message: "redirect to a \(scheme): URL refused (from \(target.hostForMessages))")
            }
            guard [300, 301, 302, 303, 307, 308].contains(result.status), let next = result.redirectTarget, !next.isEmpty else {
                result.requestedURL = request.url
                result.effectiveURL = URLRedaction.withoutUserInfo(result.effectiveURL)
                result.duration = duration
                result.permanentRedirect = permanentRedirect
                result.redirectTarget = nil
                return result
            }
            guard redirects < configuration.maxRedirects else {
                throw FetchError(
                    code: .tooManyRedirects,
                    message: "gave up after \(configuration.maxRedirects) redirects (last host \(target.hostForMessages))")
            }
            guard let nextTarget = URLTarget(next), nextTarget.scheme == "http" || nextTarget.scheme == "https" else {
                let scheme = URLTarget(next)?.scheme ?? "relative"
                throw FetchError(
                    code: .unsupportedScheme, message: "redirect to a \(scheme): URL refused (from \(target.hostForMessages))")
            }
            redirects += 1
            if leadingPermanentRun, result.status == 301 || result.status == 308 {
                permanentRedirect = next
            } else {
                leadingPermanentRun = false
            }
            if (nextTarget.scheme, nextTarget.host, nextTarget.port) != (target.scheme, target.host, target.port) {
                // Configured headers (API keys, Authorization) are for the configured origin only.
                hop.extraHeaders = [:]
            }
            if hop.addressPolicy == nil, nextTarget.host != origin.host, let policy = request.crossHostRedirectPolicy {
                hop.addressPolicy = policy
            }
            hop.url = next
            hop.allowFileScheme = false
        }
    }

    /// Stops the engine thread; pending fetches fail with .cancelled. Also called from deinit.
    public func shutdown() {
        engine.shutdown()
    }

    /// Runs one hop on the engine.
    private func perform(_ transfer: CurlTransfer) async throws(FetchError) -> FetchResult {
        guard !Task.isCancelled else {
            throw FetchError(code: .cancelled, message: "fetch from \(transfer.target.hostForMessages) was cancelled")
        }
        let engine = self.engine
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation = continuation
                engine.submit(transfer)
            }
        } onCancel: {
            engine.cancel(transfer)
        }
        return try outcome.get()
    }

    /// For a guarded hop through a proxy: resolves the target's host and checks every address
    /// against the policy, since the proxy, not us, connects to it. True when the hop goes
    /// through a proxy (and passed); false when it connects directly (the socket check applies).
    private func checkBeforeProxy(_ hop: FetchRequest, target: URLTarget) async throws(FetchError) -> Bool {
        guard let policy = hop.addressPolicy, target.scheme == "http" || target.scheme == "https",
            proxyInEffect(scheme: target.scheme)
        else { return false }
        let host = target.host.hasPrefix("[") ? String(target.host.dropFirst().dropLast()) : target.host
        let addresses = await Task.detached { HostResolver.addresses(of: host) }.value
        guard !addresses.isEmpty else {
            throw FetchError(code: .dnsFailure, message: "could not resolve host \(target.hostForMessages) (checked before asking the proxy)")
        }
        if let refused = addresses.first(where: { !policy.permits($0) }) {
            throw FetchError(
                code: .forbiddenAddress,
                message: "refused to fetch \(target.hostForMessages) through the proxy: it resolves to \(IPNetwork.format(refused)), "
                    + "not a public address (loopback, private, link-local or multicast); "
                    + "allow it with [fetch] allow_private_networks")
        }
        return true
    }

    /// Whether libcurl would use a proxy for `scheme`: `[fetch] proxy`, else the variables libcurl reads.
    private func proxyInEffect(scheme: String) -> Bool {
        if let proxy = configuration.proxy { return !proxy.isEmpty }
        let names = scheme == "http" ? ["http_proxy"] : ["https_proxy", "HTTPS_PROXY"]
        return (names + ["all_proxy", "ALL_PROXY"]).contains { environment($0).map { !$0.isEmpty } ?? false }
    }
}

/// `getaddrinfo` for the proxy check: every IPv4 and IPv6 address of a host, as bytes.
enum HostResolver {
    static func addresses(of host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var found: [[UInt8]] = []
        var node = list
        while let entry = node {
            if let address = entry.pointee.ai_addr {
                if entry.pointee.ai_family == AF_INET {
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                        var ip = v4.pointee.sin_addr
                        found.append(withUnsafeBytes(of: &ip) { Array($0) })
                    }
                } else if entry.pointee.ai_family == AF_INET6 {
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        var ip = v6.pointee.sin6_addr
                        found.append(withUnsafeBytes(of: &ip) { Array($0) })
                    }
                }
            }
            node = entry.pointee.ai_next
        }
        return found
    }
}

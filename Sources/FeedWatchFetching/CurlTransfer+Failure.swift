import CCurlShims
import FeedWatchCurl

#if canImport(Glibc)
import Glibc
#endif

extension CurlTransfer {
    /// A plain-words error for libcurl's result code, naming the host (never the URL's credentials).
    func failure(_ code: CURLcode) -> FetchError {
        let current = effectiveURL.flatMap(URLTarget.init) ?? target
        let host = current.hostForMessages
        let errorText = self.errorText
        switch code {
        case CURLE_WRITE_ERROR where overflow == .body, CURLE_FILESIZE_EXCEEDED:
            return FetchError(
                code: .bodyTooLarge, message: "body from \(host) exceeds the \(limits.maxBodyBytes.byteCountWords) limit")
        case CURLE_WRITE_ERROR where overflow == .headers:
            return FetchError(
                code: .headersTooLarge,
                message: "response headers from \(host) exceed the \(limits.maxHeaderBytes.byteCountWords) limit")
        case CURLE_OUT_OF_MEMORY where errorText.lowercased().contains("header"):
            return FetchError(code: .headersTooLarge, message: "response headers from \(host) are too large")
        case CURLE_URL_MALFORMAT:
            return FetchError(code: .invalidURL, message: "the URL for \(host) is malformed")
        case CURLE_UNSUPPORTED_PROTOCOL:
            if let location = lastLocation, let redirect = URLTarget(location) ?? URLTarget("x:" + location),
                redirect.scheme != "http", redirect.scheme != "https", redirect.scheme != "x"
            {
                return FetchError(
                    code: .unsupportedScheme,
                    message: "redirect to a \(redirect.scheme): URL refused (from \(host))")
            }
            return FetchError(code: .unsupportedScheme, message: "\(current.scheme): URLs are not fetched (host \(host))")
        case CURLE_COULDNT_RESOLVE_HOST:
            return FetchError(code: .dnsFailure, message: "could not resolve host \(host)")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return FetchError(code: .dnsFailure, message: "could not resolve the proxy host for \(host)")
        case CURLE_COULDNT_CONNECT where refusedAddress != nil:
            return FetchError(
                code: .forbiddenAddress,
                message: "refused to connect to \(host) at \(refusedAddress ?? "?"): not a public address "
                    + "(loopback, private, link-local or multicast); allow it with [fetch] allow_private_networks")
        case CURLE_COULDNT_CONNECT:
            let port = infoLong(CURLINFO_PRIMARY_PORT)
            let place = port > 0 && current.port == 0 ? "\(current.host):\(port)" : current.hostAndPort
            if infoLong(CURLINFO_OS_ERRNO) == Int(ECONNREFUSED) {
                return FetchError(code: .connectionFailed, message: "connection refused by \(place)")
            }
            return FetchError(code: .connectionFailed, message: "could not connect to \(place)")
        case CURLE_OPERATION_TIMEDOUT where errorText.lowercased().contains("resolv"):
            return FetchError(
                code: .dnsFailure, message: "could not resolve host \(host) within \(limits.connectTimeout.secondsWords)")
        case CURLE_OPERATION_TIMEDOUT:
            return FetchError(code: .timeout, message: timeoutMessage(host: host, errorText: errorText))
        case CURLE_TOO_MANY_REDIRECTS:
            return FetchError(
                code: .tooManyRedirects, message: "gave up after \(limits.maxRedirects) redirects (last host \(host))")
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CLIENTCERT:
            return FetchError(code: .tlsFailure, message: "TLS handshake with \(host) failed")
        case CURLE_PEER_FAILED_VERIFICATION:
            return FetchError(code: .tlsFailure, message: "the TLS certificate of \(host) could not be verified")
        case CURLE_GOT_NOTHING:
            return FetchError(code: .connectionReset, message: "\(host) closed the connection without answering")
        case CURLE_PARTIAL_FILE:
            return FetchError(
                code: .connectionReset, message: "\(host) closed the connection before the body was complete")
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3:
            return FetchError(code: .connectionReset, message: "the connection to \(host) broke mid-transfer")
        case CURLE_BAD_CONTENT_ENCODING:
            return FetchError(
                code: .badContentEncoding,
                message: "the body from \(host) does not decode as its declared Content-Encoding")
        case CURLE_FILE_COULDNT_READ_FILE, CURLE_READ_ERROR:
            return FetchError(code: .fileUnreadable, message: "could not read the feed file")
        case CURLE_ABORTED_BY_CALLBACK:
            return FetchError(code: .cancelled, message: "fetch from \(host) was cancelled")
        case CURLE_WEIRD_SERVER_REPLY:
            return FetchError(code: .other, message: "\(host) sent a reply that is not valid HTTP")
        default:
            return FetchError(code: .other, message: "fetch from \(host) failed: \(CurlEasyHandle.describe(code))")
        }
    }

    private func timeoutMessage(host: String, errorText: String) -> String {
        if errorText.lowercased().contains("too slow") {
            return "\(host) sent less than \(limits.lowSpeedLimitBytesPerSecond) bytes/s for "
                + "\(Int(limits.lowSpeedTime.rounded(.up))) s"
        }
        if infoDouble(CURLINFO_CONNECT_TIME) == 0, errorText.lowercased().contains("connect") {
            return "\(host) did not accept a connection within \(limits.connectTimeout.secondsWords)"
        }
        return "\(host) did not finish within \(limits.totalTimeout.secondsWords)"
    }
}

extension Double {
    /// `30 s`, `1.5 s`.
    var secondsWords: String {
        self == rounded() && abs(self) < 1e15 ? "\(Int(self)) s" : "\(self) s"
    }
}

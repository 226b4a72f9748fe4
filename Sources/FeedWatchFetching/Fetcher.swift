/// Fetches feeds over HTTP(S) with libcurl: conditional, bounded in time, size and concurrency, polite per host.
///
/// One engine thread drives every transfer; `fetch` suspends until its transfer completes. A `Fetcher` is
/// meant to live as long as the daemon: connections are reused across fetches.
public final class Fetcher: Sendable {
    /// The limits in force (after clamping to ranges libcurl accepts).
    public let configuration: FetcherConfiguration
    private let engine: CurlMultiEngine

    /// Starts the engine thread.
    public init(configuration: FetcherConfiguration = FetcherConfiguration()) throws(FetchError) {
        self.configuration = configuration.clamped
        engine = try CurlMultiEngine(configuration: self.configuration)
    }

    deinit {
        engine.shutdown()
    }

    /// Performs one request; a non-2xx HTTP status is a FetchResult, not an error; no HTTP response at all is a FetchError.
    ///
    /// Sends `If-None-Match`/`If-Modified-Since` from the request's validators, follows at most
    /// `maxRedirects` redirects (http and https only), and reads a `file:` URL only when the request allows it.
    /// Cancelling the calling task aborts the transfer with `.cancelled`.
    public func fetch(_ request: FetchRequest) async throws(FetchError) -> FetchResult {
        let transfer = try CurlTransfer(request: request, configuration: configuration)
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

    /// Stops the engine thread; pending fetches fail with .cancelled. Also called from deinit.
    public func shutdown() {
        engine.shutdown()
    }
}

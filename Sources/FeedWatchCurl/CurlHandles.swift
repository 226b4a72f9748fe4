package import CCurlShims

// The RAII owners of libcurl's easy and multi handles, for the fetch engine
// (FeedWatchFetching) and the single transfers of deliveries (CurlSingleTransfer). Their
// C-typed members are `package`: visible to this package's targets, never to its clients.

/// Initialises libcurl once per process, before the first handle (curl_global_init is not
/// thread-safe, so it runs in this lazily initialised global, which Swift initialises once).
private let curlGlobalInitialization: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// Whether libcurl initialised; every handle checks it first.
package var curlIsReady: Bool { curlGlobalInitialization == CURLE_OK }

/// Identifies an easy handle inside the multi handle without exposing the C pointer.
package struct CurlEasyKey: Hashable {
    fileprivate let raw: UnsafeMutableRawPointer
}

/// Owns one libcurl easy handle with its request header list and error buffer; frees all three in `deinit`.
///
/// Not Sendable: created, used and released on the engine thread only.
package final class CurlEasyHandle {
    fileprivate let raw: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    package init?() {
        guard curlIsReady, let raw = curl_easy_init() else { return nil }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        _ = fw_curl_easy_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer)
    }

    deinit {
        // Callers remove the handle from its multi handle before releasing it.
        curl_easy_cleanup(raw)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    package var key: CurlEasyKey { CurlEasyKey(raw: raw) }

    /// The C handle, for options this type has no typed setter for (callbacks, lists).
    package var rawHandle: UnsafeMutableRawPointer { raw }

    package func set(_ option: CURLoption, _ value: Int) -> CURLcode {
        fw_curl_easy_setopt_long(raw, option, value)
    }

    /// libcurl copies string options, so the Swift string need not outlive the call.
    package func set(_ option: CURLoption, _ value: String) -> CURLcode {
        value.withCString { fw_curl_easy_setopt_string(raw, option, $0) }
    }

    package func setOffset(_ option: CURLoption, _ value: Int) -> CURLcode {
        fw_curl_easy_setopt_off(raw, option, value)
    }

    /// Replaces the request header list (`Name: value` lines); false when out of memory.
    package func setHeaders(_ lines: [String]) -> CURLcode {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = line.withCString({ curl_slist_append(list, $0) }) else {
                curl_slist_free_all(list)
                return CURLE_OUT_OF_MEMORY
            }
            list = appended
        }
        let code = fw_curl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list)
        curl_slist_free_all(headerList)
        headerList = list
        return code
    }

    /// Installs the open-socket hook with `context` as its user data.
    package func setOpenSocket(_ callback: curl_opensocket_callback, context: UnsafeMutableRawPointer) -> CURLcode {
        fw_curl_easy_setopt_opensocket(raw, callback, context)
    }

    /// Installs the body and header callbacks with `context` as their user data.
    package func setCallbacks(
        body: fw_curl_data_callback, header: fw_curl_data_callback, context: UnsafeMutableRawPointer
    ) -> CURLcode {
        var code = fw_curl_easy_setopt_data_callback(raw, CURLOPT_WRITEFUNCTION, body)
        if code == CURLE_OK { code = fw_curl_easy_setopt_pointer(raw, CURLOPT_WRITEDATA, context) }
        if code == CURLE_OK { code = fw_curl_easy_setopt_data_callback(raw, CURLOPT_HEADERFUNCTION, header) }
        if code == CURLE_OK { code = fw_curl_easy_setopt_pointer(raw, CURLOPT_HEADERDATA, context) }
        return code
    }

    package func string(_ info: CURLINFO) -> String? {
        var pointer: UnsafePointer<CChar>?
        guard fw_curl_easy_getinfo_string(raw, info, &pointer) == CURLE_OK, let pointer else { return nil }
        return String(cString: pointer)
    }

    package func long(_ info: CURLINFO) -> Int {
        var value = 0
        return fw_curl_easy_getinfo_long(raw, info, &value) == CURLE_OK ? value : 0
    }

    package func double(_ info: CURLINFO) -> Double {
        var value = 0.0
        return fw_curl_easy_getinfo_double(raw, info, &value) == CURLE_OK ? value : 0
    }

    /// libcurl's own detail for the last failure (CURLOPT_ERRORBUFFER).
    package var errorText: String { String(cString: errorBuffer) }

    package static func describe(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "error \(code.rawValue)" }
        return String(cString: text)
    }
}

/// Owns the libcurl multi handle and its event set, and frees both in `deinit`.
///
/// The multi handle runs on libcurl's event interface (`curl_multi_socket_action`): each
/// wake-up runs only the transfers whose socket or timer fired, so its cost follows what
/// happened, not how many transfers are in flight.
///
/// `wakeup` is safe from any thread; everything else runs on the engine thread.
package final class CurlMultiHandle: Sendable {
    nonisolated(unsafe) private let raw: UnsafeMutableRawPointer
    nonisolated(unsafe) private let events: OpaquePointer

    package init?(maxConnectionsKept: Int, maxPerHost: Int) {
        guard curlIsReady, let raw = curl_multi_init() else { return nil }
        guard let events = fw_curl_events_create(raw) else {
            curl_multi_cleanup(raw)
            return nil
        }
        self.raw = raw
        self.events = events
        _ = fw_curl_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, maxConnectionsKept)
        _ = fw_curl_multi_setopt_long(raw, CURLMOPT_MAX_HOST_CONNECTIONS, maxPerHost)
    }

    deinit {
        // Cleanup still reports the sockets it closes to the event set, so the set goes last.
        curl_multi_cleanup(raw)
        fw_curl_events_destroy(events)
    }

    /// Interrupts `run` on the engine thread.
    package func wakeup() {
        fw_curl_events_wake(events)
    }

    package func add(_ easy: CurlEasyHandle) -> Bool {
        curl_multi_add_handle(raw, easy.raw) == CURLM_OK
    }

    package func remove(_ easy: CurlEasyHandle) {
        _ = curl_multi_remove_handle(raw, easy.raw)
    }

    /// Waits at most `milliseconds` for a ready socket, libcurl's timer or `wakeup`, then lets
    /// libcurl act on what fired. Finished transfers are then in `nextFinished`.
    package func run(waitingAtMost milliseconds: Int32) {
        fw_curl_events_run(events, raw, milliseconds)
    }

    /// The next finished transfer and its result code, if any.
    package func nextFinished() -> (key: CurlEasyKey, code: CURLcode)? {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(raw, &remaining) {
            if message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle {
                return (CurlEasyKey(raw: handle), fw_curlmsg_result(message))
            }
        }
        return nil
    }
}

import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves one connection: collects a request, asks the handler, delivers the response as it says.
final class LoopbackHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: @Sendable (LoopbackRequest) -> LoopbackResponse
    private let counts: RequestCounts
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// Requests larger than this are answered 413 (the server must stay bounded too).
    private let maxRequestBody = 1 << 20

    init(handler: @escaping @Sendable (LoopbackRequest) -> LoopbackResponse, counts: RequestCounts) {
        self.handler = handler
        self.counts = counts
    }

    func channelActive(context: ChannelHandlerContext) {
        counts.state.withLock { $0.connections += 1 }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
        case .body(var buffer):
            if body.count < maxRequestBody, let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body.append(contentsOf: bytes.prefix(maxRequestBody - body.count))
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            respond(context: context, to: requestHead)
        }
    }

    private func respond(context: ChannelHandlerContext, to requestHead: HTTPRequestHead) {
        let uri = requestHead.uri
        let path: String
        let query: String?
        if let mark = uri.firstIndex(of: "?") {
            path = String(uri[..<mark])
            query = String(uri[uri.index(after: mark)...])
        } else {
            path = uri
            query = nil
        }
        counts.state.withLock {
            $0.byPath[path, default: 0] += 1
            $0.total += 1
        }
        let request = LoopbackRequest(
            method: requestHead.method.rawValue, path: path, query: query,
            headers: requestHead.headers.map { ($0.name, $0.value) }, body: body)
        let response = handler(request)
        let delivery = ResponseDelivery(
            context: context, response: response, keepAlive: requestHead.isKeepAlive,
            isHead: requestHead.method == .HEAD, version: requestHead.version)
        delivery.start()
    }
}

/// Writes one response according to its `Delivery`, scheduling every delayed step on the event loop.
private struct ResponseDelivery {
    let context: ChannelHandlerContext
    let response: LoopbackResponse
    let keepAlive: Bool
    let isHead: Bool
    let version: HTTPVersion

    private var channel: any Channel { context.channel }
    private var loop: any EventLoop { context.eventLoop }

    func start() {
        switch response.delivery {
        case .normal:
            writeWhole()
        case .delayed(let seconds):
            let this = UnsafeTransfer(self)
            loop.scheduleTask(in: .nanoseconds(Int64(max(0, seconds) * 1e9))) {
                if this.value.channel.isActive { this.value.writeWhole() }
            }
        case .drip(let bytesPerSecond):
            writeHead(contentLength: response.body.count)
            let perTick = max(1, bytesPerSecond / 10)
            let interval: TimeAmount = bytesPerSecond >= 10 ? .milliseconds(100) : .nanoseconds(1_000_000_000 / Int64(max(1, bytesPerSecond)))
            drip(offset: 0, perTick: perTick, interval: interval)
        case .neverAnswer:
            break
        case .closeWithoutAnswer:
            context.close(promise: nil)
        case .resetMidBody(let afterBytes):
            writeHead(contentLength: response.body.count)
            let sent = Array(response.body.prefix(max(0, afterBytes)))
            var buffer = channel.allocator.buffer(capacity: sent.count)
            buffer.writeBytes(sent)
            let channel = self.channel
            context.writeAndFlush(wrap(.body(.byteBuffer(buffer)))).whenComplete { _ in
                // SO_LINGER 0 turns close() into a reset.
                guard let sockets = channel as? any SocketOptionProvider else {
                    channel.close(promise: nil)
                    return
                }
                sockets.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            }
        case .chunkedStream(let totalBytes, let chunkBytes):
            writeHead(contentLength: nil)
            let pattern = response.body.isEmpty ? Array("x".utf8) : response.body
            let size = max(1, chunkBytes)
            var chunk = channel.allocator.buffer(capacity: size)
            while chunk.readableBytes < size {
                chunk.writeBytes(pattern.prefix(size - chunk.readableBytes))
            }
            stream(remaining: max(0, totalBytes), chunk: chunk)
        }
    }

    private func wrap(_ part: HTTPServerResponsePart) -> NIOAny { NIOAny(part) }

    private func writeHead(contentLength: Int?) {
        var headers = HTTPHeaders(response.headers)
        if let contentLength, !headers.contains(name: "content-length"),
            !headers.contains(name: "transfer-encoding")
        {
            headers.add(name: "Content-Length", value: String(contentLength))
        }
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrap(.head(head)), promise: nil)
    }

    private func writeWhole() {
        writeHead(contentLength: response.body.count)
        if !isHead, !response.body.isEmpty {
            var buffer = channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrap(.body(.byteBuffer(buffer))), promise: nil)
        }
        finish()
    }

    private func finish() {
        let keepAlive = self.keepAlive
        let channel = self.channel
        context.writeAndFlush(wrap(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    private func drip(offset: Int, perTick: Int, interval: TimeAmount) {
        guard channel.isActive else { return }
        if offset >= response.body.count {
            finish()
            return
        }
        let end = min(response.body.count, offset + perTick)
        var buffer = channel.allocator.buffer(capacity: end - offset)
        buffer.writeBytes(response.body[offset..<end])
        context.writeAndFlush(wrap(.body(.byteBuffer(buffer))), promise: nil)
        let this = UnsafeTransfer(self)
        loop.scheduleTask(in: interval) {
            this.value.drip(offset: end, perTick: perTick, interval: interval)
        }
    }

    private func stream(remaining: Int, chunk: ByteBuffer) {
        guard channel.isActive else { return }
        if remaining <= 0 {
            finish()
            return
        }
        let slice = remaining >= chunk.readableBytes ? chunk : chunk.getSlice(at: chunk.readerIndex, length: remaining) ?? chunk
        let this = UnsafeTransfer(self)
        // Writing the next chunk only after this one reached the socket keeps the server's memory bounded.
        context.writeAndFlush(wrap(.body(.byteBuffer(slice)))).whenComplete { result in
            guard case .success = result else { return }
            this.value.stream(remaining: remaining - slice.readableBytes, chunk: chunk)
        }
    }
}

/// Carries a value that is only ever used on its channel's event loop into a `@Sendable` callback.
private struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

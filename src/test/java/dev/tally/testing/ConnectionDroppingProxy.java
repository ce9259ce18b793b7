package dev.tally.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A TCP proxy in front of the service for HTTP clients such as a browser: it relays the bytes
 * unchanged, keeps the head of every request it relays, and drops all its open connections on
 * command, as a network would (the client sees its response end midway and may connect again).
 * Requests are taken to have no body, as a browser's GETs: each blank line ends a head.
 */
public final class ConnectionDroppingProxy implements AutoCloseable {

    /** A relayed request's head: its request line and its headers, names in lower case. */
    public record Request(String line, Map<String, String> headers) {

        static Request parse(String head) {
            List<String> lines = head.lines().toList();
            Map<String, String> headers = lines.stream()
                    .skip(1)
                    .map(header -> header.split(":", 2))
                    .collect(Collectors.toUnmodifiableMap(
                            header -> header[0].strip().toLowerCase(Locale.ROOT),
                            header -> header.length > 1 ? header[1].strip() : "",
                            (first, second) -> first + ", " + second));
            return new Request(lines.getFirst(), headers);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private static final String END_OF_HEAD = "\r\n\r\n";

    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final TcpProxy proxy;

    public ConnectionDroppingProxy(int servicePort) throws IOException {
        this.proxy = new TcpProxy("localhost", servicePort, "connection-dropping-proxy", this::relay);
    }

    public int port() {
        return proxy.port();
    }

    /** Closes every connection open now, on both sides; returns how many client connections that was. */
    public int dropAll() {
        List<Socket> dropped = List.copyOf(open);
        dropped.forEach(TcpProxy::closeQuietly);
        return dropped.size() / 2;
    }

    /** The requests relayed so far, in the order their heads came. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The relayed requests whose request line starts with {@code prefix} (e.g. {@code "GET /v1/jobs/"}). */
    public List<Request> requests(String prefix) {
        return requests.stream()
                .filter(request -> request.line().startsWith(prefix))
                .toList();
    }

    @Override
    public void close() throws IOException {
        proxy.close();
        dropAll();
    }

    private void relay(Socket client, Socket server) {
        open.add(client);
        open.add(server);
        TcpProxy.start(() -> copy(server, client, bytes -> {}), "proxy-server-to-client");
        StringBuilder heads = new StringBuilder();
        copy(client, server, bytes -> {
            heads.append(new String(bytes, StandardCharsets.ISO_8859_1));
            for (int end = heads.indexOf(END_OF_HEAD); end >= 0; end = heads.indexOf(END_OF_HEAD)) {
                requests.add(Request.parse(heads.substring(0, end)));
                heads.delete(0, end + END_OF_HEAD.length());
            }
        });
        open.remove(client);
        open.remove(server);
    }

    /** Copies {@code from} to {@code to}, each read shown to {@code seen} first, until either closes; closes both. */
    private static void copy(Socket from, Socket to, Consumer<byte[]> seen) {
        try (from;
                to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[16384];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                byte[] bytes = Arrays.copyOf(buffer, n);
                seen.accept(bytes);
                out.write(bytes);
                out.flush();
            }
        } catch (IOException e) {
            // dropped, or either end closed
        }
    }
}

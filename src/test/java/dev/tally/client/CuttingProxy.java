package dev.tally.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of the service that cuts every open connection on command, as a network
 * would, and keeps the head of each request it relays (only the first bytes a connection sends:
 * the client opens one connection per request here).
 */
final class CuttingProxy implements AutoCloseable {

    private final int target;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<String> heads = new CopyOnWriteArrayList<>();

    CuttingProxy(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0);
        start(this::accept);
    }

    String baseUrl() {
        return "http://localhost:" + listener.getLocalPort();
    }

    /** The request heads relayed so far, in order. */
    List<String> heads() {
        return List.copyOf(heads);
    }

    /** Closes every open connection, on both sides; returns how many sockets that was. */
    int cut() {
        List<Socket> sockets = List.copyOf(open);
        sockets.forEach(CuttingProxy::closeQuietly);
        return sockets.size();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cut();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket("localhost", target);
                open.add(client);
                open.add(server);
                start(() -> copy(server, client, false));
                start(() -> copy(client, server, true));
            } catch (IOException closed) {
                // the listener closed, or the service refused: the client sees its connection fail
            }
        }
    }

    private void copy(Socket from, Socket to, boolean request) {
        StringBuilder head = request ? new StringBuilder() : null;
        try (from;
                to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[16384];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (head != null) {
                    head.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    int end = head.indexOf("\r\n\r\n");
                    if (end >= 0) {
                        heads.add(head.substring(0, end));
                        head = null;
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // cut, or either end closed
        } finally {
            open.remove(from);
            open.remove(to);
        }
    }

    private static void start(Runnable task) {
        Thread thread = new Thread(task, "cutting-proxy");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
    }
}

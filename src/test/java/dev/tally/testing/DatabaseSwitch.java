package dev.tally.testing;

import java.io.IOException;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of PostgreSQL that can be switched off, as if the database went away: every
 * connection through it is cut and new ones are closed as soon as they are accepted, until it is
 * switched on again.
 */
public final class DatabaseSwitch implements AutoCloseable {

    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final TcpProxy proxy;
    private volatile boolean off;

    public DatabaseSwitch(String host, int port) throws IOException {
        this.proxy = new TcpProxy(host, port, "database-switch", this::relay);
    }

    public int port() {
        return proxy.port();
    }

    public void off() {
        off = true;
        open.forEach(TcpProxy::closeQuietly);
    }

    public void on() {
        off = false;
    }

    @Override
    public void close() throws IOException {
        off();
        proxy.close();
    }

    private void relay(Socket client, Socket server) {
        open.add(client);
        open.add(server);
        if (off) {
            cut(client, server);
            return;
        }
        TcpProxy.start(() -> copy(server, client), "database-switch-back");
        copy(client, server);
    }

    private void copy(Socket from, Socket to) {
        try {
            TcpProxy.pipe(from.getInputStream(), to.getOutputStream());
        } catch (IOException e) {
            // either end closed, or the switch cut it
        } finally {
            cut(from, to);
        }
    }

    private void cut(Socket client, Socket server) {
        TcpProxy.closeQuietly(client);
        TcpProxy.closeQuietly(server);
        open.remove(client);
        open.remove(server);
    }
}

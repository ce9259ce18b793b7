package dev.tally.testing;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The plumbing of the tests' TCP proxies: listens on a free port and hands each connection it
 * accepts, with a new connection of its own to the target, to a relay running on its own thread.
 * What a proxy does to the bytes (and when it breaks a connection) is the relay's business.
 */
public final class TcpProxy implements AutoCloseable {

    /** Relays one proxied connection, until either end closes; owns (and closes) both sockets. */
    public interface Relay {
        void run(Socket client, Socket server);
    }

    private final String host;
    private final int port;
    private final Relay relay;
    private final String name;
    private final ServerSocket listener;

    public TcpProxy(String host, int port, String name, Relay relay) throws IOException {
        this.host = host;
        this.port = port;
        this.name = name;
        this.relay = relay;
        this.listener = new ServerSocket(0);
        start(this::accept, name);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Stops accepting; connections already relayed are the relay's to close. */
    @Override
    public void close() throws IOException {
        listener.close();
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                continue; // closed
            }
            try {
                Socket server = new Socket(host, port);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                start(() -> relay.run(client, server), name + "-link");
            } catch (IOException e) {
                closeQuietly(client); // the target refused: so does the proxy
            }
        }
    }

    public static void start(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    public static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
    }

    /** Copies until the input ends (then throws {@link EOFException}) or fails. */
    public static void pipe(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[16384];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            out.flush();
        }
        throw new EOFException();
    }
}

package dev.tally.upsert;

import dev.tally.testing.TcpProxy;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between a Tally instance and PostgreSQL that breaks one connection exactly where a
 * network can: after a COMMIT reached the server and committed but before its answer got back, or
 * before the COMMIT reached the server at all (which then rolls back when it sees the connection
 * close). It reads the protocol's message frames from the client (COMMIT is the simple query
 * {@code Q "COMMIT"}), and from the server only to find the end of the COMMIT's answer.
 */
final class CommitCuttingProxy implements AutoCloseable {

    enum Fault {
        /** The server commits; the client never hears it, its connection closes. */
        ANSWER_LOST,
        /** The COMMIT never reaches the server; both ends of the connection close. */
        COMMIT_LOST
    }

    private static final int SSL_REQUEST = 80877103;
    private static final int GSS_REQUEST = 80877104;

    private final AtomicInteger commitsToLet = new AtomicInteger(-1);
    private final AtomicInteger faults = new AtomicInteger();
    private volatile Fault fault;
    private final TcpProxy proxy;

    CommitCuttingProxy(String host, int port) throws IOException {
        this.proxy = new TcpProxy(
                host, port, "commit-cutting-proxy", (client, server) -> new Link(client, server).clientToServer());
    }

    int port() {
        return proxy.port();
    }

    /** Lets {@code before} COMMITs through, then breaks the connection of the next one; once. */
    void breakCommit(int before, Fault fault) {
        this.fault = fault;
        commitsToLet.set(before);
    }

    /** How many connections were broken so far. */
    int faults() {
        return faults.get();
    }

    @Override
    public void close() throws IOException {
        proxy.close();
    }

    /** One proxied connection. */
    private final class Link {
        private final Socket client;
        private final Socket server;
        private volatile boolean swallowAnswer;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void clientToServer() {
            try (client;
                    server) {
                DataInputStream in = new DataInputStream(client.getInputStream());
                OutputStream out = new BufferedOutputStream(server.getOutputStream());
                boolean framed = startup(in, out);
                TcpProxy.start(() -> serverToClient(framed), "proxy-server-to-client");
                if (!framed) {
                    TcpProxy.pipe(in, out); // encrypted: passed through, never broken
                }
                while (true) {
                    byte type = in.readByte();
                    byte[] body = frameBody(in);
                    if (type == 'Q' && isCommit(body) && commitsToLet.getAndDecrement() == 0) {
                        faults.incrementAndGet();
                        if (fault == Fault.COMMIT_LOST) {
                            return; // closes both ends: the server sees its client gone and rolls back
                        }
                        swallowAnswer = true; // set before the COMMIT leaves, so its answer is caught
                    }
                    write(out, type, body, in);
                }
            } catch (IOException e) {
                // either end closed
            }
        }

        private void serverToClient(boolean framed) {
            try (client;
                    server) {
                DataInputStream in = new DataInputStream(server.getInputStream());
                OutputStream out = new BufferedOutputStream(client.getOutputStream());
                if (!framed) {
                    TcpProxy.pipe(in, out);
                }
                while (true) {
                    byte type = in.readByte();
                    byte[] body = frameBody(in);
                    if (swallowAnswer) {
                        // Answers come in order: this is the COMMIT's, which ends with ReadyForQuery.
                        if (type == 'Z') {
                            return;
                        }
                    } else {
                        write(out, type, body, in);
                    }
                }
            } catch (IOException e) {
                // either end closed
            }
        }

        /** Forwards the start-up message; false when the client asked for encryption instead. */
        private boolean startup(DataInputStream in, OutputStream out) throws IOException {
            byte[] body = frameBody(in);
            int code = ((body[0] & 0xff) << 24) | ((body[1] & 0xff) << 16) | ((body[2] & 0xff) << 8) | (body[3] & 0xff);
            write(out, null, body, in);
            return code != SSL_REQUEST && code != GSS_REQUEST;
        }
    }

    private static byte[] frameBody(DataInputStream in) throws IOException {
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return body;
    }

    /** Writes one frame; flushes once nothing more is waiting to be read. */
    private static void write(OutputStream out, Byte type, byte[] body, InputStream in) throws IOException {
        if (type != null) {
            out.write(type);
        }
        int length = body.length + 4;
        out.write(length >>> 24);
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.write(body);
        if (in.available() == 0) {
            out.flush();
        }
    }

    private static boolean isCommit(byte[] body) {
        return new String(body, 0, Math.max(0, body.length - 1), StandardCharsets.US_ASCII)
                .trim()
                .equalsIgnoreCase("COMMIT");
    }
}

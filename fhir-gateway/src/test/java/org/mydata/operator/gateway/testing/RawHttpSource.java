package org.mydata.operator.gateway.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 server on a plain socket, for sources that misbehave in ways a mock server cannot: one that
 * trickles a byte every so often, one that sends without end. It notes each request's target and sees when
 * the client closes a connection it was still writing to.
 */
public final class RawHttpSource implements AutoCloseable {

    /** Writes the whole answer, status line and headers included, for the request's target. */
    @FunctionalInterface
    public interface Answer {
        void write(String target, OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "raw-http-source");
        t.setDaemon(true);
        return t;
    });
    private final Answer answer;
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final AtomicInteger closedByClient = new AtomicInteger();
    private final AtomicLong bytesSent = new AtomicLong();

    public RawHttpSource(Answer answer) throws IOException {
        this.answer = answer;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        connections.execute(this::accept);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/fhir";
    }

    /** The targets (path and query) requested so far, in order. */
    public List<String> targets() {
        return targets;
    }

    /** Connections whose client went away while an answer was still being written. */
    public int closedByClient() {
        return closedByClient.get();
    }

    /** Body and head bytes written to clients in all. */
    public long bytesSent() {
        return bytesSent.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = new CountingOut(socket.getOutputStream());
            while (true) {
                String requestLine = in.readLine();
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
                    // headers are not needed
                }
                String target = requestLine.split(" ")[1];
                targets.add(target);
                answer.write(target, out);
                out.flush();
            }
        } catch (IOException e) {
            closedByClient.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Answers one JSON body with its length, on a connection that stays open. */
    public static void json(OutputStream out, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: " + bytes.length
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
    }

    @Override
    public void close() throws IOException {
        server.close();
        connections.shutdownNow();
    }

    private final class CountingOut extends java.io.FilterOutputStream {
        CountingOut(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            bytesSent.addAndGet(len);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            bytesSent.incrementAndGet();
        }
    }
}

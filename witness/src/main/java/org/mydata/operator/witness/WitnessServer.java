package org.mydata.operator.witness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The witness over HTTP, with the JDK's own server: {@code POST /add-checkpoint} as C2SP tlog-witness says, and
 * {@code GET /} answering the witness's verifier key, for whoever configures it. Started by the operator's
 * embedded default, by tests, or as {@code java -jar witness.jar --dir DIR --name NAME --log VKEY [--port P]}.
 */
public final class WitnessServer implements AutoCloseable {
    private final HttpServer server;
    private final Witness witness;

    private WitnessServer(HttpServer server, Witness witness) {
        this.server = server;
        this.witness = witness;
    }

    /** Listens on the loopback interface at this port (0: any free one). */
    public static WitnessServer start(Witness witness, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/add-checkpoint", exchange -> handle(exchange, witness));
        server.createContext("/", exchange -> {
            try (exchange) {
                respond(exchange, new Witness.Answer(exchange.getRequestURI().getPath().equals("/") ? 200 : 404,
                        "text/plain; charset=utf-8", witness.key().verifierKey() + "\n"));
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "witness-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return new WitnessServer(server, witness);
    }

    private static void handle(HttpExchange exchange, Witness witness) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                respond(exchange, new Witness.Answer(405, "text/plain; charset=utf-8", "POST only\n"));
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(Witness.MAX_BODY + 1);
            }
            respond(exchange, witness.addCheckpoint(body));
        }
    }

    private static void respond(HttpExchange exchange, Witness.Answer answer) throws IOException {
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public Witness witness() {
        return witness;
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    public static void main(String[] args) throws IOException {
        Path dir = null;
        String name = null;
        int port = 8090;
        List<String> logs = new ArrayList<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[i + 1]);
                case "--name" -> name = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--log" -> logs.add(args[i + 1]);
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (dir == null || name == null || logs.isEmpty() || args.length % 2 != 0) {
            System.err.println("usage: java -jar witness.jar --dir DIR --name NAME --log LOG_VKEY [--log ...] [--port P]");
            System.exit(2);
        }
        WitnessServer server = start(Witness.open(dir, name, logs, Clock.systemUTC()), port);
        System.out.println("witness " + name + " at " + server.url() + "/add-checkpoint");
        System.out.println("verifier key: " + server.witness().key().verifierKey());
    }
}

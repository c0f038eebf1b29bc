package org.mydata.operator.gateway.testing;

import jakarta.servlet.Servlet;
import java.net.InetSocketAddress;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A servlet on a random port of 127.0.0.1, at {@code /fhir}. */
public final class EmbeddedJetty implements AutoCloseable {

    private final Server server;
    private final String baseUrl;

    private EmbeddedJetty(Server server, String baseUrl) {
        this.server = server;
        this.baseUrl = baseUrl;
    }

    public static EmbeddedJetty serve(Servlet servlet) {
        Server server = new Server(new InetSocketAddress("127.0.0.1", 0));
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(servlet), "/fhir/*");
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Jetty", e);
        }
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        return new EmbeddedJetty(server, "http://127.0.0.1:" + port + "/fhir");
    }

    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}

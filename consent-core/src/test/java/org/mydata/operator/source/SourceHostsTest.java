package org.mydata.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.mydata.operator.failure.InvalidRequestException;

class SourceHostsTest {

    /** A resolver with fixed answers, so no test depends on the machine's DNS. */
    private static SourceHosts.Resolver table(Map<String, String> answers) {
        return host -> {
            String address = answers.get(host);
            if (address == null) {
                if (host.matches("[0-9.]+|.*:.*")) {
                    return new InetAddress[] {InetAddress.getByName(host)};
                }
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByName(address)};
        };
    }

    @Test
    void loopbackLinkLocalMetadataAndUnspecifiedAddressesAreRefused() {
        SourceHosts hosts = SourceHosts.allowing(List.of(), table(Map.of("metadata.internal", "169.254.169.254")));
        for (String url : List.of("http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://127.0.0.1/",
                "http://127.1.2.3/", "http://0.0.0.0/", "http://[::1]/", "http://[::]/", "http://[fe80::1]/",
                "http://[::ffff:127.0.0.1]/", "http://[::169.254.169.254]/", "http://[64:ff9b::a9fe:a9fe]/",
                "http://224.0.0.1/", "http://metadata.internal/")) {
            assertThatThrownBy(() -> hosts.check("fhirBaseUrl", URI.create(url))).as(url)
                    .isInstanceOf(InvalidRequestException.class);
        }
        for (String url : List.of("https://fhir.example.org/r4", "http://10.0.0.5/fhir", "http://192.168.1.2/",
                "http://[fd12::1]/", "https://8.8.8.8/")) {
            hosts.check("fhirBaseUrl", URI.create(url));
        }
    }

    @Test
    void operatorsAllowHostsByNameAddressOrRange() {
        SourceHosts hosts = SourceHosts.allowing(List.of("fhir.local", "127.0.0.1", "169.254.10.0/24"),
                table(Map.of("fhir.local", "127.0.0.2")));
        hosts.check("f", URI.create("http://fhir.local/"));
        hosts.check("f", URI.create("http://127.0.0.1:8080/"));
        hosts.check("f", URI.create("http://169.254.10.9/"));
        assertThatThrownBy(() -> hosts.check("f", URI.create("http://169.254.169.254/")))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> hosts.check("f", URI.create("http://127.0.0.2/")))
                .isInstanceOf(InvalidRequestException.class);
        SourceHosts demo = SourceHosts.allowing(List.of()).and("localhost");
        demo.check("f", URI.create("http://localhost:8080/demo-source/fhir"));
    }

    @Test
    void aNameThatResolvesElsewhereAtConnectionTimeIsRefusedThen() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        // DNS rebinding: a public address when registered, the metadata service when connected to.
        SourceHosts hosts = SourceHosts.allowing(List.of(), host -> new InetAddress[] {
                InetAddress.getByName(lookups.getAndIncrement() == 0 ? "93.184.216.34" : "169.254.169.254")});
        hosts.check("fhirBaseUrl", URI.create("https://rebinding.example/fhir"));
        assertThatThrownBy(() -> hosts.resolve("rebinding.example")).isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("refused");
    }

    @Test
    void oneBadAnswerAmongGoodOnesRefusesTheName() {
        SourceHosts hosts = SourceHosts.allowing(List.of(), host -> new InetAddress[] {
                InetAddress.getByName("93.184.216.34"), InetAddress.getByName("127.0.0.1")});
        assertThatThrownBy(() -> hosts.resolve("mixed.example")).isInstanceOf(UnknownHostException.class);
    }

    @Test
    void anUnresolvableNameIsAcceptedAtRegistrationAndCheckedAtConnection() throws Exception {
        SourceHosts hosts = SourceHosts.allowing(List.of(), table(Map.of()));
        hosts.check("fhirBaseUrl", URI.create("https://not-yet.example/fhir"));
        assertThat(SourceHosts.allowing(List.of(), table(Map.of("ok.example", "93.184.216.34")))
                .resolve("ok.example")).hasSize(1);
    }

    @Test
    void webhooksGuardRefusesPrivateNetworksTooUnlessAllowed() throws Exception {
        SourceHosts hosts = SourceHosts.publicOnly(List.of("receiver.lan", "10.9.0.0/16"),
                "operator.notifications.allowed-hosts", table(Map.of("intranet.example", "192.168.4.4",
                        "receiver.lan", "172.16.0.9", "public.example", "93.184.216.34")));
        for (String url : List.of("https://10.0.0.5/hook", "https://172.20.1.1/", "https://192.168.1.2/",
                "https://100.64.0.1/", "https://[fd12::1]/", "https://127.0.0.1/", "https://169.254.169.254/",
                "https://intranet.example/hook")) {
            assertThatThrownBy(() -> hosts.check("url", URI.create(url))).as(url)
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("operator.notifications.allowed-hosts");
        }
        assertThatThrownBy(() -> hosts.resolve("intranet.example")).isInstanceOf(UnknownHostException.class);
        hosts.check("url", URI.create("https://public.example/hook"));
        hosts.check("url", URI.create("https://receiver.lan/hook"));
        hosts.check("url", URI.create("https://10.9.3.4/hook"));
        assertThat(hosts.resolve("receiver.lan")).hasSize(1);
    }
}

package org.mydata.operator.api.notify;

import java.time.Clock;
import java.time.Duration;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.notify.Deliveries;
import org.mydata.operator.notify.Erasures;
import org.mydata.operator.notify.Notices;
import org.mydata.operator.notify.PermitExpiries;
import org.mydata.operator.notify.Webhooks;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.source.SourceHosts;
import org.mydata.operator.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Permit holders' webhooks, the delivery of events to them, expiry events and erasure acknowledgements. */
@Configuration(proxyBeanMethods = false)
public class NotificationConfig {
    private static final Logger log = LoggerFactory.getLogger(NotificationConfig.class);
    private static final String ALLOWED_HOSTS = "operator.notifications.allowed-hosts";

    /**
     * Stricter than sources' guard: a researcher, not an administrator, gives the URL, so private networks are
     * refused too unless the operator allows a host by name.
     */
    @Bean
    WebhookHosts webhookHosts(OperatorProperties properties) {
        return new WebhookHosts(SourceHosts.publicOnly(properties.notifications().allowedHosts(), ALLOWED_HOSTS));
    }

    @Bean
    Webhooks webhooks(Transactions tx, WebhookHosts hosts, OperatorProperties properties, Clock clock) {
        return new Webhooks(tx, hosts.hosts(), properties.notifications().allowPlainHttp(), clock);
    }

    @Bean(destroyMethod = "close")
    WebhookTransport webhookTransport(WebhookHosts hosts, OperatorProperties properties) {
        OperatorProperties.Notifications n = properties.notifications();
        // A connection for every worker: webhooks on one host never wait for each other's connections.
        return new WebhookTransport(hosts.hosts(), n.connectTimeout(), n.requestTimeout(), n.workers());
    }

    /** Every node delivers; leases in PostgreSQL keep two nodes from sending one delivery at once. */
    @Bean(initMethod = "start", destroyMethod = "close")
    Deliveries deliveries(Transactions tx, KeystoreKeyRing keyRing, Clock clock, WebhookTransport transport,
                          OperatorProperties properties) {
        OperatorProperties.Notifications n = properties.notifications();
        // A lease outlives any attempt (bounded by the request timeout) with room for recording its outcome.
        Duration lease = n.requestTimeout().multipliedBy(2).plusSeconds(5);
        if (n.allowPlainHttp()) {
            log.warn("operator.notifications.allow-plain-http is on: events may be sent without TLS");
        }
        return new Deliveries(tx, keyRing, clock, transport, new Deliveries.Settings(n.initialBackoff(),
                n.maxBackoff(), n.giveUpAfter(), lease, n.workers(), n.pollInterval()));
    }

    @Bean(initMethod = "start", destroyMethod = "close")
    ExpiryWatch expiryWatch(Transactions tx, Clock clock, OperatorProperties properties, Deliveries deliveries) {
        return new ExpiryWatch(new PermitExpiries(tx, clock), properties.notifications().pollInterval(),
                deliveries::wakeUp);
    }

    @Bean
    Erasures erasures(LogAppender appender, Clock clock) {
        return new Erasures(appender, clock);
    }

    @Bean
    Notices notices(Transactions tx) {
        return new Notices(tx);
    }

    /** The webhooks' host guard, apart from the sources' bean of the same type. */
    public record WebhookHosts(SourceHosts hosts) {
    }
}

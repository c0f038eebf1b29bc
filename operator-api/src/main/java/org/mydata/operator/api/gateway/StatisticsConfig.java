package org.mydata.operator.api.gateway;

import ca.uhn.fhir.context.FhirContext;
import java.time.Clock;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.gateway.broker.Broker;
import org.mydata.operator.gateway.statistics.StatisticsAnswering;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.statistics.RecordKeyStore;
import org.mydata.operator.statistics.StatisticalAnswers;
import org.mydata.operator.statistics.StatisticsStore;
import org.mydata.operator.store.Transactions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Statistical answers (docs/statistics.md): the store in the operator's PostgreSQL, shared by every node, read
 * through the gateway's broker as an export reads, and accounted in the access log and the transparency log.
 */
@Configuration(proxyBeanMethods = false)
public class StatisticsConfig {

    @Bean
    StatisticsStore statisticsStore(Transactions tx) {
        return new StatisticsStore(tx);
    }

    @Bean
    RecordKeyStore recordKeyStore(Transactions tx, Clock clock) {
        return new RecordKeyStore(tx, clock);
    }

    @Bean
    StatisticalAnswers statisticalAnswers(Transactions tx, AccessLog accessLog) {
        return new StatisticalAnswers(tx, accessLog);
    }

    @Bean
    StatisticsAnswering statisticsAnswering(FhirContext fhirContext, Broker broker, Cohorts cohorts,
                                            StatisticsStore store, RecordKeyStore recordKeys,
                                            StatisticalAnswers answers, ProgrammeRegistry programmes, Clock clock) {
        return new StatisticsAnswering(fhirContext, broker, cohorts, store, recordKeys, answers, programmes, clock);
    }
}

/**
 * The consent domain, signing and PostgreSQL persistence (docs/architecture.md, "Modules"). Exported: every
 * package operator-api, fhir-gateway or benchmarks import. Not exported: {@code formats.fhir}, the R4 type
 * names that only {@code programme.DataScope} reads. The operator itself runs on the class path (Spring Boot's
 * jar), where this descriptor is not read; javac checks it, and consent-core's tests run on the class path
 * (its pom: useModulePath false for testCompile and surefire).
 *
 * <p>HAPI's R4 model, Flyway, Tink and the RFC 8785 canonicaliser are automatic modules (named by their jar
 * or its Automatic-Module-Name); Nimbus, Bouncy Castle and SLF4J are named modules. pgjdbc is not required:
 * no code here names it, the stores take a {@code javax.sql.DataSource}.
 */
module org.mydata.operator.core {
    requires transitive org.mydata.operator.verify; // its records, proofs and checkpoints are in this API
    requires transitive com.nimbusds.jose.jwt;      // JWKSet and JWK in signing's API
    requires transitive java.sql;                   // DataSource and SQLException in the stores' API
    requires org.hl7.fhir.r4;                        // formats: the FHIR writers' R4 model
    requires com.google.crypto.tink;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires java.json.canonicalization;
    requires flyway.core;
    requires java.net.http;
    requires org.slf4j;

    exports org.mydata.operator.access;
    exports org.mydata.operator.account;
    exports org.mydata.operator.audit;
    exports org.mydata.operator.background;
    exports org.mydata.operator.consent;
    exports org.mydata.operator.export;
    exports org.mydata.operator.failure;
    exports org.mydata.operator.files;
    exports org.mydata.operator.formats;
    exports org.mydata.operator.json;
    exports org.mydata.operator.link;
    exports org.mydata.operator.log;
    exports org.mydata.operator.notify;
    exports org.mydata.operator.optout;
    exports org.mydata.operator.permit;
    exports org.mydata.operator.programme;
    exports org.mydata.operator.release;
    exports org.mydata.operator.representation;
    exports org.mydata.operator.request;
    exports org.mydata.operator.signing;
    exports org.mydata.operator.source;
    exports org.mydata.operator.statistics;
    exports org.mydata.operator.store;

    // Resources other modules look up by name, were the descriptor read: Flyway scans db/migration.
    opens db.migration;
}

/**
 * The auditor's verifier: what a program that embeds it may use (docs/auditing.md, "Embedding the verifier").
 * Every package but {@code org.mydata.operator.verify}, which holds only the command line, is exported: the
 * operator's own modules build on each of them. Nimbus (JWS, JWKS) and Tink (Ed25519) are the only
 * dependencies; Nimbus is a named module, Tink an automatic one (its Automatic-Module-Name).
 */
module org.mydata.operator.verify {
    requires transitive com.nimbusds.jose.jwt; // its JWKSet is in the API (RecordVerifier, LogAudit)
    requires com.google.crypto.tink;
    requires java.net.http;

    exports org.mydata.operator.verify.access;
    exports org.mydata.operator.verify.audit;
    exports org.mydata.operator.verify.consent;
    exports org.mydata.operator.verify.log;
    exports org.mydata.operator.verify.release;
    exports org.mydata.operator.verify.signing;
}

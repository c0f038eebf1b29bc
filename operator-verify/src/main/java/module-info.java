/**
 * The auditor's verifier: what a program that embeds it may use (docs/auditing.md, "Embedding the verifier").
 * Exported: the packages the operator's own modules import, no more (operator-api's ArchitectureTest checks
 * it) — the command line ({@code VerifyCommand.run}, which the operator's own {@code verify} runs) and the six
 * packages of records, proofs and reports. Not exported: {@code verify.json}, the one rule every reader of
 * JSON numbers follows. Nimbus (JWS, JWKS) and Tink (Ed25519) are the only dependencies; Nimbus is a named
 * module, Tink an automatic one (its Automatic-Module-Name).
 */
module org.mydata.operator.verify {
    requires transitive com.nimbusds.jose.jwt; // its JWKSet is in the API (RecordVerifier, LogAudit)
    requires com.google.crypto.tink;
    requires java.net.http;

    exports org.mydata.operator.verify;
    exports org.mydata.operator.verify.access;
    exports org.mydata.operator.verify.audit;
    exports org.mydata.operator.verify.consent;
    exports org.mydata.operator.verify.log;
    exports org.mydata.operator.verify.release;
    exports org.mydata.operator.verify.signing;
}

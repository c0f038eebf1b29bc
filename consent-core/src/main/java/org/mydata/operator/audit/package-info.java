/**
 * Auditing a consent, and the whole log, with nothing but the operator's public keys.
 *
 * <p>{@link org.mydata.operator.audit.AuditBundles} (PostgreSQL) gathers everything that bears on one
 * consent: its consent record, every status record, the service links it relies on, and every access
 * event that relied on it, each with an inclusion proof against one signed checkpoint, and
 * {@code AuditBundleAsFhir} (HAPI) shows it as FHIR. The rest is pure, runs offline, and lives in the
 * auditor's module operator-verify (same package), which the server depends on: {@link org.mydata.operator.verify.audit.AuditBundle} and {@link org.mydata.operator.verify.audit.AuditJson}
 * are the bundle and its wire form, {@link org.mydata.operator.verify.audit.BundleVerifier} checks a bundle
 * against a JWKS (and against a checkpoint the auditor kept earlier), and
 * {@link org.mydata.operator.verify.audit.LogAudit} walks the entire log, recomputing the signed root and every
 * consent's status chain. Both report one {@link org.mydata.operator.verify.audit.Check} per thing checked.
 * See docs/auditing.md.
 */
package org.mydata.operator.audit;

/**
 * The transparency log: an RFC 9162 Merkle tree over every record the operator signs and every data
 * access it brokers, with signed checkpoints (JWS and C2SP tlog-checkpoint notes) and the proofs that
 * let an auditor check it without trusting the operator's database.
 *
 * <p>Pure pieces, in the auditor's module operator-verify (same package): {@link org.mydata.operator.verify.log.MerkleTree}
 * (hashing, roots, inclusion and consistency proofs from any {@link org.mydata.operator.verify.log.SubtreeHashes}
 * source), {@link org.mydata.operator.verify.log.LogVerifier}, {@link org.mydata.operator.verify.log.TreeFrontier},
 * {@link org.mydata.operator.verify.log.MemoryTree}, {@link org.mydata.operator.verify.log.Checkpoint}, and the note format
 * ({@link org.mydata.operator.verify.log.SignedNote}, {@link org.mydata.operator.verify.log.CheckpointNote}).
 * PostgreSQL pieces: {@link org.mydata.operator.log.TransparencyLog} (appends inside the caller's
 * transaction, reads, proofs) and {@link org.mydata.operator.log.LogWriter} (the elected single writer
 * that integrates batches and signs checkpoints). See docs/transparency-log.md.
 */
package org.mydata.operator.log;

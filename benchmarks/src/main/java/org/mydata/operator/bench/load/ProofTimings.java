package org.mydata.operator.bench.load;

import java.util.SplittableRandom;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.verify.log.ConsistencyProof;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.InclusionProof;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.LogVerifier;

/**
 * Inclusion and consistency proofs at one tree size, timed as an auditor asks for them: random leaves and random
 * earlier sizes, after 300 unrecorded rounds of warm-up, every 100th proof checked against the root so the timing
 * cannot be of a wrong answer. Scenarios 5 (log) and 7 (scale) both measure proofs this way.
 *
 * @param inclusion   nanoseconds per inclusion proof
 * @param consistency nanoseconds per consistency proof
 */
record ProofTimings(long[] inclusion, long[] consistency) {

    static ProofTimings measure(TransparencyLog log, long size, boolean quick) throws Exception {
        SplittableRandom random = new SplittableRandom(size);
        int samples = quick ? 500 : 2000;
        long[] inclusion = new long[samples];
        long[] consistency = new long[samples];
        Hash root = log.rootHash(size);
        for (int i = -300; i < samples; i++) {
            long index = random.nextLong(size);
            long t0 = System.nanoTime();
            InclusionProof proof = log.inclusionProof(index, size);
            long t1 = System.nanoTime();
            long first = 1 + random.nextLong(size - 1);
            long t2 = System.nanoTime();
            ConsistencyProof cp = log.consistencyProof(first, size);
            long t3 = System.nanoTime();
            if (i >= 0) {
                inclusion[i] = t1 - t0;
                consistency[i] = t3 - t2;
            }
            if (i % 100 == 0) {
                LogEntry entry = log.entry(index).orElseThrow();
                LogVerifier.verifyInclusion(proof, entry.leafHash(), root);
                LogVerifier.verifyConsistency(cp, log.rootHash(first), root);
            }
        }
        return new ProofTimings(inclusion, consistency);
    }
}

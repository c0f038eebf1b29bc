package org.mydata.operator.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.MerkleTree;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** SHA-256(0x00 || entry) of a status-record-sized entry (~650 bytes): the per-entry CPU cost of a full-log verify. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LeafHashBenchmark {
    private final byte[] entry = new byte[650];

    @Benchmark
    public Hash leafHash() {
        return MerkleTree.leafHash(entry);
    }
}

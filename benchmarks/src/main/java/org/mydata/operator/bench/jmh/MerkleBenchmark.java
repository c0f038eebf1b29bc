package org.mydata.operator.bench.jmh;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.MemoryTree;
import org.mydata.operator.verify.log.MerkleTree;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The Merkle math alone (RFC 9162 roots and proofs over {@link MemoryTree}, no database): how long a root,
 * an inclusion proof and a consistency proof take at 10^4, 10^5 and 10^6 leaves. They should grow like
 * log n; the log scenario measures the same through PostgreSQL.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MerkleBenchmark {

    @Param({"10000", "100000", "1000000"})
    public int size;

    private MemoryTree tree;
    private final SplittableRandom random = new SplittableRandom(42);

    @Setup
    public void setUp() {
        tree = new MemoryTree();
        for (int i = 0; i < size; i++) {
            tree.appendLeafHash(MerkleTree.leafHash(ByteBuffer.allocate(8).putLong(i).array()));
        }
    }

    @Benchmark
    public Hash root() {
        return tree.root(size - random.nextInt(3));
    }

    @Benchmark
    public List<Hash> inclusionProof() {
        return tree.inclusionProof(random.nextInt(size), size);
    }

    @Benchmark
    public List<Hash> consistencyProof() {
        return tree.consistencyProof(1 + random.nextInt(size - 1), size);
    }
}

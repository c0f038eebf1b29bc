package org.mydata.operator.verify.log;

import org.mydata.operator.verify.testing.NaiveMerkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogVerifierTest {
    private final List<byte[]> d = NaiveMerkle.entries(21);
    private final MemoryTree tree = MemoryTree.of(d);

    @Test
    void everyAlteredInclusionProofFails() {
        for (int n = 1; n <= 21; n++) {
            Hash root = tree.root(n);
            for (int m = 0; m < n; m++) {
                List<Hash> proof = tree.inclusionProof(m, n);
                Hash leaf = MerkleTree.leafHash(d.get(m));
                int size = n;
                int index = m;
                for (int at = 0; at < proof.size(); at++) {
                    List<Hash> flipped = flip(proof, at);
                    assertThatThrownBy(() -> LogVerifier.verifyInclusion(index, size, leaf, flipped, root))
                            .isInstanceOf(InvalidProofException.class);
                }
                if (!proof.isEmpty()) {
                    assertThatThrownBy(() -> LogVerifier.verifyInclusion(index, size, leaf,
                            proof.subList(0, proof.size() - 1), root)).isInstanceOf(InvalidProofException.class);
                }
                List<Hash> longer = new ArrayList<>(proof);
                longer.add(leaf);
                assertThatThrownBy(() -> LogVerifier.verifyInclusion(index, size, leaf, longer, root))
                        .isInstanceOf(InvalidProofException.class);
                // the same path does not prove a neighbour's place
                if (n > 1) {
                    int other = (m + 1) % n;
                    assertThatThrownBy(() -> LogVerifier.verifyInclusion(other, size, leaf, proof, root))
                            .isInstanceOf(InvalidProofException.class);
                }
            }
        }
    }

    @Test
    void everyAlteredConsistencyProofFails() {
        for (int n = 2; n <= 21; n++) {
            for (int m = 1; m < n; m++) {
                List<Hash> proof = tree.consistencyProof(m, n);
                Hash first = tree.root(m);
                Hash second = tree.root(n);
                int from = m;
                int to = n;
                for (int at = 0; at < proof.size(); at++) {
                    List<Hash> flipped = flip(proof, at);
                    assertThatThrownBy(() -> LogVerifier.verifyConsistency(from, to, first, second, flipped))
                            .isInstanceOf(InvalidProofException.class);
                }
                assertThatThrownBy(() -> LogVerifier.verifyConsistency(from, to, first, second,
                        proof.subList(0, proof.size() - 1))).isInstanceOf(InvalidProofException.class);
                List<Hash> longer = new ArrayList<>(proof);
                longer.add(first);
                assertThatThrownBy(() -> LogVerifier.verifyConsistency(from, to, first, second, longer))
                        .isInstanceOf(InvalidProofException.class);
                assertThatThrownBy(() -> LogVerifier.verifyConsistency(from, to, second, first, proof))
                        .isInstanceOf(InvalidProofException.class);
            }
        }
    }

    @Test
    void edgeCasesFollowTheRfc() {
        Hash root = tree.root(5);
        assertThatCode(() -> LogVerifier.verifyConsistency(5, 5, root, root, List.of())).doesNotThrowAnyException();
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(5, 5, root, tree.root(6), List.of()))
                .hasMessageContaining("same tree size");
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(5, 5, root, root, List.of(root)))
                .isInstanceOf(InvalidProofException.class);
        assertThatCode(() -> LogVerifier.verifyConsistency(0, 5, MerkleTree.emptyRoot(), root, List.of()))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(3, 5, tree.root(3), root, List.of()))
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(6, 5, root, root, List.of()))
                .isInstanceOf(InvalidProofException.class);
        assertThatThrownBy(() -> LogVerifier.verifyInclusion(5, 5, root, List.of(), root))
                .hasMessageContaining("not inside");
        Hash single = MerkleTree.leafHash(d.get(0));
        assertThatCode(() -> LogVerifier.verifyInclusion(0, 1, single, List.of(), single)).doesNotThrowAnyException();
    }

    @Test
    void rootsAreRecomputedFromEntriesOrFromLeafHashesAlone() {
        assertThat(LogVerifier.rootOf(d)).isEqualTo(new Hash(NaiveMerkle.mth(d)));
        assertThat(LogVerifier.rootOf(List.of())).isEqualTo(MerkleTree.emptyRoot());
        assertThat(LogVerifier.rootOfLeafHashes(d.stream().map(MerkleTree::leafHash).toList())).isEqualTo(tree.root());
    }

    private static List<Hash> flip(List<Hash> proof, int at) {
        List<Hash> out = new ArrayList<>(proof);
        byte[] bytes = out.get(at).bytes();
        bytes[bytes.length - 1] ^= 1;
        out.set(at, new Hash(bytes));
        return out;
    }
}

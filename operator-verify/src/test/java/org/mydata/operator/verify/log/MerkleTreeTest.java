package org.mydata.operator.verify.log;

import org.mydata.operator.verify.testing.NaiveMerkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mydata.operator.verify.testing.NaiveMerkle.leaf;
import static org.mydata.operator.verify.testing.NaiveMerkle.node;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {
    private static final int MAX = 64;

    /** The leaves of the Certificate Transparency reference implementation's tests. */
    private static final List<byte[]> CT_LEAVES = List.of("", "00", "10", "2021", "3031", "40414243",
            "5051525354555657", "606162636465666768696a6b6c6d6e6f").stream().map(HexFormat.of()::parseHex).toList();
    private static final List<String> CT_ROOTS = List.of(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

    @Test
    void hashesAreDomainSeparated() {
        byte[] entry = {1, 2, 3};
        assertThat(MerkleTree.leafHash(entry).bytes()).isEqualTo(NaiveMerkle.sha256(new byte[] {0}, entry));
        Hash a = MerkleTree.leafHash(new byte[] {1});
        Hash b = MerkleTree.leafHash(new byte[] {2});
        assertThat(MerkleTree.nodeHash(a, b).bytes()).isEqualTo(NaiveMerkle.sha256(new byte[] {1}, a.bytes(), b.bytes()));
        assertThat(MerkleTree.emptyRoot().hex()).isEqualTo(CT_ROOTS.get(0));
    }

    @Test
    void rootsOfTheCertificateTransparencyTestTreesOfSizesZeroToEight() {
        for (int n = 0; n <= 8; n++) {
            MemoryTree tree = MemoryTree.of(CT_LEAVES.subList(0, n));
            assertThat(tree.root().hex()).as("size %d", n).isEqualTo(CT_ROOTS.get(n));
            assertThat(MerkleTree.root(n, tree).hex()).as("size %d from subtrees", n).isEqualTo(CT_ROOTS.get(n));
        }
    }

    @Test
    void rootsOfHandBuiltTreesOfSizesZeroToEight() {
        List<byte[]> d = NaiveMerkle.entries(8);
        byte[][] l = new byte[8][];
        for (int i = 0; i < 8; i++) {
            l[i] = leaf(d.get(i));
        }
        byte[] n01 = node(l[0], l[1]);
        byte[] n23 = node(l[2], l[3]);
        byte[] n45 = node(l[4], l[5]);
        byte[] n67 = node(l[6], l[7]);
        byte[] n0123 = node(n01, n23);
        List<byte[]> expected = List.of(
                NaiveMerkle.sha256(),
                l[0],
                n01,
                node(n01, l[2]),
                n0123,
                node(n0123, l[4]),
                node(n0123, n45),
                node(n0123, node(n45, l[6])),
                node(n0123, node(n45, n67)));
        for (int n = 0; n <= 8; n++) {
            assertThat(MemoryTree.of(d.subList(0, n)).root().bytes()).as("size %d", n).isEqualTo(expected.get(n));
            assertThat(NaiveMerkle.mth(d.subList(0, n))).isEqualTo(expected.get(n));
        }
    }

    @Test
    void theRfcSevenLeafExampleHasTheDocumentedPathsAndProofs() {
        // RFC 6962 section 2.1.3: leaves a..f and j, interior g = (a,b), h = (c,d), i = (e,f), k = (g,h), l = (i,j).
        List<byte[]> d = NaiveMerkle.entries(7);
        MemoryTree tree = MemoryTree.of(d);
        Hash a = leafHash(d, 0);
        Hash b = leafHash(d, 1);
        Hash c = leafHash(d, 2);
        Hash dd = leafHash(d, 3);
        Hash e = leafHash(d, 4);
        Hash f = leafHash(d, 5);
        Hash j = leafHash(d, 6);
        Hash g = MerkleTree.nodeHash(a, b);
        Hash h = MerkleTree.nodeHash(c, dd);
        Hash i = MerkleTree.nodeHash(e, f);
        Hash k = MerkleTree.nodeHash(g, h);
        Hash l = MerkleTree.nodeHash(i, j);
        assertThat(tree.root()).isEqualTo(MerkleTree.nodeHash(k, l));

        assertThat(tree.inclusionProof(0, 7)).containsExactly(b, h, l);
        assertThat(tree.inclusionProof(3, 7)).containsExactly(c, g, l);
        assertThat(tree.inclusionProof(4, 7)).containsExactly(f, j, k);
        assertThat(tree.inclusionProof(6, 7)).containsExactly(i, k);

        // RFC 6962 section 2.1.3's consistency examples between the trees of 3, 4, 6 and 7 leaves.
        assertThat(tree.consistencyProof(3, 7)).containsExactly(c, dd, g, l);
        assertThat(tree.consistencyProof(4, 7)).containsExactly(l);
        assertThat(tree.consistencyProof(6, 7)).containsExactly(i, j, k);
    }

    @Test
    void proofsMatchTheCertificateTransparencyReferenceVectors() {
        MemoryTree tree = MemoryTree.of(CT_LEAVES);
        assertThat(hex(tree.inclusionProof(0, 8))).containsExactly(
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        assertThat(hex(tree.consistencyProof(1, 8))).containsExactly(
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        assertThat(hex(tree.consistencyProof(6, 8))).containsExactly(
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        assertThat(hex(tree.consistencyProof(2, 5))).containsExactly(
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
        assertThat(tree.consistencyProof(1, 1)).isEmpty();
    }

    @Test
    void everyInclusionProofUpToSixtyFourLeavesIsTheRfcPathAndVerifies() throws Exception {
        List<byte[]> d = NaiveMerkle.entries(MAX);
        MemoryTree tree = MemoryTree.of(d);
        for (int n = 1; n <= MAX; n++) {
            Hash root = tree.root(n);
            assertThat(root.bytes()).isEqualTo(NaiveMerkle.mth(d.subList(0, n)));
            for (int m = 0; m < n; m++) {
                List<Hash> proof = tree.inclusionProof(m, n);
                assertThat(proof).as("PATH(%d, D[%d])", m, n)
                        .isEqualTo(NaiveMerkle.hashes(NaiveMerkle.path(m, d.subList(0, n))));
                LogVerifier.verifyInclusion(m, n, leafHash(d, m), proof, root);
            }
        }
    }

    @Test
    void everyConsistencyProofBetweenSizesUpToSixtyFourIsTheRfcProofAndVerifies() throws Exception {
        List<byte[]> d = NaiveMerkle.entries(MAX);
        MemoryTree tree = MemoryTree.of(d);
        for (int n = 0; n <= MAX; n++) {
            for (int m = 0; m <= n; m++) {
                List<Hash> proof = tree.consistencyProof(m, n);
                if (m > 0 && m < n) {
                    assertThat(proof).as("PROOF(%d, D[%d])", m, n)
                            .isEqualTo(NaiveMerkle.hashes(NaiveMerkle.proof(m, d.subList(0, n))));
                } else {
                    assertThat(proof).isEmpty();
                }
                LogVerifier.verifyConsistency(m, n, tree.root(m), tree.root(n), proof);
            }
        }
    }

    @Test
    void aChangedLeafBreaksInclusionAndConsistency() {
        int max = 24;
        List<byte[]> d = NaiveMerkle.entries(max);
        MemoryTree original = MemoryTree.of(d);
        for (int n = 1; n <= max; n++) {
            for (int changed = 0; changed < n; changed++) {
                List<byte[]> forged = new ArrayList<>(d.subList(0, n));
                forged.set(changed, "forged".getBytes());
                MemoryTree tree = MemoryTree.of(forged);
                Hash root = original.root(n);
                for (int m = 0; m < n; m++) {
                    int leaf = m;
                    // whatever the forged tree proves about its own leaves, it proves against its own root
                    assertThatThrownBy(() -> LogVerifier.verifyInclusion(leaf, tree.size(),
                            MerkleTree.leafHash(forged.get(leaf)), tree.inclusionProof(leaf, tree.size()), root))
                            .as("leaf %d of %d, leaf %d changed", leaf, n, changed)
                            .isInstanceOf(InvalidProofException.class);
                    // and what the signed tree proves does not hold for the forged one
                    assertThatThrownBy(() -> LogVerifier.verifyInclusion(leaf, tree.size(), leafHash(d, leaf),
                            original.inclusionProof(leaf, tree.size()), tree.root()))
                            .isInstanceOf(InvalidProofException.class);
                }
                // History rewritten before m: no proof from the forged tree links the old root to it.
                for (int m = changed + 1; m <= n; m++) {
                    int first = m;
                    assertThatThrownBy(() -> LogVerifier.verifyConsistency(first, tree.size(), original.root(first),
                            tree.root(), tree.consistencyProof(first, tree.size())))
                            .as("from %d to %d, leaf %d changed", first, n, changed)
                            .isInstanceOf(InvalidProofException.class);
                }
            }
        }
    }

    @Test
    void rangesAreCoveredByAlignedSubtrees() {
        assertThat(MerkleTree.cover(0, 0)).isEmpty();
        assertThat(MerkleTree.cover(0, 7)).containsExactly(new Subtree(2, 0), new Subtree(1, 2), new Subtree(0, 6));
        assertThat(MerkleTree.cover(8, 13)).containsExactly(new Subtree(2, 2), new Subtree(0, 12));
        assertThatThrownBy(() -> MerkleTree.cover(3, 7)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Subtree(3, 5).start()).isEqualTo(40);
        assertThat(new Subtree(3, 5).end()).isEqualTo(48);
    }

    @Test
    void proofsAreRefusedOutsideTheTree() {
        MemoryTree tree = MemoryTree.of(NaiveMerkle.entries(5));
        assertThatThrownBy(() -> tree.inclusionProof(5, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tree.inclusionProof(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tree.inclusionProof(0, 6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tree.consistencyProof(4, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatCode(() -> tree.consistencyProof(0, 5)).doesNotThrowAnyException();
    }

    @Test
    void theFrontierResumesWhereTheTreeStoodAndReportsWhatEachLeafCompletes() {
        List<byte[]> d = NaiveMerkle.entries(40);
        MemoryTree whole = MemoryTree.of(d);
        for (int size = 0; size <= 40; size++) {
            TreeFrontier resumed = TreeFrontier.load(size, whole);
            assertThat(resumed.root()).isEqualTo(whole.root(size));
            for (int i = size; i < 40; i++) {
                List<SubtreeHash> completed = resumed.append(leafHash(d, i));
                // leaf i completes one subtree per trailing one bit of i
                assertThat(completed).hasSize(Long.numberOfTrailingZeros(~(long) i));
                for (SubtreeHash s : completed) {
                    assertThat(s.hash()).isEqualTo(whole.hash(s.subtree()));
                    assertThat(s.subtree().end()).isEqualTo(i + 1);
                }
            }
            assertThat(resumed.root()).isEqualTo(whole.root());
        }
        assertThat(LogVerifier.rootOf(d)).isEqualTo(whole.root());
    }

    private static Hash leafHash(List<byte[]> d, int i) {
        return MerkleTree.leafHash(d.get(i));
    }

    private static List<String> hex(List<Hash> hashes) {
        return hashes.stream().map(Hash::hex).toList();
    }
}

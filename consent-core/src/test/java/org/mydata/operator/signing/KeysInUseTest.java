package org.mydata.operator.signing;

import org.mydata.operator.verify.signing.RecordType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.log.LogAppends;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.store.Transactions;
import org.mydata.operator.testing.TestPostgres;

/** The database knows which keys signed its records, and a key ring lacking one of them is refused. */
class KeysInUseTest {
    private static final char[] PASSWORD = "test".toCharArray();
    private final Clock clock = Clock.systemUTC();

    @Test
    void theKidsOfLoggedRecordsAreKeptAndAMissingKeystoreIsNotReplaced(@TempDir Path dir) throws Exception {
        DataSource db = TestPostgres.freshDatabase();
        Transactions tx = new Transactions(db);
        TransparencyLog log = new TransparencyLog(tx);
        assertThat(KeysInUse.read(db)).isEmpty();

        Path keystore = dir.resolve("operator.p12");
        KeystoreKeyRing ring = KeystoreKeyRing.openOrCreate(keystore, PASSWORD, "operator", SigningAlgorithm.EDDSA, clock,
                KeysInUse.read(db));
        String first = ring.activeKeyId();
        String record = ring.sign(RecordType.KEY_ROTATION, Map.of("kid", first, "iat", 1));
        // An access event's entry is JSON, not a JWS: it names no key.
        byte[] json = "{\"type\":\"access\",\"n\":1.5}".getBytes(StandardCharsets.UTF_8);
        tx.inTransaction(c -> LogAppends.appendAll(c, List.of(record.getBytes(StandardCharsets.US_ASCII), json)));
        assertThat(KeysInUse.read(db)).containsExactly(first);

        String second = ring.rotate().keyId();
        tx.inTransaction(c -> LogAppends.append(c, ring.sign(RecordType.KEY_ROTATION, Map.of("kid", second, "iat", 2))
                .getBytes(StandardCharsets.US_ASCII)));
        assertThat(KeysInUse.read(db)).containsExactlyInAnyOrder(first, second);

        // The keystore is lost: a new one is not made over signed records, and the refusal names the keys.
        Files.delete(keystore);
        assertThatThrownBy(() -> KeystoreKeyRing.openOrCreate(keystore, PASSWORD, "operator", SigningAlgorithm.EDDSA,
                clock, KeysInUse.read(db)))
                .isInstanceOf(MissingSigningKeysException.class)
                .hasMessageContaining(first).hasMessageContaining(second)
                .satisfies(e -> assertThat(((MissingSigningKeysException) e).missing()).containsExactlyInAnyOrder(first, second));
        assertThat(keystore).doesNotExist();

        // Another keystore, with other keys, is refused too.
        Path other = dir.resolve("other.p12");
        KeystoreKeyRing stranger = KeystoreKeyRing.openOrCreate(other, PASSWORD, "operator", SigningAlgorithm.EDDSA, clock);
        assertThatThrownBy(() -> stranger.requireKeys(KeysInUse.read(db)))
                .isInstanceOf(MissingSigningKeysException.class).hasMessageContaining(first);
        stranger.requireKeys(Set.of(stranger.activeKeyId()));
    }
}

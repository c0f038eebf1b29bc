package org.mydata.operator.source;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.UUID;
import org.mydata.operator.files.PrivateFiles;

/**
 * Seals the secrets the operator holds for its sources (passwords, client secrets) before they go to the
 * database, with AES-256-GCM through Google Tink's AEAD. The key is a Tink keyset in a file beside the signing
 * keystore, never in the database: a copy of the database alone does not give the secrets away. Each secret is
 * bound to its source and field (the AEAD's associated data), so sealed values cannot be swapped between rows.
 *
 * <p>A keyset may hold several keys: the primary seals, all of them open. Rotating is adding a new primary
 * (docs/operating.md, Secrets at rest); {@link #rotated()} tells the registry to seal everything again.
 */
public final class SourceSecrets {
    public static final String FILE_NAME = "source-secrets.json";

    private final Aead aead;
    private final int keys;

    private SourceSecrets(KeysetHandle keyset) throws GeneralSecurityException {
        this.aead = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
        this.keys = keyset.size();
    }

    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The keyset in {@code file}; made ({@code 0600}) when there is none and {@code mayCreate}, which the caller
     * allows only while the database holds no sealed secret (a new key would make those unreadable).
     */
    public static SourceSecrets open(Path file, boolean mayCreate) {
        try {
            if (!Files.exists(file)) {
                if (!mayCreate) {
                    throw new IllegalStateException("the key for source secrets " + file + " does not exist, but the "
                            + "database holds sealed source secrets; restore it from the backup taken with the "
                            + "keys directory (docs/operating.md, Secrets at rest)");
                }
                KeysetHandle fresh = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
                PrivateFiles.directory(file.toAbsolutePath().getParent());
                PrivateFiles.write(file, TinkJsonProtoKeysetFormat.serializeKeyset(fresh, InsecureSecretKeyAccess.get())
                        .getBytes(StandardCharsets.UTF_8));
            }
            return new SourceSecrets(TinkJsonProtoKeysetFormat.parseKeyset(
                    Files.readString(file, StandardCharsets.UTF_8), InsecureSecretKeyAccess.get()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the key for source secrets " + file + " cannot be read or made", e);
        }
    }

    /** A key that lives as long as the process: for tests and tools that keep nothing. */
    public static SourceSecrets ephemeral() {
        try {
            return new SourceSecrets(KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the keyset holds more than one key, so that secrets sealed by an older one should be sealed anew. */
    boolean rotated() {
        return keys > 1;
    }

    String seal(String secret, UUID sourceId, String field) {
        try {
            return Base64.getEncoder().encodeToString(aead.encrypt(secret.getBytes(StandardCharsets.UTF_8),
                    context(sourceId, field)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a source secret could not be sealed", e);
        }
    }

    public String open(String sealed, UUID sourceId, String field) {
        try {
            return new String(aead.decrypt(Base64.getDecoder().decode(sealed), context(sourceId, field)),
                    StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("the " + field + " of source " + sourceId + " cannot be opened with the "
                    + "key for source secrets (a different key, or the value was altered)");
        }
    }

    private static byte[] context(UUID sourceId, String field) {
        return ("fhir_source/" + sourceId + "/" + field).getBytes(StandardCharsets.UTF_8);
    }
}

package org.mydata.operator.verify.log;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.mydata.operator.verify.json.JsonNumbers;
import org.mydata.operator.verify.signing.InvalidRecordException;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.VerifiedRecord;

/**
 * A signed tree head: the log had treeSize entries whose Merkle root is rootHash at issuedAt. The JWS
 * (type {@code checkpoint+jwt}, operator key) carries {@code {tree_size, root_hash, iat}} with the root in
 * standard base64, as in the C2SP note form, so one string compares with the other. issuedAt has whole
 * seconds because iat does.
 */
public record Checkpoint(long treeSize, Hash rootHash, Instant issuedAt, String jws) {
    public Checkpoint {
        if (treeSize < 0) {
            throw new IllegalArgumentException("tree size must not be negative");
        }
        Objects.requireNonNull(rootHash, "rootHash");
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(jws, "jws");
    }

    /** The JWS payload for a checkpoint. */
    public static Map<String, Object> claims(long treeSize, Hash rootHash, Instant issuedAt) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("tree_size", treeSize);
        claims.put("root_hash", rootHash.base64());
        claims.put("iat", issuedAt.getEpochSecond());
        return claims;
    }

    /**
     * Reads a checkpoint from a record whose signature {@link org.mydata.operator.verify.signing.RecordVerifier}
     * has already checked against the operator's JWKS.
     */
    public static Checkpoint fromRecord(VerifiedRecord record) throws InvalidRecordException {
        if (record.type() != RecordType.CHECKPOINT) {
            throw new InvalidRecordException("the record is a " + record.type().mediaType() + ", not a checkpoint");
        }
        long size = wholeNumber(record.claims(), "tree_size");
        long iat = wholeNumber(record.claims(), "iat");
        if (size < 0) {
            throw new InvalidRecordException("the checkpoint's tree_size is negative");
        }
        if (!(record.claims().get("root_hash") instanceof String root)) {
            throw new InvalidRecordException("the checkpoint has no root_hash");
        }
        Hash rootHash;
        try {
            rootHash = Hash.fromBase64(root);
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException("the checkpoint's root_hash is not a base64 SHA-256 hash", e);
        }
        return new Checkpoint(size, rootHash, Instant.ofEpochSecond(iat), record.compact());
    }

    private static long wholeNumber(Map<String, Object> claims, String name) throws InvalidRecordException {
        Long value = JsonNumbers.wholeNumber(claims.get(name));
        if (value == null) {
            throw new InvalidRecordException("the checkpoint's " + name + " is not a whole number");
        }
        return value;
    }
}

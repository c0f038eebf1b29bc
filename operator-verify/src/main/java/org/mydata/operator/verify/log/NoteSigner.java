package org.mydata.operator.verify.log;

/**
 * Signs C2SP signed notes (https://c2sp.org/signed-note): the smallest thing the log needs from a key,
 * so that operator code can back it with whatever holds the private key.
 */
public interface NoteSigner {

    /** The key name on the signature line: non-empty, no Unicode spaces, no '+'. */
    String keyName();

    /** The 32-bit key ID that starts every signature, see {@link NoteKeys#ed25519KeyId}. */
    int keyId();

    /** The raw signature over the note text (which ends in a newline). */
    byte[] sign(byte[] text);
}

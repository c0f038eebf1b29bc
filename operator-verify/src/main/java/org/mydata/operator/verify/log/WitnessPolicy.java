package org.mydata.operator.verify.log;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which witnesses an auditor trusts and how many of them must have cosigned a checkpoint before it is believed:
 * k of n. A checkpoint cosigned by k witnesses that each refuse to cosign two inconsistent trees of one log
 * cannot be one side of a split view unless k witnesses collude, which is what makes a fork shown to one
 * auditor and not another detectable. An empty policy (no witnesses, k = 0) believes the log's signature alone.
 */
public record WitnessPolicy(List<WitnessKey> witnesses, int required) {
    public WitnessPolicy {
        witnesses = List.copyOf(witnesses);
        if (required < 0 || required > witnesses.size()) {
            throw new IllegalArgumentException("a policy of " + witnesses.size() + " witnesses cannot require "
                    + required + " cosignatures");
        }
        Set<Integer> ids = new LinkedHashSet<>();
        for (WitnessKey w : witnesses) {
            if (!ids.add(w.keyId())) {
                throw new IllegalArgumentException("witness " + w.name() + " is listed twice");
            }
        }
    }

    public static WitnessPolicy none() {
        return new WitnessPolicy(List.of(), 0);
    }

    public boolean isEmpty() {
        return witnesses.isEmpty();
    }

    /** The witnesses whose valid cosignature the note carries, each once, in policy order. */
    public List<String> cosigners(String note) throws InvalidProofException {
        SignedNote.Parsed parsed = SignedNote.parse(note);
        List<String> out = new ArrayList<>();
        for (WitnessKey w : witnesses) {
            for (SignedNote.Signature s : parsed.signatures()) {
                if (w.verify(parsed.text(), s).isPresent()) {
                    out.add(w.name());
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Refuses a note with fewer than {@code required} valid cosignatures of the policy's witnesses.
     *
     * @return the witnesses that cosigned
     */
    public List<String> require(String note) throws InvalidProofException {
        List<String> cosigners = cosigners(note);
        if (cosigners.size() < required) {
            throw new InvalidProofException("the checkpoint carries " + cosigners.size() + " valid cosignature"
                    + (cosigners.size() == 1 ? "" : "s") + " of the witnesses trusted"
                    + (cosigners.isEmpty() ? "" : " (" + String.join(", ", cosigners) + ")") + ", the policy requires "
                    + required);
        }
        return cosigners;
    }
}

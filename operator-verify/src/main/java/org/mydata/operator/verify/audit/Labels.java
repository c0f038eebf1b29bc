package org.mydata.operator.verify.audit;

/** How reports name records: kind, log index and id, the same way everywhere. */
final class Labels {
    private Labels() {
    }

    static String record(String kind, Long logIndex, ReadRecord record) {
        String idClaim = switch (kind) {
            case "cr" -> "cr_id";
            case "csr" -> "csr_id";
            case "slr", "slr-removal" -> "slr_id";
            case "permit", "permit-revocation" -> "permit_id";
            case "decision" -> "request_id";
            case "opt-out" -> "opt_out_id";
            default -> null;
        };
        String id = idClaim == null || record == null ? null : record.string(idClaim);
        return kind + " " + (logIndex == null ? "(no log index)" : "#" + logIndex)
                + (id == null ? "" : " (" + idClaim + " " + id + ")");
    }

    static String accessEvent(long logIndex, String eventId) {
        return "access event #" + logIndex + (eventId == null ? "" : " (event_id " + eventId + ")");
    }
}

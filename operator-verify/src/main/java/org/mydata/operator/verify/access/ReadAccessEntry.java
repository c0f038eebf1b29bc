package org.mydata.operator.verify.access;

/** What reading one logged access event gave: the event as {@link AccessEntry}, or why it is not one. */
public sealed interface ReadAccessEntry permits AccessEntry, ReadAccessEntry.Malformed {

    /**
     * An entry that is not an access event as consent-core's {@code AccessLog.canonicalEntry} writes them.
     *
     * @param eventId its {@code event_id} if that much could be read, for naming it in a report; else null
     * @param problem what is wrong, in words
     */
    record Malformed(String eventId, String problem) implements ReadAccessEntry {
    }
}

package org.mydata.operator.gateway;

import java.util.Optional;

/**
 * A FHIR reference to a resource of the same server, as the gateway reads one: {@code Type/id}, or
 * {@code Type/id/_history/version}, or either after the server's own base URL. Anything else (another server,
 * a URN, a contained {@code #id}) is no reference the gateway follows. The broker (a resource's subject), the
 * pseudonymiser (references it rewrites) and the search's {@code _include} all read references here.
 *
 * @param versioned whether it names a version ({@code _history})
 */
public record SourceReference(String type, String id, boolean versioned) {

    /**
     * @param base the server's base URL, whose absolute references are read as relative ones; null for none
     * @return empty when the reference names no resource of that server
     */
    public static Optional<SourceReference> parse(String reference, String base) {
        if (reference == null) {
            return Optional.empty();
        }
        String target = reference;
        if (base != null && target.startsWith(base + "/")) {
            target = target.substring(base.length() + 1);
        }
        String[] parts = target.split("/");
        boolean relative = (parts.length == 2 || (parts.length == 4 && parts[2].equals("_history")))
                && !target.contains(":") && !target.startsWith("#") && !parts[1].isBlank();
        return relative ? Optional.of(new SourceReference(parts[0], parts[1], parts.length == 4)) : Optional.empty();
    }
}

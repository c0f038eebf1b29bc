package org.mydata.operator.source;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.mydata.operator.failure.InvalidRequestException;

/**
 * Which hosts the operator may connect to as FHIR sources (and their token endpoints). A source's URL is
 * given by an administrator, but the operator, not the administrator, makes the connection: from inside the
 * operator's network, where cloud metadata services and local admin ports answer. So by default an address
 * that is loopback ({@code 127.0.0.0/8}, {@code ::1}), link-local ({@code 169.254.0.0/16}, {@code fe80::/10},
 * which holds the metadata service at {@code 169.254.169.254}), unspecified ({@code 0.0.0.0/8}, {@code ::}),
 * multicast, or the EC2 IPv6 metadata address {@code fd00:ec2::254} is refused, also when it is embedded in an
 * IPv6 address (IPv4-compatible, NAT64). Private networks (10/8, 172.16/12, 192.168/16, fc00::/7) stay
 * allowed: hospital servers live there.
 *
 * <p>An operator allows more by name ({@code fhir.internal}), address ({@code 127.0.0.1}) or range
 * ({@code 10.1.0.0/16}). It is checked twice: at registration, and at every connection on the address the
 * client actually connects to ({@link #resolve}), so that a name that resolves elsewhere later (DNS rebinding)
 * is refused too.
 */
public final class SourceHosts {
    /** Name to addresses; the system resolver in production, a fixed table in tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private static final byte[] EC2_METADATA_V6 = literal("fd00:ec2::254").getAddress();

    private final Set<String> names;
    private final List<Range> ranges;
    private final Resolver resolver;
    private final boolean publicOnly;
    private final String setting;

    private SourceHosts(Set<String> names, List<Range> ranges, Resolver resolver, boolean publicOnly, String setting) {
        this.names = Set.copyOf(names);
        this.ranges = List.copyOf(ranges);
        this.resolver = resolver;
        this.publicOnly = publicOnly;
        this.setting = setting;
    }

    /**
     * The guard for URLs that people outside the operator give it, which the operator then calls from inside
     * its network (permit holders' webhooks): besides the defaults' refusals, private networks (10/8, 172.16/12,
     * 192.168/16, 100.64/10, fc00::/7) are refused too, as nobody outside has business there. {@code setting}
     * names the allowlist in messages.
     */
    public static SourceHosts publicOnly(Collection<String> allowed, String setting) {
        return publicOnly(allowed, setting, InetAddress::getAllByName);
    }

    public static SourceHosts publicOnly(Collection<String> allowed, String setting, Resolver resolver) {
        SourceHosts hosts = allowing(allowed, resolver);
        return new SourceHosts(hosts.names, hosts.ranges, resolver, true, setting);
    }

    /** The defaults, with the given host names, addresses and ranges ({@code a.b.c.d/n}) allowed besides. */
    public static SourceHosts allowing(Collection<String> allowed) {
        return allowing(allowed, InetAddress::getAllByName);
    }

    public static SourceHosts allowing(Collection<String> allowed, Resolver resolver) {
        Set<String> names = new HashSet<>();
        List<Range> ranges = new ArrayList<>();
        for (String entry : allowed) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            Range range = Range.parse(e);
            if (range != null) {
                ranges.add(range);
            } else {
                names.add(unbracket(e));
            }
        }
        return new SourceHosts(names, ranges, resolver, false, "operator.sources.allowed-hosts");
    }

    /** The same, with one more host name allowed (the embedded demo source's own). */
    public SourceHosts and(String host) {
        Set<String> more = new HashSet<>(names);
        more.add(unbracket(host.toLowerCase(Locale.ROOT)));
        return new SourceHosts(more, ranges, resolver, publicOnly, setting);
    }

    /**
     * Refuses a URL the operator must not connect to, as a 422 on {@code field}. A name that does not resolve
     * now is accepted: it may resolve where the operator runs later, and {@link #resolve} checks it then.
     */
    public void check(String field, URI uri) {
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            throw new InvalidRequestException(field, field + " must name a host");
        }
        String name = unbracket(host.toLowerCase(Locale.ROOT));
        if (names.contains(name)) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(name);
        } catch (UnknownHostException | RuntimeException unresolved) {
            return;
        }
        for (InetAddress address : addresses) {
            if (refused(address)) {
                throw new InvalidRequestException(field, field + " points at a " + (publicOnly ? "private, " : "")
                        + "loopback, link-local, metadata or unspecified address, which the operator does not connect "
                        + "to; an operator who means it allows the host in " + setting);
            }
        }
    }

    /**
     * The addresses a connection to {@code host} may use; refused (as an unknown host, which HTTP clients
     * report as a failed connection) when any address the name resolves to is one the operator does not
     * connect to, so that a resolver that mixes a good and a bad answer gets nothing.
     */
    public InetAddress[] resolve(String host) throws UnknownHostException {
        String name = unbracket(host.toLowerCase(Locale.ROOT));
        InetAddress[] addresses = resolver.resolve(name);
        if (names.contains(name)) {
            return addresses;
        }
        for (InetAddress address : addresses) {
            if (refused(address)) {
                throw new UnknownHostException(host + ": refused, it resolves to an address the operator does not "
                        + "connect to (" + setting + ")");
            }
        }
        return addresses;
    }

    private boolean refused(InetAddress address) {
        if (ranges.stream().anyMatch(r -> r.contains(address))) {
            return false;
        }
        return dangerous(address) || publicOnly && privateNetwork(address);
    }

    /** Site-local and unique-local networks, and carrier-grade NAT's shared space (RFC 6598). */
    static boolean privateNetwork(InetAddress address) {
        if (address.isSiteLocalAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
        }
        return (b[0] & 0xfe) == 0xfc;
    }

    /** Whether the address is loopback, link-local, unspecified, multicast or metadata, also when embedded. */
    static boolean dangerous(InetAddress address) {
        if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isAnyLocalAddress()
                || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return (b[0] & 0xff) == 0 || (b[0] & 0xff) == 169 && (b[1] & 0xff) == 254;
        }
        if (address instanceof Inet6Address) {
            if (Arrays.equals(b, EC2_METADATA_V6)) {
                return true;
            }
            boolean compatible = true;
            for (int i = 0; i < 12; i++) {
                compatible &= b[i] == 0;
            }
            // 64:ff9b::/96 (NAT64) carries an IPv4 address in its last four bytes, as ::a.b.c.d does.
            boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
            for (int i = 4; i < 12 && nat64; i++) {
                nat64 = b[i] == 0;
            }
            if (compatible || nat64) {
                return dangerous(literal((b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "."
                        + (b[15] & 0xff)));
            }
        }
        return false;
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** An address written as digits; never a name lookup. */
    private static InetAddress literal(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** An allowed address or range, {@code a.b.c.d}, {@code ::1}, {@code 10.0.0.0/8}, {@code fd00::/8}. */
    private record Range(byte[] network, int bits) {
        static Range parse(String text) {
            int slash = text.indexOf('/');
            String address = unbracket(slash < 0 ? text : text.substring(0, slash));
            if (!address.matches("[0-9.]+") && !address.matches("[0-9a-f:.]*:[0-9a-f:.]*")) {
                return null;
            }
            byte[] network = literal(address).getAddress();
            int bits = slash < 0 ? network.length * 8 : Integer.parseInt(text.substring(slash + 1));
            if (bits < 0 || bits > network.length * 8) {
                throw new IllegalArgumentException("not an address range: " + text);
            }
            return new Range(network, bits);
        }

        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((a[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}

package org.caravan.routing;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * Which addresses learnt from DNS (or from a recipient's address literal) may be connected to.
 * A domain owner chooses its MX records, so without this check anyone could point Caravan at the
 * loopback, the local network or a link-local metadata service on port 25. Blocks the operator
 * lists explicitly (an intranet relay) are allowed; route: in mta.yaml is never filtered.
 */
public final class NextHopFilter {

    /** Not reachable on the Internet, or not meant to be: loopback, private, link-local, multicast... */
    private static final List<Cidr> REFUSED = cidrs(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "fe80::/10", "fec0::/10", "fc00::/7", "ff00::/8");
    /** IPv6 forms that carry an IPv4 address in their last 32 bits: judged by that address. */
    private static final List<Cidr> EMBEDS_IPV4 = cidrs("::ffff:0:0/96", "::/96", "64:ff9b::/96");

    /** Refuses every non-public address. */
    public static final NextHopFilter PUBLIC_ONLY = new NextHopFilter(List.of());

    private final List<Cidr> permitted;

    public NextHopFilter(List<Cidr> permitted) {
        this.permitted = List.copyOf(permitted);
    }

    public boolean acceptable(InetAddress address) {
        return acceptable(address.getAddress());
    }

    public boolean acceptable(byte[] address) {
        for (Cidr allowed : permitted) {
            if (allowed.contains(address)) {
                return true;
            }
        }
        if (address.length == 16) { // :: and ::1 fall here too, as 0.0.0.0 and 0.0.0.1: refused
            for (Cidr embedding : EMBEDS_IPV4) {
                if (embedding.contains(address)) {
                    return acceptable(Arrays.copyOfRange(address, 12, 16));
                }
            }
        }
        for (Cidr refused : REFUSED) {
            if (refused.contains(address)) {
                return false;
            }
        }
        return true;
    }

    public List<Cidr> permitted() {
        return permitted;
    }

    private static List<Cidr> cidrs(String... blocks) {
        return Arrays.stream(blocks).map(Cidr::parse).toList();
    }
}

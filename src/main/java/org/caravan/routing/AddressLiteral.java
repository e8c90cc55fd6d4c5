package org.caravan.routing;

import org.caravan.routing.MxLookupException.Reason;
import org.xbill.DNS.Address;

/** RFC 5321 4.1.3: a recipient domain written as an address, {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}. */
final class AddressLiteral {

    private AddressLiteral() {
    }

    /** The literal's own address on the SMTP port, no DNS; refused addresses fail permanently. */
    static NextHop nextHop(String domain, int port, NextHopFilter filter) throws MxLookupException {
        String inner = domain.endsWith("]") ? domain.substring(1, domain.length() - 1) : "";
        boolean v6 = inner.regionMatches(true, 0, "IPv6:", 0, 5);
        byte[] bytes = v6 ? Address.toByteArray(inner.substring(5), Address.IPv6)
                : Address.toByteArray(inner, Address.IPv4);
        if (bytes == null) {
            throw new MxLookupException(domain, Reason.INVALID_DOMAIN, "not an address literal");
        }
        if (!filter.acceptable(bytes)) {
            throw new MxLookupException(domain, Reason.NO_ACCEPTABLE_NEXT_HOP,
                    "address literal refused: " + Cidr.address(bytes).getHostAddress());
        }
        return new NextHop(Cidr.address(bytes).getHostAddress(), port);
    }
}

package org.caravan.routing;

/**
 * Where a delivery connects: a host name or address and a port, and the MX host name the address
 * came from (null for route: and address literals): TLS checks the certificate against that name.
 * Two hops are equal when they connect to the same place, whatever name led there.
 */
public record NextHop(String host, int port, String mxName) {

    public static final int SMTP_PORT = 25;

    public NextHop(String host, int port) {
        this(host, port, null);
    }

    /** The name the server's certificate must carry: the MX host, else what we connect to. */
    public String tlsName() {
        return mxName != null ? mxName : host;
    }

    /** Parses "host:port" or "host" (port 25); IPv6 literals go in brackets ("[::1]:2525"). */
    public static NextHop parse(String value) {
        String v = value.strip();
        if (v.isEmpty()) {
            throw new IllegalArgumentException("empty next hop");
        }
        if (v.startsWith("[")) {
            int end = v.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException("unclosed '[' in next hop " + value);
            }
            String host = v.substring(1, end);
            String rest = v.substring(end + 1);
            return new NextHop(host, rest.isEmpty() ? SMTP_PORT : port(rest.substring(1), value));
        }
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            return new NextHop(v, SMTP_PORT);
        }
        return new NextHop(v.substring(0, colon), port(v.substring(colon + 1), value));
    }

    private static int port(String s, String whole) {
        try {
            int p = Integer.parseInt(s);
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("port out of range in next hop " + whole);
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in next hop " + whole);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NextHop h && h.host.equals(host) && h.port == port;
    }

    @Override
    public int hashCode() {
        return host.hashCode() * 31 + port;
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}

package org.caravan.smtp;

import javax.net.ssl.SSLSession;

/**
 * What protected one SMTP session, for events and accounting (Postfix logs it as "TLS connection
 * established to mx: TLSv1.3 with cipher ...").
 *
 * @param verified the certificate chained to a trusted root and named the MX (tls-verify: hostname)
 */
public record TlsDetails(String protocol, String cipher, boolean verified) {

    static TlsDetails of(SSLSession session, boolean verified) {
        return new TlsDetails(session.getProtocol(), session.getCipherSuite(), verified);
    }
}

package org.caravan.signing;

/** CRLF line ends, as the SMTP client puts a message on the wire (intake has refused bare CRs already). */
final class Crlf {

    private Crlf() {
    }

    /** The message itself when every LF follows a CR, else a copy with CR added before each bare LF. */
    static byte[] of(byte[] raw) {
        int bare = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
                bare++;
            }
        }
        if (bare == 0) {
            return raw;
        }
        byte[] out = new byte[raw.length + bare];
        int o = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
                out[o++] = '\r';
            }
            out[o++] = raw[i];
        }
        return out;
    }
}

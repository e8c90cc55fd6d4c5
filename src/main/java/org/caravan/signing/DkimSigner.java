package org.caravan.signing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.james.jdkim.DKIMCommon;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.impl.BodyHasherImpl;
import org.apache.james.jdkim.tagvalue.SignatureRecordTemplate;
import org.caravan.config.DkimKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Signs messages with their sender domain's keys (see package-info); built at start, its keys test-signed. */
public final class DkimSigner {

    /** Signed when present, in this order; From once more than it occurs (oversigned). */
    static final List<String> SIGNED = List.of("from", "sender", "reply-to", "subject", "date", "to", "cc",
            "message-id", "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding",
            "content-disposition", "list-id", "list-unsubscribe", "list-unsubscribe-post", "feedback-id");
    private static final Logger LOG = LoggerFactory.getLogger(DkimSigner.class);
    private static final int FOLD_AT = 76;
    private static final byte[] SAMPLE = ("From: <test@caravan.invalid>\r\nSubject: key check\r\n\r\n.\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final Map<String, List<DkimKey>> byDomain;
    private final EverySoOften unsignable = new EverySoOften(60_000);

    private DkimSigner(Map<String, List<DkimKey>> byDomain) {
        this.byDomain = byDomain;
    }

    /** Reads and test-signs every key; the first that fails stops the start (a ConfigException naming it). */
    public static DkimSigner load(Map<String, List<DkimKeySpec>> config) {
        Map<String, List<DkimKey>> keys = new LinkedHashMap<>();
        config.forEach((domain, specs) -> {
            List<DkimKey> loaded = new ArrayList<>();
            for (DkimKeySpec spec : specs) {
                DkimKey key = DkimKey.load(spec);
                try {
                    signature(key, record(key, "from", 0), SignedFields.scan(SAMPLE), SAMPLE, null);
                } catch (GeneralSecurityException | PermFailException | IOException | RuntimeException e) {
                    throw DkimKey.error(spec, "test signature failed: " + e.getMessage());
                }
                loaded.add(key);
            }
            keys.put(domain.toLowerCase(Locale.ROOT), Collections.unmodifiableList(loaded));
            LOG.info("DKIM: mail from {} is signed with {}", domain, describe(loaded));
        });
        return new DkimSigner(keys);
    }

    /** Whether any domain has keys (when none does, intake need not look at From at all). */
    public boolean signsAnything() {
        return !byDomain.isEmpty();
    }

    /** The d= domain for mail from that domain: itself if it has keys, else its nearest parent that has; else null. */
    public String signingDomain(String fromDomain) {
        if (fromDomain == null || byDomain.isEmpty()) {
            return null;
        }
        String d = fromDomain.toLowerCase(Locale.ROOT);
        while (true) {
            if (byDomain.containsKey(d)) {
                return d;
            }
            int dot = d.indexOf('.');
            if (dot < 0) {
                return null;
            }
            d = d.substring(dot + 1);
        }
    }

    /**
     * The message with its DKIM-Signature fields on top, one per key of the signing domain; the
     * message itself when that domain has none. Bare LF line ends come back as CRLF (as the SMTP
     * client sends them), so the signed bytes are the bytes on the wire.
     */
    public byte[] sign(byte[] message, String fromDomain) {
        String d = signingDomain(fromDomain);
        if (d == null) {
            return message;
        }
        byte[] wire = Crlf.of(message);
        SignedFields fields = SignedFields.scan(wire);
        if (fields == null) {
            unsignable.run(() -> LOG.warn("DKIM: a message from {} is sent unsigned: a header holds bytes that are"
                    + " not {} text (encode non-ASCII headers, RFC 2047)", fromDomain, java.nio.charset.Charset.defaultCharset()));
            return message;
        }
        StringBuilder h = new StringBuilder();
        for (String name : SIGNED) {
            int n = fields.count(name) + (name.equals("from") ? 1 : 0);
            for (int i = 0; i < n; i++) {
                h.append(h.length() == 0 ? "" : ":").append(name);
            }
        }
        StringBuilder out = new StringBuilder();
        byte[] bh = null;
        long now = System.currentTimeMillis() / 1000;
        try {
            for (DkimKey key : byDomain.get(d)) {
                SignatureRecord rec = record(key, h.toString(), now);
                bh = bh != null ? bh : bodyHash(rec, wire, fields.bodyStart());
                out.append(signature(key, rec, fields, wire, bh));
            }
        } catch (GeneralSecurityException | PermFailException | IOException e) {
            // cannot happen for a key that test-signed at start; unsigned beats a message retried forever
            LOG.error("DKIM: cannot sign a message from {}: {}", fromDomain, e.toString());
            return message;
        }
        byte[] head = out.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] signed = new byte[head.length + wire.length];
        System.arraycopy(head, 0, signed, 0, head.length);
        System.arraycopy(wire, 0, signed, head.length, wire.length);
        return signed;
    }

    private static SignatureRecord record(DkimKey key, String h, long now) {
        return new SignatureRecordTemplate("v=1; a=" + key.algorithm().tag() + "; c=relaxed/relaxed; d=" + key.domain()
                + "; s=" + key.selector() + "; t=" + now + "; h=" + h + ";");
    }

    /** bh=: the relaxed body, SHA-256 (the same for every key: both algorithms hash with SHA-256). */
    private static byte[] bodyHash(SignatureRecord rec, byte[] wire, int bodyStart) throws PermFailException, IOException {
        BodyHasherImpl hasher = new BodyHasherImpl(rec);
        try (OutputStream body = hasher.getOutputStream()) {
            body.write(wire, bodyStart, wire.length - bodyStart);
        }
        return hasher.getDigest();
    }

    /** One folded DKIM-Signature field with its CRLF; bh null: hashes the body itself. */
    private static String signature(DkimKey key, SignatureRecord rec, SignedFields fields, byte[] wire, byte[] bh)
            throws GeneralSecurityException, PermFailException, IOException {
        rec.setBodyHash(bh != null ? bh : bodyHash(rec, wire, fields.bodyStart()));
        Signature s = key.algorithm().signer(key.key());
        HeaderHash.feed(fields, rec, s);
        rec.setSignature(s.sign());
        return fold("DKIM-Signature:" + rec);
    }

    /**
     * Folds at the spaces between tags (CRLF before the space: relaxed canonicalization reads the
     * same field) and inside b=, whose whole value a verifier deletes before hashing.
     */
    static String fold(String field) {
        StringBuilder out = new StringBuilder(field.length() + 64);
        for (String tag : field.split("(?= [a-z]+=)")) {
            if (tag.startsWith(" b=")) {
                out.append("\r\n b=");
                String value = tag.substring(3);
                for (int i = 0; i < value.length(); i += FOLD_AT - 4) {
                    out.append(i == 0 ? "" : "\r\n\t").append(value, i, Math.min(value.length(), i + FOLD_AT - 4));
                }
                continue;
            }
            int lineLength = out.length() - (out.lastIndexOf("\n") + 1);
            if (lineLength + tag.length() > FOLD_AT && out.length() > 0) {
                out.append("\r\n");
            }
            out.append(tag);
        }
        return out.append("\r\n").toString();
    }

    private static String describe(List<DkimKey> keys) {
        List<String> out = new ArrayList<>();
        for (DkimKey k : keys) {
            String bits = k.key() instanceof RSAPrivateKey rsa ? ", " + rsa.getModulus().bitLength() + " bits" : "";
            out.add("s=" + k.selector() + " (" + k.algorithm().tag() + bits + ")");
        }
        return String.join(", ", out);
    }

    /** jDKIM's header canonicalization, which it keeps for its signer and verifier. */
    private static final class HeaderHash extends DKIMCommon {
        static void feed(SignedFields fields, SignatureRecord rec, Signature s) throws GeneralSecurityException, PermFailException {
            signatureCheck(fields, rec, rec.getHeaders(), s);
        }
    }
}

package org.caravan.testsupport;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.FailException;

/**
 * Verifies the DKIM signatures of a message as a receiver would, without DNS: RSA through
 * Apache jDKIM's DKIMVerifier (the receivers' side of the library, with the key records
 * injected); Ed25519-SHA256, which jDKIM does not know, through the small RFC 6376 + RFC 8463
 * verifier below, written from the RFCs and sharing no code with the signer.
 */
public final class DkimCheck {

    private final DkimKeys keys;

    public DkimCheck(DkimKeys keys) {
        this.keys = keys;
    }

    /** "d=example.com s=s1 a=rsa-sha256" for each RSA signature jDKIM finds valid; empty when none is. */
    public List<String> validRsa(byte[] message) throws Exception {
        DKIMVerifier verifier = new DKIMVerifier((method, selector, domain) -> keys.lookup(selector + "._domainkey." + domain));
        List<String> out = new ArrayList<>();
        try {
            List<SignatureRecord> valid = verifier.verify(new ByteArrayInputStream(message));
            for (SignatureRecord r : valid == null ? List.<SignatureRecord>of() : valid) {
                out.add("d=" + r.getDToken() + " s=" + r.getSelector() + " a=" + r.getHashKeyType() + "-" + r.getHashMethod());
            }
        } catch (FailException e) {
            return out;
        }
        return out;
    }

    /** "d=example.com s=e1 a=ed25519-sha256" for each Ed25519 signature that verifies. */
    public List<String> validEd25519(byte[] message) throws Exception {
        Parsed m = Parsed.of(message);
        List<String> out = new ArrayList<>();
        for (String field : m.all("dkim-signature")) {
            Map<String, String> tags = tags(field.substring(field.indexOf(':') + 1));
            if (!"ed25519-sha256".equals(tags.get("a")) || !"relaxed/relaxed".equals(tags.get("c"))) {
                continue;
            }
            byte[] bh = MessageDigest.getInstance("SHA-256").digest(relaxedBody(m.body));
            if (!Arrays.equals(bh, Base64.getDecoder().decode(tags.get("bh")))) {
                continue;
            }
            MessageDigest headerHash = MessageDigest.getInstance("SHA-256");
            Map<String, Integer> used = new HashMap<>();
            for (String name : tags.get("h").split(":")) {
                String n = name.strip().toLowerCase(Locale.ROOT);
                List<String> instances = m.all(n);
                int k = used.merge(n, 1, Integer::sum);
                if (k <= instances.size()) { // from the bottom up; a name listed more often than present adds nothing
                    headerHash.update((relaxedHeader(instances.get(instances.size() - k)) + "\r\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            String unsigned = field.replaceFirst("(?s)((?:^|;)\\s*b\\s*=)[^;]*", "$1");
            headerHash.update(relaxedHeader(unsigned).getBytes(StandardCharsets.UTF_8));
            Signature ed = Signature.getInstance("Ed25519");
            ed.initVerify(ed25519Key(tags.get("d"), tags.get("s")));
            ed.update(headerHash.digest());
            if (ed.verify(Base64.getDecoder().decode(tags.get("b")))) {
                out.add("d=" + tags.get("d") + " s=" + tags.get("s") + " a=ed25519-sha256");
            }
        }
        return out;
    }

    private PublicKey ed25519Key(String domain, String selector) throws Exception {
        List<String> record = keys.lookup(selector + "._domainkey." + domain);
        byte[] raw = Base64.getDecoder().decode(tags(record.get(0)).get("p"));
        byte[] x509 = new byte[44];
        byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        System.arraycopy(prefix, 0, x509, 0, 12);
        System.arraycopy(raw, 0, x509, 12, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
    }

    /** Tag=value pairs, whitespace (folding included) removed from the values. */
    public static Map<String, String> tags(String list) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : list.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                out.put(part.substring(0, eq).strip(), part.substring(eq + 1).replaceAll("\\s+", ""));
            }
        }
        return out;
    }

    /** RFC 6376 3.4.2: name lower-cased, unfolded, runs of WSP one space, none at the ends or around the colon. */
    static String relaxedHeader(String field) {
        int colon = field.indexOf(':');
        String name = field.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = field.substring(colon + 1).replace("\r\n", "").replaceAll("[ \t]+", " ").strip();
        return name + ":" + value;
    }

    /** RFC 6376 3.4.4: WSP runs one space, none at line ends, no empty lines at the end, CRLF after the last. */
    static byte[] relaxedBody(String body) {
        List<String> lines = new ArrayList<>(Arrays.asList(body.split("\r\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            out.append(line.replaceAll("[ \t]+", " ").replaceAll(" $", "")).append("\r\n");
        }
        String s = out.toString();
        while (s.endsWith("\r\n\r\n")) {
            s = s.substring(0, s.length() - 2);
        }
        return (s.equals("\r\n") ? "" : s).getBytes(StandardCharsets.UTF_8);
    }

    /** A CRLF message as header fields (folding kept) and body. */
    private record Parsed(List<String> fields, String body) {
        static Parsed of(byte[] message) {
            String text = new String(message, StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end + 2);
            List<String> fields = new ArrayList<>();
            for (String line : head.split("\r\n")) {
                if (!fields.isEmpty() && (line.startsWith(" ") || line.startsWith("\t"))) {
                    fields.set(fields.size() - 1, fields.get(fields.size() - 1) + "\r\n" + line);
                } else if (!line.isEmpty()) {
                    fields.add(line);
                }
            }
            return new Parsed(fields, end < 0 ? "" : text.substring(end + 4));
        }

        List<String> all(String name) {
            List<String> out = new ArrayList<>();
            for (String f : fields) {
                int colon = f.indexOf(':');
                if (colon > 0 && f.substring(0, colon).strip().equalsIgnoreCase(name)) {
                    out.add(f);
                }
            }
            return out;
        }
    }
}

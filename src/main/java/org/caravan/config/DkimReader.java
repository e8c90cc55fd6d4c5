package org.caravan.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the top-level dkim: block (sender domain -> its keys); the key files are read later, at start. */
final class DkimReader {

    static final String RSA_SHA256 = "rsa-sha256";
    static final String ED25519_SHA256 = "ed25519-sha256";
    private static final Set<String> KEY_KEYS = YamlMap.keys("selector", "algorithm", "key-file");
    /** A selector is one or more DNS labels (RFC 6376 3.1). */
    private static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private DkimReader() {
    }

    /** Domain -> keys in file order; empty when there is no dkim: block. */
    static Map<String, List<DkimKeySpec>> read(YamlMap block) {
        Map<String, List<DkimKeySpec>> out = new LinkedHashMap<>();
        if (block == null) {
            return out;
        }
        for (String domain : block.keysInOrder()) {
            String d = block.keyScalar(domain, s -> Values.hostName(s).toLowerCase(Locale.ROOT));
            if (out.containsKey(d)) {
                throw block.errorAtKey(domain, "domain listed twice (domains are compared in lower case)");
            }
            List<YamlMap> keys = block.mapList(domain, KEY_KEYS);
            if (keys == null || keys.isEmpty()) {
                throw block.errorAtKey(domain, "no keys (expected a list of selector + key-file)");
            }
            List<DkimKeySpec> specs = new ArrayList<>();
            for (YamlMap k : keys) {
                specs.add(key(d, k));
            }
            out.put(d, Collections.unmodifiableList(specs));
        }
        return out;
    }

    private static DkimKeySpec key(String domain, YamlMap k) {
        String selector = k.scalar("selector", DkimReader::selector);
        String file = k.scalar("key-file", s -> s);
        if (selector == null || file == null) {
            throw k.error("needs selector and key-file");
        }
        String algorithm = k.scalar("algorithm", DkimReader::algorithm);
        return new DkimKeySpec(domain, selector, algorithm == null ? RSA_SHA256 : algorithm, Path.of(file),
                k.location("key-file"));
    }

    private static String selector(String s) {
        if (!SELECTOR.matcher(s).matches()) {
            throw new IllegalArgumentException("bad selector '" + s + "' (expected DNS labels, e.g. s2026)");
        }
        return s;
    }

    private static String algorithm(String s) {
        if (!s.equals(RSA_SHA256) && !s.equals(ED25519_SHA256)) {
            throw new IllegalArgumentException("unknown algorithm '" + s + "' (expected " + RSA_SHA256 + " or "
                    + ED25519_SHA256 + ")");
        }
        return s;
    }
}

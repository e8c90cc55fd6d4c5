package org.caravan.config;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.caravan.outcome.BounceCategory;

/** Reads the top-level suppression: block; absent keys keep SuppressionSettings.DEFAULT's values. */
final class SuppressionReader {

    static final Set<String> KEYS = YamlMap.keys("enabled", "categories", "file");

    private SuppressionReader() {
    }

    static SuppressionSettings read(YamlMap block) {
        SuppressionSettings d = SuppressionSettings.DEFAULT;
        if (block == null) {
            return d;
        }
        Boolean enabled = block.scalar("enabled", SuppressionReader::bool);
        List<BounceCategory> categories = block.list("categories", SuppressionReader::category);
        Path file = block.scalar("file", SuppressionReader::relativeFile);
        return new SuppressionSettings(enabled == null ? d.enabled() : enabled,
                categories == null ? d.categories() : EnumSet.copyOf(categories), file == null ? d.file() : file);
    }

    private static boolean bool(String s) {
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new IllegalArgumentException("expected true or false, got '" + s + "'");
    }

    private static BounceCategory category(String s) {
        for (BounceCategory c : BounceCategory.values()) {
            if (c.label().equals(s)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown bounce category '" + s + "' (e.g. bad-mailbox, bad-domain, inactive-mailbox)");
    }

    /** A path relative to the data dir that stays inside it. */
    private static Path relativeFile(String s) {
        Path p = Path.of(s).normalize();
        if (p.isAbsolute() || p.startsWith("..") || p.toString().isEmpty()) {
            throw new IllegalArgumentException("expected a file path relative to the data dir, got '" + s + "'");
        }
        return p;
    }
}

package org.caravan.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The shipped reply catalogue: reply rules per provider. Read from catalogue.yaml next to the
 * mta.yaml in use when present, else from the copy in the jar.
 */
public final class Catalogue {

    public static final String FILE = "catalogue.yaml";
    private static final Set<String> TOP_KEYS = YamlMap.keys("providers");

    private final Map<String, List<ReplyRule>> providers;

    private Catalogue(Map<String, List<ReplyRule>> providers) {
        this.providers = providers;
    }

    /** The provider's entries, or null when the catalogue has no such provider. */
    public List<ReplyRule> provider(String name) {
        return providers.get(name);
    }

    public Set<String> providerNames() {
        return providers.keySet();
    }

    /** The catalogue beside the given mta.yaml, else the jar's. */
    public static Catalogue besides(Path mtaYaml) {
        Path sibling = mtaYaml.toAbsolutePath().resolveSibling(FILE);
        if (Files.isRegularFile(sibling)) {
            return load(sibling);
        }
        try (InputStream in = Catalogue.class.getClassLoader().getResourceAsStream(FILE)) {
            if (in == null) {
                throw new ConfigException(sibling + ": no such file, and no " + FILE + " in the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), Path.of("jar:" + FILE));
        } catch (IOException e) {
            throw new ConfigException("jar:" + FILE + ": cannot read: " + e, e);
        }
    }

    public static Catalogue load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e, e);
        }
    }

    static Catalogue parse(String text, Path name) {
        Node root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        YamlMap top = YamlMap.of(name, "", root, root, TOP_KEYS);
        YamlMap block = top.map("providers", null);
        if (block == null) {
            throw top.error("the catalogue needs 'providers'");
        }
        Map<String, List<ReplyRule>> out = new LinkedHashMap<>();
        for (String provider : block.keysInOrder()) {
            block.keyScalar(provider, Values::name);
            out.put(provider, block.isEmptyList(provider) ? List.of() : ReplyRuleReader.read(block, provider));
        }
        return new Catalogue(out);
    }
}

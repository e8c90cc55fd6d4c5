package org.caravan.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping of mta.yaml with its key path, checked for duplicate and unknown keys on the
 * way in. Values are parsed from the raw text (so YAML 1.1 guesses like "on" = true never apply)
 * and every parse error comes back as a ConfigException naming file, line and key path.
 */
final class YamlMap {

    private final Path file;
    private final String path;
    private final Node anchor;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    private YamlMap(Path file, String path, Node anchor) {
        this.file = file;
        this.path = path;
        this.anchor = anchor;
    }

    /** An ordered, unmodifiable set of allowed keys, listed in errors in this order. */
    static Set<String> keys(String... keys) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(List.of(keys)));
    }

    /**
     * Wraps {@code value} (a mapping, or an empty value meaning an empty mapping). {@code anchor}
     * is where errors about the block as a whole point (its key); allowedKeys null = any key.
     */
    static YamlMap of(Path file, String path, Node anchor, Node value, Set<String> allowedKeys) {
        YamlMap map = new YamlMap(file, path, anchor);
        if (value == null || isNull(value)) {
            return map;
        }
        if (!(value instanceof MappingNode mapping)) {
            throw ConfigException.at(file, value, path, "expected a mapping (key: value lines), got " + kind(value));
        }
        for (NodeTuple t : mapping.getValue()) {
            map.add(t, allowedKeys);
        }
        return map;
    }

    private void add(NodeTuple t, Set<String> allowedKeys) {
        if (!(t.getKeyNode() instanceof ScalarNode keyNode)) {
            throw ConfigException.at(file, t.getKeyNode(), path,
                    "keys must be plain names, got " + kind(t.getKeyNode()));
        }
        String key = keyNode.getValue();
        NodeTuple first = entries.get(key);
        if (first != null) {
            throw ConfigException.at(file, keyNode, childPath(key),
                    "duplicate key (first at line " + (first.getKeyNode().getStartMark().getLine() + 1) + ")");
        }
        if (allowedKeys != null && !allowedKeys.contains(key)) {
            throw ConfigException.at(file, keyNode, childPath(key),
                    "unknown key (expected one of: " + String.join(", ", allowedKeys) + ")");
        }
        entries.put(key, t);
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The keys in file order. */
    Set<String> keys() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** Whether the key holds a mapping (rather than a list or a single value). */
    boolean isMapping(String key) {
        NodeTuple t = entries.get(key);
        return t != null && t.getValueNode() instanceof MappingNode;
    }

    private String childPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** An error about this block as a whole, at its key. */
    ConfigException error(String detail) {
        return ConfigException.at(file, anchor, path, detail);
    }

    /** An error about a key itself, at its line. */
    ConfigException errorAtKey(String key, String detail) {
        return ConfigException.at(file, entries.get(key).getKeyNode(), childPath(key), detail);
    }

    /** The parsed value of a single-valued key, or null when the key is absent. */
    <T> T scalar(String key, Function<String, T> parser) {
        NodeTuple t = entries.get(key);
        return t == null ? null : parse(t.getValueNode(), childPath(key), parser);
    }

    /** The parsed elements of a key holding a list or a single value, or null when absent. */
    <T> List<T> list(String key, Function<String, T> parser) {
        NodeTuple t = entries.get(key);
        if (t == null) {
            return null;
        }
        Node value = t.getValueNode();
        if (!(value instanceof SequenceNode seq)) {
            return List.of(parse(value, childPath(key), parser));
        }
        if (seq.getValue().isEmpty()) {
            throw ConfigException.at(file, value, childPath(key), "empty list");
        }
        List<T> out = new ArrayList<>();
        for (Node element : seq.getValue()) {
            out.add(parse(element, childPath(key) + "[" + out.size() + "]", parser));
        }
        return out;
    }

    /** The nested mapping under a key, or null when absent. */
    YamlMap map(String key, Set<String> allowedKeys) {
        NodeTuple t = entries.get(key);
        return t == null ? null : of(file, childPath(key), t.getKeyNode(), t.getValueNode(), allowedKeys);
    }

    /** The mappings of a key holding a list of mappings (or one mapping), each checked against allowedKeys; null when absent. */
    List<YamlMap> mapList(String key, Set<String> allowedKeys) {
        NodeTuple t = entries.get(key);
        if (t == null) {
            return null;
        }
        if (!(t.getValueNode() instanceof SequenceNode seq)) {
            return List.of(of(file, childPath(key), t.getKeyNode(), t.getValueNode(), allowedKeys));
        }
        if (seq.getValue().isEmpty()) {
            throw ConfigException.at(file, t.getValueNode(), childPath(key), "empty list");
        }
        List<YamlMap> out = new ArrayList<>();
        for (Node element : seq.getValue()) {
            out.add(of(file, childPath(key) + "[" + out.size() + "]", element, element, allowedKeys));
        }
        return out;
    }

    /** Whether the key holds an empty list ("[]"), which mapList refuses. */
    boolean isEmptyList(String key) {
        NodeTuple t = entries.get(key);
        return t != null && t.getValueNode() instanceof SequenceNode seq && seq.getValue().isEmpty();
    }

    List<String> keysInOrder() {
        return new ArrayList<>(entries.keySet());
    }

    /** A key itself parsed (a domain used as a key), errors at its line. */
    <T> T keyScalar(String key, Function<String, T> parser) {
        return parse(entries.get(key).getKeyNode(), childPath(key), parser);
    }

    /** "file:line: key.path" of a key, for errors found after loading (a key file that will not read). */
    String location(String key) {
        return file + ":" + (entries.get(key).getKeyNode().getStartMark().getLine() + 1) + ": " + childPath(key);
    }

    /**
     * The nested mappings of a name -> block mapping, in file order: each name passes
     * {@code nameCheck} (reported at its line), each block is checked against allowedKeys.
     */
    Map<String, YamlMap> blocks(Function<String, ?> nameCheck, Set<String> allowedKeys) {
        for (String key : entries.keySet()) {
            parse(entries.get(key).getKeyNode(), childPath(key), nameCheck);
        }
        Map<String, YamlMap> out = new LinkedHashMap<>();
        for (String key : entries.keySet()) {
            out.put(key, map(key, allowedKeys));
        }
        return out;
    }

    private <T> T parse(Node node, String keyPath, Function<String, T> parser) {
        if (!(node instanceof ScalarNode scalar)) {
            throw ConfigException.at(file, node, keyPath, "expected a single value, got " + kind(node));
        }
        if (isNull(scalar)) {
            throw ConfigException.at(file, node, keyPath, "missing value");
        }
        try {
            return parser.apply(scalar.getValue());
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(file, node, keyPath, e.getMessage());
        }
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    private static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        return node instanceof SequenceNode ? "a list" : "a single value";
    }
}

package org.caravan.suppression;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The JMX face of the store. */
public class Suppression implements SuppressionMBean {

    private final SuppressionStore store;

    public Suppression(SuppressionStore store) {
        this.store = store;
    }

    @Override
    public long getSize() {
        return store.size();
    }

    @Override
    public boolean add(String address, String scope) {
        if (address == null || address.indexOf('@') < 1) {
            throw new IllegalArgumentException("not an address: " + address);
        }
        return store.add(scope, address, System.currentTimeMillis());
    }

    @Override
    public boolean remove(String address, String scope) {
        return store.remove(scope, address);
    }

    @Override
    public String[] list(String prefix, int limit) {
        return store.list(prefix, limit <= 0 ? 100 : limit).stream()
                .map(e -> e.address() + "," + e.scope() + "," + e.addedAt()).toArray(String[]::new);
    }

    @Override
    public long importCsv(String file) {
        try (var in = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            return store.importCsv(in, System.currentTimeMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long exportCsv(String file) {
        try (var out = Files.newBufferedWriter(Path.of(file), StandardCharsets.UTF_8)) {
            return store.exportCsv(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

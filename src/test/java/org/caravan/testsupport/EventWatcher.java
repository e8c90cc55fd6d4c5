package org.caravan.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;

/** Collects the JSON events of mail.events, parsed into maps. */
public final class EventWatcher implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Connection connection;
    private final List<Map<String, Object>> events = new ArrayList<>();

    EventWatcher(Connection connection) {
        this.connection = connection;
    }

    synchronized void add(String json) {
        try {
            events.add(JSON.readValue(json, new TypeReference<Map<String, Object>>() { }));
            notifyAll();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event is not JSON: " + json, e);
        }
    }

    /** Waits until at least n events of that type arrived; returns all events of that type. */
    public synchronized List<Map<String, Object>> await(String type, int n, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (ofType(type).size() < n && System.currentTimeMillis() < deadline) {
            wait(Math.max(1, deadline - System.currentTimeMillis()));
        }
        return ofType(type);
    }

    public synchronized List<Map<String, Object>> ofType(String type) {
        return events.stream().filter(e -> type.equals(e.get("type"))).toList();
    }

    public synchronized List<Map<String, Object>> all() {
        return List.copyOf(events);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (JMSException e) {
            // test teardown
        }
    }
}

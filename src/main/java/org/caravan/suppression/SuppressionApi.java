package org.caravan.suppression;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The suppression list over the console's HTTP API, behind the same admin login as the rest of
 * /api (see ConsoleSecurity): list, add, remove, CSV import and export.
 */
@RestController
@RequestMapping("/api/suppression")
public class SuppressionApi {

    private final SuppressionStore store;

    SuppressionApi(SuppressionStore store) {
        this.store = store;
    }

    @GetMapping
    Map<String, Object> list(@RequestParam(defaultValue = "") String prefix, @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit: 1 to 10000, not " + limit);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("size", store.size());
        out.put("entries", store.list(prefix, limit));
        return out;
    }

    @PostMapping("/add")
    Map<String, Object> add(@RequestParam String address, @RequestParam(defaultValue = "*") String scope) {
        if (address.indexOf('@') < 1) {
            throw new IllegalArgumentException("not an address: " + address);
        }
        return Map.of("added", store.add(scope, address, System.currentTimeMillis()));
    }

    @PostMapping("/remove")
    Map<String, Object> remove(@RequestParam String address, @RequestParam(defaultValue = "*") String scope) {
        return Map.of("removed", store.remove(scope, address));
    }

    /** The body is CSV: address[,scope[,addedAt]] per line, an optional header line. */
    @PostMapping(path = "/import", consumes = {"text/csv", MediaType.TEXT_PLAIN_VALUE})
    Map<String, Object> importCsv(@RequestBody String csv) throws IOException {
        return Map.of("added", store.importCsv(new StringReader(csv), System.currentTimeMillis()), "size", store.size());
    }

    @GetMapping(path = "/export", produces = "text/csv")
    String exportCsv() throws IOException {
        StringWriter out = new StringWriter();
        store.exportCsv(out);
        return out.toString();
    }

    @ExceptionHandler({IllegalArgumentException.class,
            org.springframework.web.bind.MissingServletRequestParameterException.class})
    ResponseEntity<Map<String, String>> badRequest(Exception e) {
        return ResponseEntity.badRequest().body(Map.of("error", String.valueOf(e.getMessage())));
    }
}

package org.caravan.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.caravan.delivery.DeliveryLine;
import org.caravan.delivery.DeliveryLines;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The queue console's HTTP API (JSON), behind the admin login like everything but health and
 * Prometheus: the page at /console/ and the command line call it. A browser's POST carries the
 * CSRF token; a script's carries HTTP Basic credentials instead (see ConsoleSecurity).
 */
@RestController
@RequestMapping("/api")
public class QueueApi {

    private final DeliveryLines lines;
    private final QueueRows rows;
    private final QueueActions actions;
    private final QueueActivity activity;

    QueueApi(DeliveryLines lines, QueueRows rows, QueueActions actions, QueueActivity activity) {
        this.lines = lines;
        this.rows = rows;
        this.actions = actions;
        this.activity = activity;
    }

    @GetMapping("/queues")
    List<Map<String, Object>> queues() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (DeliveryLine line : lines.all()) {
            out.add(rows.row(line));
        }
        return out;
    }

    @GetMapping("/queues/{vmta}/{policy}")
    Map<String, Object> queue(@PathVariable String vmta, @PathVariable String policy) {
        return rows.detail(actions.line(vmta, policy));
    }

    @GetMapping("/domains/top")
    List<LineActivity.DomainCounts> topDomains(@RequestParam(defaultValue = "20") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new QueueActions.Refused(400, "limit: 1 to 1000, not " + limit);
        }
        return activity.topDomains(limit);
    }

    @PostMapping("/queues/{vmta}/{policy}/pause")
    Map<String, Object> pause(@PathVariable String vmta, @PathVariable String policy) {
        actions.pause(vmta, policy);
        return queue(vmta, policy);
    }

    @PostMapping("/queues/{vmta}/{policy}/resume")
    Map<String, Object> resume(@PathVariable String vmta, @PathVariable String policy) {
        actions.resume(vmta, policy);
        return queue(vmta, policy);
    }

    @PostMapping("/queues/{vmta}/{policy}/retry")
    Map<String, Object> retry(@PathVariable String vmta, @PathVariable String policy) throws Exception {
        return Map.of("retried", actions.retryNow(vmta, policy));
    }

    @PostMapping("/queues/{vmta}/{policy}/backoff")
    Map<String, Object> backoff(@PathVariable String vmta, @PathVariable String policy) {
        actions.enterBackoff(vmta, policy);
        return queue(vmta, policy);
    }

    @PostMapping("/queues/{vmta}/{policy}/normal")
    Map<String, Object> normal(@PathVariable String vmta, @PathVariable String policy) {
        actions.endBackoff(vmta, policy);
        return queue(vmta, policy);
    }

    @PostMapping("/queues/{vmta}/{policy}/purge")
    Map<String, Object> purge(@PathVariable String vmta, @PathVariable String policy,
            @RequestParam(required = false) String job, @RequestParam(required = false) String domain,
            @RequestParam(required = false) String olderThan,
            @RequestParam(defaultValue = "false") boolean confirm) throws Exception {
        QueuePurge.Result result = actions.purge(vmta, policy, job, domain, olderThan, confirm);
        return Map.of("purged", result.messages(), "recipients", result.recipients());
    }

    @PostMapping("/queues/{vmta}/{policy}/limits")
    Map<String, Object> limits(@PathVariable String vmta, @PathVariable String policy,
            @RequestBody Map<String, Object> limits) {
        actions.limits(vmta, policy, limits);
        return QueueRows.limits(actions.line(vmta, policy).state());
    }

    @ExceptionHandler(QueueActions.Refused.class)
    ResponseEntity<Map<String, String>> refused(QueueActions.Refused e) {
        return ResponseEntity.status(e.status()).body(Map.of("error", e.getMessage()));
    }

    @ExceptionHandler({IllegalArgumentException.class,
            org.springframework.web.bind.MissingServletRequestParameterException.class,
            org.springframework.http.converter.HttpMessageNotReadableException.class,
            org.springframework.web.method.annotation.MethodArgumentTypeMismatchException.class})
    ResponseEntity<Map<String, String>> badRequest(Exception e) {
        return ResponseEntity.badRequest().body(Map.of("error", String.valueOf(e.getMessage())));
    }
}

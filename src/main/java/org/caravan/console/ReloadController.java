package org.caravan.console;

import org.caravan.delivery.ConfigReload;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * POST /api/reload: {applied, changes, error: {file, line, key, message} or null}. A refused
 * reload answers 400 with the same body: nothing changed, the engine runs on the config it had.
 */
@RestController
public class ReloadController {

    private final ConfigReload reload;

    public ReloadController(ConfigReload reload) {
        this.reload = reload;
    }

    @PostMapping(path = "/api/reload", produces = "application/json")
    public ResponseEntity<ConfigReload.Result> reload() {
        ConfigReload.Result result = reload.reload();
        return ResponseEntity.status(result.applied() ? HttpStatus.OK : HttpStatus.BAD_REQUEST).body(result);
    }
}

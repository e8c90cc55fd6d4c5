package org.caravan.console;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The queue console's page: static files under static/console/, index.html at /console/. */
@Controller
public class ConsolePage {

    /** The page's scripts load relative to /console/, so the bare path gets its slash. */
    @GetMapping("/console")
    String slash() {
        return "redirect:/console/";
    }

    @GetMapping("/console/")
    String page() {
        return "forward:/console/index.html";
    }
}

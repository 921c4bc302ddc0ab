package io.switchboard.itapp.boot;

import io.switchboard.api.Switchboard;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/** {@code POST /announce?text=...}: publishes on {@code news} through the injected Switchboard bean. */
@RestController
class AnnounceController {

    private final Switchboard switchboard;

    AnnounceController(Switchboard switchboard) {
        this.switchboard = switchboard;
    }

    @PostMapping("/announce")
    CompletionStage<Map<String, String>> announce(@RequestParam String text) {
        return switchboard.publish("news", "announced", Map.of("text", text, "node", switchboard.nodeId()))
                .thenApply(offset -> Map.of("offset", offset, "node", switchboard.nodeId()));
    }
}

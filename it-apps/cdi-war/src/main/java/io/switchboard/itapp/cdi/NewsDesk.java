package io.switchboard.itapp.cdi;

import io.switchboard.api.Switchboard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * An application bean that injects Switchboard: it publishes what it is asked to announce, and from the
 * application's start answers every event on {@code questions} with one on {@code answers}.
 */
@ApplicationScoped
public class NewsDesk {

    @Inject
    Switchboard switchboard;

    void open(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted) {
        switchboard.on("questions", event -> switchboard.publish("answers", "answered",
                Map.of("question", event.data().path("text").asText(), "node", switchboard.nodeId())));
    }

    /** Publishes {@code text} on {@code news}; completes with the offset. */
    public CompletionStage<String> announce(String text) {
        return switchboard.publish("news", "announced", Map.of("text", text, "node", switchboard.nodeId()));
    }

    public String nodeId() {
        return switchboard.nodeId();
    }
}

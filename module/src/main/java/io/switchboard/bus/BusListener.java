package io.switchboard.bus;

/** Receives the messages of the topics the node subscribed to. Called on a bus thread; must not block. */
@FunctionalInterface
public interface BusListener {
    void onMessage(BusMessage message);
}

package io.switchboard.registry;

/**
 * Something on this node that receives a topic's events: a client's subscription or a
 * server-side listener. Called by the topic's dispatcher, in offset order, one at a time; it
 * must not block (a client subscription only enqueues the frame).
 */
public interface Subscriber {
    void deliver(Delivery delivery);
}

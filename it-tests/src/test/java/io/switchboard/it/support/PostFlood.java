package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * An {@link SseFleet.Script} for floods: once welcomed, each stream POSTs its frames as fast as the node takes them,
 * pipelined, with up to {@code window} POSTs not answered yet (a browser's or a proxy's connection pool holds
 * several; the window only keeps the test's own memory bounded). Streams told to hoard stop reading their stream
 * first. Answers on the streams are the frames that carry an {@code id}, counted.
 */
public final class PostFlood implements SseFleet.Script {

    private final IntFunction<List<String>> frames;
    private final int window;
    private final boolean hoard;
    private final AtomicLong posted = new AtomicLong();
    private final AtomicLong answers = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    // Fleet thread only, by stream.
    private final List<String>[] plans;
    private final int[] next;
    /** By stream: the ids (their positions in the plan) answered on the stream. */
    private final Map<Integer, BitSet> answered = new ConcurrentHashMap<>();

    /**
     * @param frames the frames stream {@code i} POSTs, each with an id
     * @param hoard  whether the streams stop reading before they POST
     */
    @SuppressWarnings("unchecked")
    public PostFlood(int streams, IntFunction<List<String>> frames, int window, boolean hoard) {
        this.frames = frames;
        this.window = window;
        this.hoard = hoard;
        this.plans = new List[streams];
        this.next = new int[streams];
    }

    @Override
    public void welcomed(SseStream stream) {
        if (hoard) {
            stream.stopReading();
        }
        plans[stream.index()] = frames.apply(stream.index());
        fill(stream);
    }

    @Override
    public void received(SseStream stream, JsonNode frame) {
        if (frame.has("id")) {
            answers.incrementAndGet();
            BitSet ids = answered.computeIfAbsent(stream.index(), ignored -> new BitSet());
            synchronized (ids) {
                ids.set(frame.path("id").asInt());
            }
        }
    }

    @Override
    public void posted(SseStream stream, int status) {
        fill(stream);
    }

    private void fill(SseStream stream) {
        int index = stream.index();
        List<String> plan = plans[index];
        while (next[index] < plan.size() && stream.unanswered() < window) {
            stream.post(plan.get(next[index]++));
            posted.incrementAndGet();
        }
        if (next[index] == plan.size() && stream.unanswered() == 0) {
            next[index]++; // counted once
            done.incrementAndGet();
        }
    }

    /** POSTs sent. */
    public long posted() {
        return posted.get();
    }

    /** Frames with an id that arrived on the streams. */
    public long answers() {
        return answers.get();
    }

    /**
     * Up to {@code limit} requests that were POSTed but got no answer on their stream, as {@code stream: frame};
     * for streams that read (the ids of a stream's plan are its positions in it).
     */
    public List<String> unanswered(int limit) {
        List<String> missing = new ArrayList<>();
        for (int stream = 0; stream < plans.length && missing.size() < limit; stream++) {
            List<String> plan = plans[stream];
            if (plan == null) {
                continue;
            }
            BitSet ids = answered.getOrDefault(stream, new BitSet());
            synchronized (ids) {
                for (int id = ids.nextClearBit(0); id < Math.min(next[stream], plan.size()) && missing.size() < limit;
                     id = ids.nextClearBit(id + 1)) {
                    missing.add(stream + ": " + plan.get(id));
                }
            }
        }
        return missing;
    }

    /** Streams that POSTed their whole plan and got every POST answered. */
    public long done() {
        return done.get();
    }
}

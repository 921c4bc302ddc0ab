package io.switchboard.bench;

/** Something to run around one stretch of a scenario (a profiler): begun before it, ended after it, also on failure. */
public interface Bracket {
    Bracket NONE = new Bracket() {
        @Override
        public void begin() {
        }

        @Override
        public void end() {
        }
    };

    void begin() throws Exception;

    void end() throws Exception;
}

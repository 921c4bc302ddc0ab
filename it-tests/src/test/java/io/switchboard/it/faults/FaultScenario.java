package io.switchboard.it.faults;

import io.switchboard.it.support.FaultReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;

/**
 * What every fault scenario shares: the processes and clients a test starts are stopped after it,
 * in reverse order of start, even when it fails; the fault report is printed after each class.
 */
abstract class FaultScenario {
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Registers {@code resource} to be closed after the test; returns it. */
    protected <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    @AfterEach
    void stopEverything() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                System.err.println("could not stop " + resources.get(i) + ": " + e);
            }
        }
        resources.clear();
    }

    @AfterAll
    static void printReport() {
        FaultReport.print();
    }
}

package io.switchboard.it.faults;

import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.Resources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;


/**
 * What every fault scenario shares: the processes and clients a test starts are stopped after it,
 * in reverse order of start, even when it fails; the fault report is printed after each class.
 */
abstract class FaultScenario {
    private final Resources resources = new Resources();

    /** Registers {@code resource} to be closed after the test; returns it. */
    protected <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }

    @AfterEach
    void stopEverything() {
        resources.close();
    }

    @AfterAll
    static void printReport() {
        FaultReport.print();
    }
}

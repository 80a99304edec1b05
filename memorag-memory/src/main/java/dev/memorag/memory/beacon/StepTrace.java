package dev.memorag.memory.beacon;

/**
 * What one beacon step did (one window, or the part of one that the input reached), for tracing and tests.
 *
 * <p>Thread-safety: immutable (the array is a private copy).
 *
 * @param idsWithBeacons the step's input ids with beacon tokens ({@code vocab_size}) interleaved
 * @param memoryBefore cached entries (sink + beacon + raw) visible to the step
 * @param beaconSize beacons inserted in this step
 * @param fullWindow whether the step completed a window
 * @param sinkAfter sink entries after the memory update
 * @param beaconAfter beacon entries after the memory update
 * @param rawAfter raw entries after the memory update
 */
public record StepTrace(int[] idsWithBeacons, int memoryBefore, int beaconSize, boolean fullWindow, int sinkAfter,
        int beaconAfter, int rawAfter) {
    public StepTrace {
        idsWithBeacons = idsWithBeacons.clone();
    }

    @Override
    public int[] idsWithBeacons() {
        return idsWithBeacons.clone();
    }
}

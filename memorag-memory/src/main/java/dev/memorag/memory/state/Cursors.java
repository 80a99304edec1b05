package dev.memorag.memory.state;

import dev.memorag.error.InvalidInputException;

/**
 * The position of the beacon machinery in the token stream, mirroring MemoRAG's {@code Memory} attributes.
 *
 * <p>Thread-safety: the record is immutable but exposes its arrays; callers must not modify them.
 *
 * @param startIdx first raw token of the open window (absolute)
 * @param endIdx raw tokens processed so far (absolute)
 * @param stepIdx number of forward steps taken
 * @param interleaveRemainder raw tokens of the open window not yet followed by a beacon
 * @param chosenRatio compression ratio of the open window (0 when none was chosen yet)
 * @param fullWindow whether the last step completed a window
 * @param openWindowBeaconIndices 1 for beacon, 0 for raw, for each cached raw-memory entry of the open window
 * @param openWindowIds raw token ids of the open window ({@code startIdx..endIdx})
 * @param tokensRead raw tokens read in total
 * @param rngState state of the seeded random source used by ratio-mix modes
 */
public record Cursors(long startIdx, long endIdx, long stepIdx, int interleaveRemainder, int chosenRatio,
        boolean fullWindow, int[] openWindowBeaconIndices, int[] openWindowIds, long tokensRead, long rngState) {
    public Cursors {
        if (startIdx < 0 || endIdx < startIdx || stepIdx < 0 || interleaveRemainder < 0 || chosenRatio < 0
                || tokensRead < endIdx) {
            throw new InvalidInputException("inconsistent cursors: start=" + startIdx + " end=" + endIdx + " step="
                    + stepIdx + " remainder=" + interleaveRemainder + " ratio=" + chosenRatio + " tokensRead="
                    + tokensRead);
        }
        openWindowBeaconIndices = openWindowBeaconIndices.clone();
        openWindowIds = openWindowIds.clone();
        if (openWindowIds.length != endIdx - startIdx) {
            throw new InvalidInputException("open window holds " + openWindowIds.length + " ids but end-start = "
                    + (endIdx - startIdx));
        }
    }

    /** The cursors of an empty memory. */
    public static Cursors initial(long rngState) {
        return new Cursors(0, 0, 0, 0, 0, true, new int[0], new int[0], 0, rngState);
    }
}

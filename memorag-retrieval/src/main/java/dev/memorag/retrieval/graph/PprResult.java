package dev.memorag.retrieval.graph;

/**
 * The outcome of one Personalized PageRank run.
 *
 * <p>Thread-safety: the record is immutable but {@code scores} is the caller's array; do not share it while writing.
 *
 * @param scores one score per node, summing to 1
 * @param iterations Gauss-Seidel sweeps performed
 * @param lastChange L1 change of the last sweep (below the tolerance when converged)
 */
public record PprResult(double[] scores, int iterations, double lastChange) {
}

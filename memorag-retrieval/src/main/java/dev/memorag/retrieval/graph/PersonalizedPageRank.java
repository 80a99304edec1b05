package dev.memorag.retrieval.graph;

import dev.memorag.error.InvalidInputException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Personalized PageRank on an undirected weighted {@link CsrGraph}, with python-igraph's PRPACK semantics: the reset
 * vector is normalised, a node of zero strength (dangling) sends its mass back according to the reset vector, and the
 * scores sum to 1.
 *
 * <p>How: with dangling mass returned through the reset vector, the stationary vector is proportional to the solution
 * of {@code x = (1-d) r + d W S⁻¹ x} restricted to non-dangling columns, so this class solves that linear system and
 * normalises. It iterates on {@code y = S⁻¹ x}, which turns the system into {@code (S - dW) y = (1-d) r} with a
 * symmetric, strictly diagonally dominant (hence positive definite) matrix; over-relaxed Gauss-Seidel sweeps (one
 * gather per stored entry, no allocation) converge about three times as fast as the plain power iteration. It stops when a sweep changes {@code x} by less than
 * {@link Builder#tolerance} in L1.
 *
 * <p>Thread-safety: immutable and stateless; concurrent {@link #run} calls are safe.
 */
public final class PersonalizedPageRank {
    private static final Logger LOG = LoggerFactory.getLogger(PersonalizedPageRank.class);

    private final double damping;
    private final double tolerance;
    private final int maxIterations;
    private final double relaxation;

    private PersonalizedPageRank(Builder b) {
        if (!(b.damping > 0 && b.damping < 1)) {
            throw new InvalidInputException("PersonalizedPageRank.damping must be in (0, 1), was " + b.damping);
        }
        if (!(b.tolerance > 0) || Double.isInfinite(b.tolerance)) {
            throw new InvalidInputException("PersonalizedPageRank.tolerance must be > 0, was " + b.tolerance);
        }
        if (b.maxIterations <= 0) {
            throw new InvalidInputException("PersonalizedPageRank.maxIterations must be > 0, was " + b.maxIterations);
        }
        if (!(b.relaxation > 0 && b.relaxation < 2)) {
            throw new InvalidInputException("PersonalizedPageRank.relaxation must be in (0, 2), was " + b.relaxation);
        }
        relaxation = b.relaxation;
        damping = b.damping;
        tolerance = b.tolerance;
        maxIterations = b.maxIterations;
    }

    /** Damping 0.5 (HippoRAG 2), tolerance 1e-12, relaxation 1.1, at most 10,000 sweeps. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Scores of all nodes for the given (unnormalised, non-negative) reset vector.
     *
     * @throws InvalidInputException when {@code reset} has the wrong length, a negative or non-finite entry, or sums to 0
     */
    public PprResult run(CsrGraph graph, double[] reset) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(reset, "reset");
        int n = graph.nodeCount();
        if (reset.length != n) {
            throw new InvalidInputException("PPR reset vector has length " + reset.length + ", graph has " + n
                    + " nodes");
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double v = reset[i];
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new InvalidInputException("PPR reset[" + i + "] must be a finite number >= 0, was " + v);
            }
            total += v;
        }
        if (!(total > 0)) {
            throw new InvalidInputException("PPR reset vector sums to 0: no seed node");
        }
        int[] start = graph.rowStartArray();
        int[] cols = graph.columnArray();
        double[] w = graph.weightArray();
        double[] s = graph.strengthArray();
        double d = damping;
        double omega = relaxation;
        double[] base = new double[n];
        double[] invDiag = new double[n];
        double[] selfTerm = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            base[i] = (1 - d) * reset[i] / total;
            if (s[i] > 0) {
                selfTerm[i] = d * graph.weight(i, i);
                invDiag[i] = 1 / (s[i] - selfTerm[i]);
                y[i] = base[i] / s[i];
            }
        }
        int iterations = 0;
        double change = Double.POSITIVE_INFINITY;
        while (change >= tolerance && iterations < maxIterations) {
            change = sweep(start, cols, w, s, base, selfTerm, invDiag, y, d, omega);
            iterations++;
        }
        if (change >= tolerance) {
            LOG.warn("PPR stopped after {} sweeps with L1 change {} (tolerance {})", iterations, change, tolerance);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            // Dangling nodes have no neighbours: their x is just their own reset share.
            y[i] = s[i] > 0 ? y[i] * s[i] : base[i];
            sum += y[i];
        }
        for (int i = 0; i < n; i++) {
            y[i] /= sum;
        }
        return new PprResult(y, iterations, change);
    }

    /** One over-relaxed Gauss-Seidel sweep in place; returns the L1 change of the unnormalised scores. */
    private static double sweep(int[] start, int[] cols, double[] w, double[] s, double[] base, double[] selfTerm,
            double[] invDiag, double[] y, double d, double omega) {
        double change = 0;
        int n = s.length;
        for (int i = 0; i < n; i++) {
            int end = start[i + 1];
            double acc = 0;
            for (int k = start[i]; k < end; k++) {
                acc += w[k] * y[cols[k]];
            }
            double yi = y[i];
            // The row sum included the self-loop with the old value; Gauss-Seidel solves for the diagonal.
            double gs = (base[i] + d * acc - selfTerm[i] * yi) * invDiag[i];
            double next = yi + omega * (gs - yi);
            change += Math.abs(next - yi) * s[i];
            y[i] = next;
        }
        return change;
    }

    public double damping() {
        return damping;
    }

    /** Builder for {@link PersonalizedPageRank}. */
    public static final class Builder {
        private double damping = 0.5;
        private double tolerance = 1e-12;
        private int maxIterations = 10_000;
        private double relaxation = 1.1;

        /** Probability of following an edge rather than jumping back to the reset vector. */
        public Builder damping(double v) {
            damping = v;
            return this;
        }

        /** Stop when one sweep changes the unnormalised scores by less than this (L1). */
        public Builder tolerance(double v) {
            tolerance = v;
            return this;
        }

        public Builder maxIterations(int v) {
            maxIterations = v;
            return this;
        }

        /**
         * Over-relaxation factor of the sweeps, in (0, 2) (the matrix is symmetric positive definite, so any such value
         * converges). 1 is plain Gauss-Seidel; the default 1.1 needs about a third fewer sweeps at damping 0.5.
         */
        public Builder relaxation(double v) {
            relaxation = v;
            return this;
        }

        public PersonalizedPageRank build() {
            return new PersonalizedPageRank(this);
        }
    }
}

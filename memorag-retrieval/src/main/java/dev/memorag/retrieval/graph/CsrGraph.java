package dev.memorag.retrieval.graph;

import dev.memorag.error.InvalidInputException;
import java.util.Arrays;

/**
 * An undirected weighted graph in compressed sparse rows (float64 weights), the layout Personalized PageRank iterates
 * over. Every undirected edge {u, v} is stored in both rows; a self-loop {u, u} is stored once in row u with twice its
 * weight, because an undirected self-loop contributes both of its ends to the node (igraph's convention). Parallel
 * edges are merged by adding their weights, and each row's columns are sorted.
 *
 * <p>Thread-safety: immutable after construction; the arrays are never exposed for writing.
 */
public final class CsrGraph {
    private final int nodeCount;
    private final int[] rowStart;
    private final int[] columns;
    private final double[] weights;
    private final double[] strength;

    private CsrGraph(int nodeCount, int[] rowStart, int[] columns, double[] weights) {
        this.nodeCount = nodeCount;
        this.rowStart = rowStart;
        this.columns = columns;
        this.weights = weights;

        this.strength = new double[nodeCount];
        for (int i = 0; i < nodeCount; i++) {
            double s = 0;
            for (int k = rowStart[i]; k < rowStart[i + 1]; k++) {
                s += weights[k];
            }
            strength[i] = s;
        }
    }

    /**
     * Builds the graph from parallel edge arrays (each of length {@code edgeCount}).
     *
     * @throws InvalidInputException when a node id is out of range or a weight is negative or not finite
     */
    public static CsrGraph fromEdges(int nodeCount, int[] from, int[] to, double[] weight, int edgeCount) {
        if (nodeCount < 0) {
            throw new InvalidInputException("graph nodeCount must be >= 0, was " + nodeCount);
        }
        if (edgeCount < 0 || edgeCount > from.length || edgeCount > to.length || edgeCount > weight.length) {
            throw new InvalidInputException("graph edgeCount " + edgeCount + " exceeds the edge arrays");
        }
        int[] degree = new int[nodeCount + 1];
        for (int e = 0; e < edgeCount; e++) {
            int u = from[e];
            int v = to[e];
            double w = weight[e];
            if (u < 0 || u >= nodeCount || v < 0 || v >= nodeCount) {
                throw new InvalidInputException("graph edge " + e + ": node id out of range [0, " + nodeCount
                        + "): " + u + " - " + v);
            }
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new InvalidInputException("graph edge " + e + " (" + u + " - " + v + "): weight must be a finite"
                        + " number >= 0, was " + w);
            }
            degree[u]++;
            if (u != v) {
                degree[v]++;
            }
        }
        int[] start = new int[nodeCount + 1];
        for (int i = 0; i < nodeCount; i++) {
            start[i + 1] = start[i] + degree[i];
        }
        int[] fill = Arrays.copyOf(start, nodeCount);
        int[] cols = new int[start[nodeCount]];
        double[] ws = new double[start[nodeCount]];
        for (int e = 0; e < edgeCount; e++) {
            int u = from[e];
            int v = to[e];
            if (u == v) {
                cols[fill[u]] = u;
                ws[fill[u]++] = 2 * weight[e];
            } else {
                cols[fill[u]] = v;
                ws[fill[u]++] = weight[e];
                cols[fill[v]] = u;
                ws[fill[v]++] = weight[e];
            }
        }
        return merge(nodeCount, start, cols, ws);
    }

    /** Sorts each row by column and adds up parallel entries, compacting the arrays. */
    private static CsrGraph merge(int nodeCount, int[] start, int[] cols, double[] ws) {
        int[] newStart = new int[nodeCount + 1];
        int out = 0;
        long[] keys = new long[0];
        for (int i = 0; i < nodeCount; i++) {
            int a = start[i];
            int len = start[i + 1] - a;
            newStart[i] = out;
            if (len == 0) {
                continue;
            }
            if (keys.length < len) {
                keys = new long[Math.max(len, keys.length * 2)];
            }
            // Sort (column, original position) pairs so that the weight sum order is deterministic.
            for (int k = 0; k < len; k++) {
                keys[k] = ((long) cols[a + k] << 32) | k;
            }
            Arrays.sort(keys, 0, len);
            double[] rowW = new double[len];
            for (int k = 0; k < len; k++) {
                rowW[k] = ws[a + (int) (keys[k] & 0xffffffffL)];
            }
            int prev = -1;
            for (int k = 0; k < len; k++) {
                int c = (int) (keys[k] >>> 32);
                if (c == prev) {
                    ws[out - 1] += rowW[k];
                } else {
                    cols[out] = c;
                    ws[out++] = rowW[k];
                    prev = c;
                }
            }
        }
        newStart[nodeCount] = out;
        return new CsrGraph(nodeCount, newStart, Arrays.copyOf(cols, out), Arrays.copyOf(ws, out));
    }

    /** Wraps already-merged CSR arrays (used when loading a saved graph); validates their shape. */
    static CsrGraph ofArrays(int nodeCount, int[] rowStart, int[] columns, double[] weights, String source) {
        if (rowStart.length != nodeCount + 1 || rowStart[0] != 0 || rowStart[nodeCount] != columns.length
                || columns.length != weights.length) {
            throw new dev.memorag.error.CorruptDataException(source + ": inconsistent CSR arrays (nodes " + nodeCount
                    + ", entries " + columns.length + ")");
        }
        for (int i = 0; i < nodeCount; i++) {
            if (rowStart[i] > rowStart[i + 1]) {
                throw new dev.memorag.error.CorruptDataException(source + ": row_start decreases at row " + i);
            }
        }
        for (int k = 0; k < columns.length; k++) {
            if (columns[k] < 0 || columns[k] >= nodeCount || !(weights[k] >= 0)) {
                throw new dev.memorag.error.CorruptDataException(source + ": bad CSR entry " + k + " (column "
                        + columns[k] + ", weight " + weights[k] + ")");
            }
        }
        return new CsrGraph(nodeCount, rowStart, columns, weights);
    }

    public int nodeCount() {
        return nodeCount;
    }

    /** Number of stored (directed, merged) entries: about twice the number of distinct undirected edges. */
    public int entryCount() {
        return columns.length;
    }

    /** Sum of the weights of the entries in row {@code node} (a self-loop counts twice). */
    public double strength(int node) {
        return strength[node];
    }

    /** Weight between {@code u} and {@code v} (0 when absent; a self-loop reports twice its weight). */
    public double weight(int u, int v) {
        int k = Arrays.binarySearch(columns, rowStart[u], rowStart[u + 1], v);
        return k >= 0 ? weights[k] : 0;
    }

    // Package-private views for the power iteration and the serializer: no copies on the hot path.
    int[] rowStartArray() {
        return rowStart;
    }

    int[] columnArray() {
        return columns;
    }

    double[] weightArray() {
        return weights;
    }

    double[] strengthArray() {
        return strength;
    }
}

package dev.memorag.memory.beacon;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.memory.state.Cursors;
import dev.memorag.memory.state.KvTensor;
import dev.memorag.memory.state.LayerKv;
import dev.memorag.memory.state.MemoryState;
import dev.memorag.memory.state.ModelFingerprint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The beacon KV state machine's mutable state (MemoRAG's {@code Memory} attributes): the sink, beacon and raw K/V
 * sections per layer (keys before RoPE), the rotated-key cache and the window cursors. Arrays this state owns live
 * in its {@link #owner} manager and are closed when replaced; arrays shared with a snapshot belong to it.
 *
 * <p>Internal type of {@link BeaconTransformer}. Thread-safety: not thread-safe; the transformer serialises access.
 */
final class BeaconState {
    final NDArray[] sinkK;
    final NDArray[] sinkV;
    final NDArray[] beaconK;
    final NDArray[] beaconV;
    final NDArray[] rawK;
    final NDArray[] rawV;
    /** Per layer, RoPE applied to {@code [sink; beacon; raw]} keys at positions 0..; null until computed. */
    final NDArray[] rotatedK;
    NDManager owner;
    long startIdx;
    long endIdx;
    long stepIdx;
    int remainder;
    int chosenRatio;
    boolean fullWindow = true;
    boolean[] windowBeaconFlags = new boolean[0];
    int[] openIds = new int[0];
    long tokensRead;
    long rng;
    int sequenceIdx;

    BeaconState(int layers, long seed) {
        sinkK = new NDArray[layers];
        sinkV = new NDArray[layers];
        beaconK = new NDArray[layers];
        beaconV = new NDArray[layers];
        rawK = new NDArray[layers];
        rawV = new NDArray[layers];
        rotatedK = new NDArray[layers];
        rng = seed;
    }

    int len(NDArray a) {
        return a == null ? 0 : (int) a.getShape().get(1);
    }

    int memorySize() {
        return len(sinkK[0]) + len(beaconK[0]) + len(rawK[0]);
    }

    /** Values {@code [sink; beacon; raw; current]} along the sequence axis, as a temporary of {@code sub}. */
    NDArray withMemory(NDManager sub, int l, NDArray current) {
        NDList parts = present(sinkV[l], beaconV[l], rawV[l]);
        if (parts.isEmpty()) {
            return current;
        }
        parts.add(current);
        return temp(NDArrays.concat(parts, 1), sub);
    }

    /**
     * Rotated keys {@code [memory; current]}, where {@code current} is already rotated; computes and keeps the
     * memory's rotated keys first when they are missing (after a window was compressed or a state loaded).
     */
    NDArray withRotatedMemory(NDManager sub, int l, NDArray current, BeaconTransformer.MemoryRotation rotation, NDArray cos,
            NDArray sin, NDManager root) {
        if (rotatedK[l] == null) {
            NDList parts = present(sinkK[l], beaconK[l], rawK[l]);
            if (parts.isEmpty()) {
                return current;
            }
            // in the step's scope, so the rotation's temporaries never land in a state's manager
            NDArray keys = temp(parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts, 1), sub);
            rotatedK[l] = replace(null, rotation.rotate(keys, cos, sin), owner(root));
        }
        return temp(rotatedK[l].concat(current, 1), sub);
    }

    /** The non-null sections, in order. */
    private static NDList present(NDArray... sections) {
        NDList parts = new NDList();
        for (NDArray a : sections) {
            if (a != null) {
                parts.add(a);
            }
        }
        return parts;
    }

    private static NDArray cat(NDManager sub, NDArray a, NDArray b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : temp(a.concat(b, 1), sub);
    }

    /** Results of ops on owned arrays land in the owner's manager; move temporaries to the step's manager. */
    private static NDArray temp(NDArray a, NDManager sub) {
        a.attach(sub);
        return a;
    }

    NDManager owner(NDManager root) {
        if (owner == null) {
            owner = root.newSubManager();
        }
        return owner;
    }

    /** Moves {@code neu} into the owner manager and closes {@code old} when this state owns it. */
    private NDArray replace(NDArray old, NDArray neu, NDManager own) {
        if (neu != null) {
            neu.attach(own);
        }
        if (old != null && old != neu && old.getManager() == own) {
            old.close();
        }
        return neu;
    }

    void update(NDManager sub, NDArray[] k, NDArray[] v, NDArray[] rotated, boolean full, int sinkSize,
            NDManager root) {
        NDManager own = owner(root);
        for (int l = 0; l < k.length; l++) {
            boolean sinkChanges = beaconK[l] == null && sinkSize > 0;
            // Appending raw entries keeps every position, so [memory; chunk] rotated is the new cache; a new
            // sink or a compressed window moves entries, and the cache is rebuilt at the next step.
            rotatedK[l] = replace(rotatedK[l], !full && !sinkChanges ? rotated[l] : null, own);
            if (sinkChanges) {
                long n = Math.min(sinkSize, k[l].getShape().get(1));
                sinkK[l] = replace(sinkK[l], temp(k[l].get(new NDIndex(":, :" + n)), sub), own);
                sinkV[l] = replace(sinkV[l], temp(v[l].get(new NDIndex(":, :" + n)), sub), own);
            }
            if (!full) {
                rawK[l] = replace(rawK[l], cat(sub, rawK[l], k[l]), own);
                rawV[l] = replace(rawV[l], cat(sub, rawV[l], v[l]), own);
            } else {
                NDArray allK = cat(sub, rawK[l], k[l]);
                NDArray allV = cat(sub, rawV[l], v[l]);
                long[] idx = new long[windowBeaconFlags.length];
                int n = 0;
                for (int i = 0; i < windowBeaconFlags.length; i++) {
                    if (windowBeaconFlags[i]) {
                        idx[n++] = i;
                    }
                }
                if (n > 0) {
                    NDArray sel = sub.create(Arrays.copyOf(idx, n));
                    NDArray bk = temp(allK.get(new NDIndex(":, {}", sel)), sub);
                    NDArray bv = temp(allV.get(new NDIndex(":, {}", sel)), sub);
                    beaconK[l] = replace(beaconK[l], cat(sub, beaconK[l], bk), own);
                    beaconV[l] = replace(beaconV[l], cat(sub, beaconV[l], bv), own);
                }
                rawK[l] = replace(rawK[l], null, own);
                rawV[l] = replace(rawV[l], null, own);
            }
        }
    }

    int chooseRatio(BeaconConfig c, long sequenceLength) {
        List<Integer> ratios = c.ratios();
        if (ratios.size() == 1) {
            return ratios.get(0);
        }
        List<Integer> valid = new ArrayList<>();
        for (int r : ratios) {
            if (c.stride() >= r && c.stride() % r == 0) {
                valid.add(r);
            }
        }
        if (valid.isEmpty()) {
            throw new InvalidInputException("no beacon_ratio among " + ratios + " divides beacon_stride "
                    + c.stride());
        }
        String mix = c.ratioMix();
        if (mix.equals("step-random")) {
            return valid.get(nextInt(valid.size()));
        }
        if (mix.equals("sequence")) {
            return valid.get(sequenceIdx++ % valid.size());
        }
        if (chosenRatio > 0 && stepIdx > 0) {
            // instance-random and adapt-N choose once per memory
            return chosenRatio;
        }
        if (mix.equals("instance-random")) {
            return valid.get(nextInt(valid.size()));
        }
        long future = Long.parseLong(mix.substring("adapt-".length()));
        long needed = sequenceLength + future;
        int best = -1;
        long bestLen = Long.MAX_VALUE;
        for (int r : valid) {
            long max = (long) (c.maxPositions() - c.window()) * r + c.window();
            if (max >= needed && max < bestLen) {
                best = r;
                bestLen = max;
            }
        }
        return best > 0 ? best : valid.stream().max(Integer::compare).orElseThrow();
    }

    /** SplitMix64: a seeded source whose whole state is one long, so it can be saved with the memory. */
    private int nextInt(int bound) {
        rng += 0x9E3779B97F4A7C15L;
        long z = rng;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (int) Math.floorMod(z, (long) bound);
    }

    /** A working copy: same cursors, sharing (not owning) this state's arrays. */
    BeaconState shallowCopy() {
        BeaconState s = new BeaconState(sinkK.length, rng);
        s.startIdx = startIdx;
        s.endIdx = endIdx;
        s.stepIdx = stepIdx;
        s.remainder = remainder;
        s.chosenRatio = chosenRatio;
        s.fullWindow = fullWindow;
        s.windowBeaconFlags = windowBeaconFlags.clone();
        s.openIds = openIds.clone();
        s.tokensRead = tokensRead;
        s.sequenceIdx = sequenceIdx;
        System.arraycopy(sinkK, 0, s.sinkK, 0, sinkK.length);
        System.arraycopy(sinkV, 0, s.sinkV, 0, sinkV.length);
        System.arraycopy(beaconK, 0, s.beaconK, 0, beaconK.length);
        System.arraycopy(beaconV, 0, s.beaconV, 0, beaconV.length);
        System.arraycopy(rawK, 0, s.rawK, 0, rawK.length);
        System.arraycopy(rawV, 0, s.rawV, 0, rawV.length);
        System.arraycopy(rotatedK, 0, s.rotatedK, 0, rotatedK.length);
        return s;
    }

    MemoryState export(BeaconConfig c, ModelFingerprint fp) {
        List<LayerKv> layers = new ArrayList<>();
        for (int l = 0; l < sinkK.length; l++) {
            layers.add(new LayerKv(kv(sinkK[l], c), kv(sinkV[l], c), kv(beaconK[l], c), kv(beaconV[l], c),
                    kv(rawK[l], c), kv(rawV[l], c)));
        }
        int[] flags = new int[windowBeaconFlags.length];
        for (int i = 0; i < flags.length; i++) {
            flags[i] = windowBeaconFlags[i] ? 1 : 0;
        }
        return new MemoryState(fp, new Cursors(startIdx, endIdx, stepIdx, remainder, chosenRatio, fullWindow,
                flags, openIds, tokensRead, rng), layers);
    }

    private static KvTensor kv(NDArray a, BeaconConfig c) {
        if (a == null) {
            return KvTensor.empty(c.kvHeads(), c.headDim());
        }
        NDArray f = a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
        float[] data = f.toFloatArray();
        if (f != a) {
            f.close();
        }
        return new KvTensor(c.kvHeads(), (int) a.getShape().get(1), c.headDim(), data);
    }

    /** A state holding {@code m}'s K/V in {@code dtype} arrays of a sub-manager of {@code root}. */
    static BeaconState fromSaved(MemoryState m, NDManager root, int stride, DataType dtype) {
        Cursors cur = m.cursors();
        BeaconState s = new BeaconState(m.layers().size(), cur.rngState());
        s.startIdx = cur.startIdx();
        s.endIdx = cur.endIdx();
        s.stepIdx = cur.stepIdx();
        s.remainder = cur.interleaveRemainder();
        s.chosenRatio = cur.chosenRatio();
        s.fullWindow = cur.fullWindow();
        s.windowBeaconFlags = new boolean[cur.openWindowBeaconIndices().length];
        for (int i = 0; i < s.windowBeaconFlags.length; i++) {
            s.windowBeaconFlags[i] = cur.openWindowBeaconIndices()[i] == 1;
        }
        s.openIds = cur.openWindowIds();
        s.tokensRead = cur.tokensRead();
        // the "sequence" mix mode advances once per window started: the completed ones plus an open one
        s.sequenceIdx = (int) (s.startIdx / stride) + (s.fullWindow ? 0 : 1);
        int raw = m.layers().isEmpty() ? 0 : m.layers().get(0).rawKey().length();
        if (!s.fullWindow && s.windowBeaconFlags.length > 0 && raw != s.windowBeaconFlags.length) {
            throw new StateException("memory state: open window has " + s.windowBeaconFlags.length
                    + " beacon flags but " + raw + " raw entries");
        }
        NDManager own = s.owner(root);
        for (int l = 0; l < m.layers().size(); l++) {
            LayerKv kv = m.layers().get(l);
            s.sinkK[l] = nd(kv.sinkKey(), own, dtype);
            s.sinkV[l] = nd(kv.sinkValue(), own, dtype);
            s.beaconK[l] = nd(kv.beaconKey(), own, dtype);
            s.beaconV[l] = nd(kv.beaconValue(), own, dtype);
            s.rawK[l] = nd(kv.rawKey(), own, dtype);
            s.rawV[l] = nd(kv.rawValue(), own, dtype);
        }
        return s;
    }

    private static NDArray nd(KvTensor t, NDManager own, DataType dtype) {
        if (t.length() == 0) {
            return null;
        }
        NDArray a = own.create(t.data(), new Shape(t.heads(), t.length(), t.headDim()));
        if (dtype == DataType.FLOAT32) {
            return a;
        }
        NDArray converted = a.toType(dtype, false);
        a.close();
        return converted;
    }

    /** Takes over the arrays this state references that {@code other} owns. */
    void adopt(NDManager other, NDManager root) {
        if (other == null) {
            return;
        }
        NDManager own = owner(root);
        for (NDArray[] slot : new NDArray[][] {sinkK, sinkV, beaconK, beaconV, rawK, rawV, rotatedK}) {
            for (NDArray a : slot) {
                if (a != null && a.getManager() == other) {
                    a.attach(own);
                }
            }
        }
    }

    void close() {
        if (owner != null) {
            owner.close();
            owner = null;
        }
    }
}

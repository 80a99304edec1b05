package dev.memorag.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.memory.beacon.BeaconConfig;
import dev.memorag.memory.beacon.BeaconTransformer;
import dev.memorag.memory.lm.RuntimeOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag memory trace}: memorises context token ids, then greedily generates after query ids, printing the
 * sink/beacon/raw KV entries per layer after each phase and the new tokens (the golden protocol, raw ids, no chat
 * template).
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Memorise token ids, generate greedily, print KV sizes per layer and the new tokens.")
public final class MemoryTraceCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Model directory (beacon or plain decoder).")
    Path model;

    @Option(names = "--context-ids", required = true, split = ",", description = "Context token ids, comma-separated.")
    int[] contextIds;

    @Option(names = "--query-ids", required = true, split = ",", description = "Query token ids, comma-separated.")
    int[] queryIds;

    @Option(names = "--max-new-tokens", defaultValue = "8", description = "Greedy tokens to generate.")
    int maxNewTokens;

    @Option(names = "--beacon-ratio", description = "Override beacon_ratio (beacon models).")
    Integer ratio;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", description = "fp32, fp16 or int8 (default: fp32 on CPU, fp16 on CUDA; int8 is CPU only).")
    String dtype;

    @Option(names = "--json", description = "Print JSON (the default output format).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (maxNewTokens <= 0) {
            throw new InvalidInputException("--max-new-tokens must be > 0, was " + maxNewTokens);
        }
        boolean beacon = BeaconConfig.isBeaconModel(model);
        ObjectMapper om = new ObjectMapper();
        ObjectNode out = om.createObjectNode();
        RuntimeOptions options = RuntimeOptions.of(device, dtype);
        try (BeaconTransformer m = beacon ? BeaconTransformer.load(model, ratio, options)
                : BeaconTransformer.loadFullKv(model, 512, options)) {
            out.put("model", model.toString());
            out.put("kind", m.fingerprint().kind());
            out.put("context_tokens", contextIds.length);
            out.put("query_tokens", queryIds.length);
            m.feed(contextIds, false);
            m.snapshot();
            sizes(out.putObject("after_memorize"), m);
            m.restoreSnapshot();
            int[] tokens = m.generateGreedy(queryIds, maxNewTokens, null);
            sizes(out.putObject("after_generate"), m);
            ArrayNode t = out.putArray("new_tokens");
            Arrays.stream(tokens).forEach(t::add);
        }
        spec.commandLine().getOut().println(om.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static void sizes(ObjectNode node, BeaconTransformer m) {
        int[] s = m.memorySizes();
        node.put("tokens_read", m.tokensRead());
        ArrayNode layers = node.putArray("per_layer");
        // the beacon machinery keeps the same number of entries in every layer
        for (int l = 0; l < m.config().layers(); l++) {
            ObjectNode o = layers.addObject();
            o.put("layer", l);
            o.put("sink", s[0]);
            o.put("beacon", s[1]);
            o.put("raw", s[2]);
        }
    }
}

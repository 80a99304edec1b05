package dev.memorag.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.GenerationOptions;
import dev.memorag.memory.lm.CausalLm;
import dev.memorag.memory.lm.DecodingLoop;
import dev.memorag.memory.lm.RuntimeOptions;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memorag lm}: greedy decoding from token ids on a local checkpoint (no tokenizer; EOS ignored). */
@Command(name = "lm", mixinStandardHelpOptions = true,
        description = "Greedy-decode from token ids with a local decoder checkpoint (EOS is not applied).")
public final class LmCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint directory (config.json + safetensors) or a .gguf file.")
    Path model;

    @Option(names = "--ids", required = true, split = ",", description = "Prompt token ids, comma-separated.")
    int[] ids;

    @Option(names = "--max-new-tokens", defaultValue = "16", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", description = "fp32, fp16 or int8 (default: fp32 on CPU, fp16 on CUDA; int8 is CPU only).")
    String dtype;

    @Option(names = "--json", description = "Print {\"new_tokens\":[...],\"first_step_logits\":[...]}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        RuntimeOptions options = RuntimeOptions.of(device, dtype);
        try (CausalLm lm = CausalLm.load(model, options)) {
            DecodingLoop.Result r = lm.generate(ids, GenerationOptions.greedy(maxNewTokens), Set.of(), t -> false);
            if (json) {
                ObjectMapper m = new ObjectMapper();
                ObjectNode out = m.createObjectNode();
                ArrayNode toks = out.putArray("new_tokens");
                for (int t : r.tokens()) {
                    toks.add(t);
                }
                ArrayNode logits = out.putArray("first_step_logits");
                for (float f : r.firstStepLogits()) {
                    logits.add(f);
                }
                spec.commandLine().getOut().println(m.writeValueAsString(out));
            } else {
                spec.commandLine().getOut().println(java.util.Arrays.toString(r.tokens()));
            }
        }
        return 0;
    }
}

package dev.memorag.bench;

import dev.memorag.cli.CliExtension;
import java.util.List;

/** Adds {@code memorag bench} and {@code memorag eval} to the CLI when this module is on the class path. */
public final class BenchCliExtension implements CliExtension {

    @Override
    public List<Object> commands() {
        return List.of(new BenchCommand(), new EvalCommand());
    }
}

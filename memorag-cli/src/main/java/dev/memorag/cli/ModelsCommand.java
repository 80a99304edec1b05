package dev.memorag.cli;

import dev.memorag.model.ModelResolver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code memorag models ...}: finds models locally or in the Hugging Face cache, and downloads them into that cache.
 * Configuration comes from {@code HF_HOME}, {@code HF_HUB_CACHE}, {@code HF_ENDPOINT}, {@code HF_TOKEN} and
 * {@code HF_HUB_OFFLINE}, as for the Python tools.
 *
 * <p>Thread-safety: a picocli command object; each run uses its own instance on one thread.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Find and download models (Hugging Face cache layout).",
        subcommands = {ModelsCommand.Resolve.class, ModelsCommand.Download.class})
public final class ModelsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options shared by the subcommands. */
    static final class HubOptions {
        @Option(names = "--revision", paramLabel = "R", defaultValue = ModelResolver.DEFAULT_REVISION,
                description = "Branch, tag or commit hash (default: ${DEFAULT-VALUE}).")
        String revision;

        @Option(names = "--cache-dir", paramLabel = "DIR",
                description = "Hub cache folder (default: $HF_HUB_CACHE, else $HF_HOME/hub, "
                        + "else ~/.cache/huggingface/hub).")
        Path cacheDir;

        @Mixin
        ProgressOptions progress;

        ModelResolver.Builder resolver(ProgressBar bar) {
            ModelResolver.Builder b = ModelResolver.builder().progress(bar);
            if (cacheDir != null) {
                b.hubCache(cacheDir);
            }
            return b;
        }

        ProgressBar progressBar(CommandLine.Model.CommandSpec spec) {
            return progress.bar(spec.commandLine().getErr(), ProgressBar.Unit.BYTES);
        }

        /** What Ctrl-C during a download keeps: partial files are continued by the next run. */
        static void reportInterruption(String reference) {
            Interruption.report("the files of " + reference + " downloaded so far stay in the cache; run the "
                    + "command again to resume");
        }
    }

    @Command(name = "resolve", mixinStandardHelpOptions = true,
            description = {"Print the local directory of a model.",
                "REF is an existing directory, or a hub id looked up in the Hugging Face cache and, with --download,",
                "downloaded into it when missing."})
    static final class Resolve implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "REF", description = "A directory or a hub repository id (ORG/NAME).")
        String reference;

        @Option(names = "--download", description = "Download the model if it is not in the cache.")
        boolean download;

        @Mixin
        HubOptions hub;

        @Override
        public Integer call() {
            ProgressBar bar = hub.progressBar(spec);
            if (download) {
                HubOptions.reportInterruption(reference);
            }
            try {
                Path dir = hub.resolver(bar).allowDownload(download).build().resolve(reference, hub.revision);
                bar.finish();
                spec.commandLine().getOut().println(dir);
                return 0;
            } finally {
                bar.finish();
            }
        }
    }

    @Command(name = "download", mixinStandardHelpOptions = true,
            description = {"Download a model into the Hugging Face cache and print its directory.",
                "Resumable and verified; files already in the cache are not fetched again."})
    static final class Download implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "REF", description = "A hub repository id (ORG/NAME).")
        String reference;

        @Option(names = "--include", paramLabel = "GLOB",
                description = "Only files matching this glob (* also matches /); repeatable. Default: all files.")
        List<String> include = new ArrayList<>();

        @Mixin
        HubOptions hub;

        @Override
        public Integer call() {
            ProgressBar bar = hub.progressBar(spec);
            HubOptions.reportInterruption(reference);
            try {
                Path dir = hub.resolver(bar).build().download(reference, hub.revision, include);
                bar.finish();
                spec.commandLine().getOut().println(dir);
                return 0;
            } finally {
                bar.finish();
            }
        }
    }
}

package dev.memorag.cli;

import picocli.CommandLine;

/** Reports the library version from the jar manifest (or "dev" when run from classes). */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = MemoragCli.class.getPackage().getImplementationVersion();
        return new String[] {"memorag " + (v == null ? "dev" : v), "Java " + System.getProperty("java.version")};
    }
}

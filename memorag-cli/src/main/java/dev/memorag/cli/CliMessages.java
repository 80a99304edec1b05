package dev.memorag.cli;

import java.util.regex.Pattern;

/**
 * Library messages in command-line terms. The library names its own API in messages and, where a command-line option
 * does the same, writes it after in the form {@code JavaName (CLI: --option)}, e.g. {@code MemorizeMode.REPLACE (CLI:
 * --replace)} or {@code allowDownload(true) (CLI: --download)}; the command line keeps only the option, so its users
 * never read a Java name.
 *
 * <p>Thread-safety: stateless and thread-safe.
 */
final class CliMessages {
    /** A Java name (dotted, or a call with simple arguments) followed by its command-line spelling. */
    private static final Pattern JAVA_THEN_CLI = Pattern.compile(
            "\\b(?:[A-Za-z_]\\w*(?:\\.\\w+)+(?:\\([^()]*\\))?|[A-Za-z_]\\w*\\([^()]*\\)) \\(CLI: ([^()]*)\\)");

    private CliMessages() {
    }

    /** {@code message} with each {@code JavaName (CLI: option)} replaced by the option. */
    static String translate(String message) {
        return message == null ? null : JAVA_THEN_CLI.matcher(message).replaceAll("$1");
    }
}

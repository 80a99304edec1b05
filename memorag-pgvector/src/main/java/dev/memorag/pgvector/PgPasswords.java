package dev.memorag.pgvector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the password for a store URL without it ever being saved: {@value #ENV} first, then libpq's
 * {@code PGPASSWORD}, then the pgpass file ({@code PGPASSFILE}, else {@code ~/.pgpass}; lines
 * {@code host:port:database:user:password}, {@code *} matching anything, {@code \} escaping). No password at all is
 * fine for servers that trust the connection.
 *
 * <p>Thread-safety: stateless.
 */
public final class PgPasswords {
    /** The environment variable read first. */
    public static final String ENV = "MEMORAG_PG_PASSWORD";

    private static final Pattern URL = Pattern.compile(
            "jdbc:postgresql://(\\[[^\\]]+\\]|[^/:?]+)(?::(\\d+))?/([^?]*)(?:\\?(.*))?");

    private PgPasswords() {
    }

    /** The password for {@code url}, from the process environment and the user's pgpass file. */
    static Optional<String> find(String url) {
        return find(url, System::getenv, Path.of(System.getProperty("user.home"), ".pgpass"));
    }

    static Optional<String> find(String url, Function<String, String> env, Path defaultPgpass) {
        for (String var : new String[] {ENV, "PGPASSWORD"}) {
            String v = env.apply(var);
            if (v != null && !v.isEmpty()) {
                return Optional.of(v);
            }
        }
        String file = env.apply("PGPASSFILE");
        Path pgpass = file != null && !file.isEmpty() ? Path.of(file) : defaultPgpass;
        if (!Files.isRegularFile(pgpass)) {
            return Optional.empty();
        }
        Matcher m = URL.matcher(url);
        if (!m.matches()) {
            return Optional.empty();
        }
        String host = m.group(1);
        String port = m.group(2) == null ? "5432" : m.group(2);
        String db = m.group(3);
        String user = parameter(m.group(4), "user").orElse(System.getProperty("user.name"));
        try {
            for (String line : Files.readAllLines(pgpass, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                List<String> f = fields(line);
                if (f.size() == 5 && matches(f.get(0), host) && matches(f.get(1), port) && matches(f.get(2), db)
                        && matches(f.get(3), user)) {
                    return Optional.of(f.get(4));
                }
            }
        } catch (IOException e) {
            // An unreadable pgpass file is the same as none (libpq ignores it too); the server then says what failed.
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** {@code url} with any password parameter's value masked, for error messages about a rejected URL. */
    static String redact(String url) {
        return url == null ? null : url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static Optional<String> parameter(String query, String name) {
        if (query == null) {
            return Optional.empty();
        }
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(name)) {
                return Optional.of(kv.substring(eq + 1));
            }
        }
        return Optional.empty();
    }

    private static boolean matches(String pattern, String value) {
        return pattern.equals("*") || pattern.equals(value);
    }

    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == ':' && out.size() < 4) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}

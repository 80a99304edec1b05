package dev.memorag.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The package dependencies of compiled classes, read from their class files' constant pools (every class named by a
 * class constant or inside a field, method or generic signature), restricted to {@code dev.memorag} packages. Used by
 * the architecture tests: core has no package cycle, and no module reaches into {@value #INTERNAL}. What javac inlines
 * (compile-time constants) and what only Javadoc mentions are not dependencies, as for the JVM.
 *
 * <p>Thread-safety: immutable once built.
 */
public final class PackageGraph {
    /** The one package no other module may use: the facade's implementation. */
    public static final String INTERNAL = "dev.memorag.internal";

    private static final Pattern DESCRIPTOR_CLASS = Pattern.compile("L(dev/memorag/[\\w/$]+)[;<]");
    private static final String ROOT = "dev/memorag/";

    /** Package → class in it → classes it uses (all {@code dev.memorag}, binary names with dots). */
    private final Map<String, Map<String, Set<String>>> uses = new TreeMap<>();

    private PackageGraph() {
    }

    /** The graph of the classes in the class-path entry (directory or jar) that holds {@code type}. */
    public static PackageGraph ofClassesOf(Class<?> type) {
        try {
            return of(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException("class-path entry of " + type + " is not a file", e);
        }
    }

    /** The graph of the classes under {@code classes} (a directory of class files, or a jar). */
    public static PackageGraph of(Path classes) {
        PackageGraph g = new PackageGraph();
        try {
            if (Files.isDirectory(classes)) {
                try (Stream<Path> s = Files.walk(classes)) {
                    for (Path p : s.filter(f -> f.toString().endsWith(".class")).toList()) {
                        try (InputStream in = Files.newInputStream(p)) {
                            g.read(in);
                        }
                    }
                }
            } else {
                try (JarFile jar = new JarFile(classes.toFile())) {
                    for (JarEntry e : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
                        try (InputStream in = jar.getInputStream(e)) {
                            g.read(in);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classes in " + classes, e);
        }
        return g;
    }

    private void read(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classIndex = new int[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classIndex[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                case 5, 6 -> {
                    in.readLong();
                    i++;
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        in.readUnsignedShort();
        String self = utf8[classIndex[in.readUnsignedShort()]];
        if (!self.startsWith(ROOT) || self.endsWith("module-info")) {
            return;
        }
        Set<String> used = new TreeSet<>();
        for (int i = 1; i < count; i++) {
            if (classIndex[i] != 0) {
                String name = utf8[classIndex[i]];
                if (name.startsWith(ROOT)) {
                    used.add(name);
                } else if (name.startsWith("[")) {
                    addDescriptorClasses(name, used);
                }
            } else if (utf8[i] != null && utf8[i].contains("Ldev/memorag/")) {
                addDescriptorClasses(utf8[i], used);
            }
        }
        String cls = self.replace('/', '.');
        Set<String> dotted = new TreeSet<>();
        used.forEach(u -> dotted.add(u.replace('/', '.')));
        dotted.remove(cls);
        uses.computeIfAbsent(packageOf(cls), k -> new TreeMap<>()).put(cls, dotted);
    }

    private static void addDescriptorClasses(String descriptor, Set<String> out) {
        Matcher m = DESCRIPTOR_CLASS.matcher(descriptor);
        while (m.find()) {
            out.add(m.group(1));
        }
    }

    private static String packageOf(String binaryName) {
        int dot = binaryName.lastIndexOf('.');
        return dot < 0 ? "" : binaryName.substring(0, dot);
    }

    /** The packages of the classes read. */
    public Set<String> packages() {
        return uses.keySet();
    }

    /** Package → the other {@code dev.memorag} packages its classes use (whether read or not). */
    public Map<String, Set<String>> packageDependencies() {
        Map<String, Set<String>> out = new TreeMap<>();
        uses.forEach((pkg, classes) -> {
            Set<String> deps = out.computeIfAbsent(pkg, k -> new TreeSet<>());
            classes.values().forEach(used -> used.forEach(u -> deps.add(packageOf(u))));
            deps.remove(pkg);
        });
        return out;
    }

    /** Every use of a class in package {@code target} (or its sub-packages), as "user -> used" lines. */
    public List<String> usesOf(String target) {
        List<String> out = new ArrayList<>();
        uses.values().forEach(classes -> classes.forEach((user, used) -> used.stream()
                .filter(u -> packageOf(u).equals(target) || packageOf(u).startsWith(target + "."))
                .forEach(u -> out.add(user + " -> " + u))));
        return out;
    }

    /** An example of why {@code from} depends on {@code to}: "class -> class". */
    public String why(String from, String to) {
        for (Map.Entry<String, Set<String>> e : uses.getOrDefault(from, Map.of()).entrySet()) {
            for (String u : e.getValue()) {
                if (packageOf(u).equals(to)) {
                    return e.getKey() + " -> " + u;
                }
            }
        }
        return from + " -> " + to;
    }

    /**
     * The package cycles among the packages read: the strongly connected components with more than one package
     * (Tarjan's algorithm), each with one class-level example per edge inside it.
     */
    public List<String> cycles() {
        Map<String, Set<String>> deps = packageDependencies();
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> components = new ArrayList<>();
        int[] counter = {0};
        for (String p : deps.keySet()) {
            if (!index.containsKey(p)) {
                strongConnect(p, deps, index, low, stack, onStack, components, counter);
            }
        }
        List<String> out = new ArrayList<>();
        for (Set<String> c : components) {
            if (c.size() > 1) {
                StringBuilder sb = new StringBuilder("cycle " + c + ":");
                for (String from : c) {
                    for (String to : deps.get(from)) {
                        if (c.contains(to)) {
                            sb.append("\n  ").append(why(from, to));
                        }
                    }
                }
                out.add(sb.toString());
            }
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Set<String>> deps, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : deps.getOrDefault(v, Set.of())) {
            if (!deps.containsKey(w)) {
                continue;
            }
            if (!index.containsKey(w)) {
                strongConnect(w, deps, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            out.add(component);
        }
    }
}

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The README shows what this project is: its first {@code xml} block is this pom's dependencyManagement and
 * dependencies (JUnit, test scope, aside), its first {@code java} block is Quickstart.java, and the example of "The
 * pipeline in Java" compiles with them.
 */
class ReadmeTest {
    private static final Path README = Path.of(System.getProperty("memorag.readme"));

    @Test
    void theJavaExampleIsQuickstart() throws Exception {
        assertEquals(Files.readString(Path.of("src/main/java/Quickstart.java")).strip(), firstBlock("java"));
    }

    @Test
    void theMavenBlockIsThisPomsDependencies() throws Exception {
        Element readme = parse("<project>" + firstBlock("xml") + "</project>");
        Element pom = parse(Files.readString(Path.of("pom.xml")));
        assertEquals(dependencies(readme, "dependencyManagement"), dependencies(pom, "dependencyManagement"));
        List<Map<String, String>> pomDependencies = dependencies(pom, "project");
        pomDependencies.removeIf(d -> "test".equals(d.get("scope")));
        assertEquals(dependencies(readme, "project"), pomDependencies);
    }

    /** The example of "The pipeline in Java" (a fragment with its imports) compiles against the README's block. */
    @Test
    void thePipelineExampleCompiles(@TempDir Path tmp) throws Exception {
        Matcher m = Pattern.compile("(?s)## The pipeline in Java\n\n```java\n(.*?)```")
                .matcher(Files.readString(README));
        assertTrue(m.find(), "no java block under \"## The pipeline in Java\" in " + README);
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : m.group(1).split("\n")) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        Path source = Files.writeString(tmp.resolve("PipelineExample.java"), imports + "class PipelineExample {\n"
                + "    static void run() throws Exception {\n" + body + "    }\n}\n");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, "-proc:none", "-d", tmp.toString(), "-cp",
                System.getProperty("java.class.path"), source.toString());
        assertEquals(0, rc, errors.toString(StandardCharsets.UTF_8));
    }

    private static String firstBlock(String language) throws Exception {
        Matcher m = Pattern.compile("(?s)```" + language + "\n(.*?)```").matcher(Files.readString(README));
        if (!m.find()) {
            throw new AssertionError("no ```" + language + " block in " + README);
        }
        return m.group(1).strip();
    }

    private static Element parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
    }

    /** The dependency elements of {@code <dependencies>} directly under the element named {@code parent}. */
    private static List<Map<String, String>> dependencies(Element root, String parent) {
        Element owner = parent.equals(root.getTagName()) ? root : child(root, parent);
        List<Map<String, String>> out = new ArrayList<>();
        Element deps = owner == null ? null : child(owner, "dependencies");
        if (deps == null) {
            return out;
        }
        for (Node n = deps.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element dep) {
                Map<String, String> fields = new LinkedHashMap<>();
                NodeList children = dep.getChildNodes();
                for (int i = 0; i < children.getLength(); i++) {
                    if (children.item(i) instanceof Element field) {
                        fields.put(field.getTagName(), field.getTextContent().strip());
                    }
                }
                out.add(fields);
            }
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }
}

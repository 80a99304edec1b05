package dev.memorag.retrieval.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParsingTest {

    @Test
    void normalisationKeepsLettersOfEveryScript() {
        assertEquals("barack h obama", PhraseNormalizer.normalize("  Barack H. Obama!! "));
        assertEquals("東京都 tokyo", PhraseNormalizer.normalize("東京都（Tokyo）"));
        assertEquals("abc 123", PhraseNormalizer.normalize("ＡＢＣ－１２３"));
        assertEquals("ångström", PhraseNormalizer.normalize("A\u030Angström"));
        assertEquals("हिन्दी", PhraseNormalizer.normalize("हिन्दी"));
        assertEquals("", PhraseNormalizer.normalize(" -- ... "));
        assertEquals(2, PhraseNormalizer.alphanumericCount("u2"));
    }

    @Test
    void pythonLiteralsParseWithoutEvaluation() {
        Object v = PythonLiteral.parse("[('Obama', \"born in\", 'Hawaii'), ['it\\'s', 'x\\u00e9', 3, None, True]]",
                "f");
        assertEquals(List.of(List.of("Obama", "born in", "Hawaii"), Arrays.asList("it's", "xé", 3L, null, true)), v);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> PythonLiteral.parse("[__import__('os').system('x')]", "file.json docs[3].extracted_triples"));
        assertTrue(e.getMessage().contains("docs[3].extracted_triples") && e.getMessage().contains("offset 1"),
                e.getMessage());
        assertThrows(InvalidInputException.class, () -> PythonLiteral.parse("['open", "f"));
        assertThrows(InvalidInputException.class, () -> PythonLiteral.parse("['a'] extra", "f"));
    }

    @Test
    void lenientJsonRepairsTruncationAndSkipsProse() {
        LenientJson.Parsed p = LenientJson.parse("Sure! ```json\n{\"entities\": [\"A\", \"B\"]}\n```");
        assertFalse(p.repaired());
        assertEquals(2, p.value().get("entities").size());
        p = LenientJson.parse("{\"triples\": [[\"a\", \"r\", \"b\"], [\"c\", \"r\", \"d\"], [\"e\", \"r");
        assertTrue(p.repaired());
        assertEquals(3, p.value().get("triples").size());
        assertEquals(1, p.value().get("triples").get(2).size());
        assertNull(LenientJson.parse("I cannot help with that."));
    }

    @Test
    void openIeImportReadsListsAndPythonStringsAndReportsBadTriples(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("openie.json");
        Files.writeString(f, """
                {"docs": [
                  {"passage": "P1\\ntext", "extracted_entities": ["A"],
                   "extracted_triples": [["A", "r", "B"], ["only", "two"], ["x", 5, "y"]]},
                  {"passage": "P2", "extracted_entities": "['C', 'D']",
                   "extracted_triples": "[('C', 'knows', 'D')]"}
                ], "avg_ent_chars": NaN}""");
        List<OpenIeImport.Document> docs = OpenIeImport.read(f);
        assertEquals(2, docs.size());
        assertEquals(List.of(new Triple("A", "r", "B"), new Triple("x", "5", "y")), docs.get(0).triples());
        assertEquals(1, docs.get(0).problems().size());
        assertTrue(docs.get(0).problems().get(0).contains("docs[0]: triple 1"), docs.get(0).problems().get(0));
        assertEquals(List.of("C", "D"), docs.get(1).entities());
        assertEquals(List.of(new Triple("C", "knows", "D")), docs.get(1).triples());

        Files.writeString(f, "{\"docs\": [{\"passage\": \"P\", \"extracted_triples\": \"[('a', 'b'\"}]}");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OpenIeImport.read(f));
        assertTrue(e.getMessage().contains("docs[0].extracted_triples"), e.getMessage());
        Files.writeString(f, "{\"docs\": [");
        CorruptDataException c = assertThrows(CorruptDataException.class, () -> OpenIeImport.read(f));
        assertTrue(c.getMessage().contains(f.toString()), c.getMessage());
        e = assertThrows(InvalidInputException.class, () -> OpenIeImport.read(dir.resolve("missing.json")));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
    }
}

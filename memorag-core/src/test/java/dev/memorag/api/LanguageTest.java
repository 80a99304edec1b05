package dev.memorag.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class LanguageTest {

    @Test
    void realTextsAreDetected() throws IOException {
        assertEquals(Language.EN, Language.detect(
                Files.readString(TestData.path("books/pg11_alice.txt"), StandardCharsets.UTF_8)));
        assertEquals(Language.ZH, Language.detect(
                Files.readString(TestData.path("text/multifieldqa_zh_excerpt.txt"), StandardCharsets.UTF_8)));
    }

    @Test
    void thresholdIsOneFifthOfTheLetters() {
        // 20 Han characters among 100 letters: exactly 20% -> Chinese; one fewer -> English
        assertEquals(Language.ZH, Language.detect("中".repeat(20) + "a".repeat(80)));
        assertEquals(Language.EN, Language.detect("中".repeat(19) + "a".repeat(81)));
        // Chinese with embedded English terms, numbers and punctuation
        assertEquals(Language.ZH, Language.detect("2016年11月，全国美国文学研究会（CASAL Newsletter）在厦门大学举行年会。"));
    }

    @Test
    void nonLettersDoNotCount() {
        assertEquals(Language.EN, Language.detect(""));
        assertEquals(Language.EN, Language.detect("12345 !!! ... \n\t"));
        assertEquals(Language.ZH, Language.detect("2024。、！？1234567890 中"));
        // kana are letters but not Han
        assertEquals(Language.EN, Language.detect("ひらがなとカタカナだけのぶんしょう"));
    }

    @Test
    void supplementaryHanCharactersCount() {
        // CJK Extension B (surrogate pairs in UTF-16) is Han too
        assertEquals(Language.ZH, Language.detect("\uD840\uDC00\uD840\uDC01\uD840\uDC02 ab"));
    }

    @Test
    void onlyTheFirst20000CharactersAreExamined() {
        assertEquals(Language.EN, Language.detect("a".repeat(20_000) + "中".repeat(100_000)));
        assertEquals(Language.ZH, Language.detect("中".repeat(20_000) + "a".repeat(100_000)));
    }
}

package dev.memorag.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.memorag.api.Language;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClueFilterTest {

    @Test
    void englishKeepsLinesWithMoreThanThreeWordsAndStripsNumbering() {
        String recall = """
                1. Alice followed the White Rabbit down the hole.
                2) Queen of Hearts
                - The Cheshire Cat grinned from the tree
                * short line here
                (3) Who gave Alice the advice about mushrooms?
                """;
        List<String> clues = new ClueFilter(Language.EN).filter(List.of(recall));
        assertEquals(List.of("Alice followed the White Rabbit down the hole.",
                "The Cheshire Cat grinned from the tree",
                "Who gave Alice the advice about mushrooms?"), clues);
    }

    @Test
    void duplicatesAcrossOutputsAreRemovedFirstKept() {
        List<String> clues = new ClueFilter(Language.EN).filter(List.of(
                "The rabbit had a pocket watch.\nthe  rabbit had a POCKET watch.",
                "1. The rabbit had a pocket watch.\nWhy was the rabbit late?"));
        assertEquals(List.of("The rabbit had a pocket watch.", "Why was the rabbit late?"), clues);
    }

    @Test
    void numbersInsideTextAreNotTakenForListMarkers() {
        List<String> clues = new ClueFilter(Language.EN).filter(List.of("3.5 million people lived in the city"));
        assertEquals(List.of("3.5 million people lived in the city"), clues);
    }

    @Test
    void chineseClueListSurvives() {
        String recall = """
                1、贾宝玉初见林黛玉时说这个妹妹我曾见过
                2. 林黛玉进贾府
                ① 王熙凤的笑声先到
                - 好
                问题1：宝玉为什么摔玉？
                """;
        List<String> clues = new ClueFilter(Language.ZH).filter(List.of(recall));
        assertEquals(List.of("贾宝玉初见林黛玉时说这个妹妹我曾见过", "林黛玉进贾府", "王熙凤的笑声先到", "宝玉为什么摔玉？"), clues);
    }

    @Test
    void chineseUnderTheEnglishWordRuleWouldBeDropped() {
        // The same list judged as English has no line with more than 3 words: the reason MemoRAG loses Chinese clues.
        List<String> clues = new ClueFilter(Language.EN).filter(List.of("贾宝玉初见林黛玉时说这个妹妹我曾见过\n林黛玉进贾府"));
        assertEquals(List.of(), clues);
    }

    @Test
    void latinLinesInAChineseMemoryUseTheWordRule() {
        List<String> clues = new ClueFilter(Language.ZH).filter(List.of("Lin Daiyu arrives at the Jia mansion\nJia Baoyu"));
        assertEquals(List.of("Lin Daiyu arrives at the Jia mansion"), clues);
    }

    @Test
    void quotesAndBlankLinesAreHandled() {
        List<String> clues = new ClueFilter(Language.EN).filter(List.of("\n\n\"Off with her head!\" the Queen shouted\n"
                + "   \n“Curiouser and curiouser, cried Alice”"));
        assertEquals(List.of("\"Off with her head!\" the Queen shouted", "Curiouser and curiouser, cried Alice"), clues);
    }
}

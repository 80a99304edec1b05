package dev.memorag.retrieval.lexical;

import java.io.IOException;
import java.io.Reader;
import java.util.Iterator;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Lucene analyzer producing exactly the terms of {@link WordTokenizer}.
 *
 * <p>Thread-safety: thread-safe (Lucene reuses one token stream per thread).
 */
public final class WordAnalyzer extends Analyzer {
    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        return new TokenStreamComponents(new Terms());
    }

    private static final class Terms extends Tokenizer {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private Iterator<String> it;

        @Override
        public boolean incrementToken() throws IOException {
            clearAttributes();
            if (it == null) {
                it = WordTokenizer.tokenize(readAll(input)).iterator();
            }
            if (!it.hasNext()) {
                return false;
            }
            term.append(it.next());
            return true;
        }

        @Override
        public void reset() throws IOException {
            super.reset();
            it = null;
        }

        private static String readAll(Reader r) throws IOException {
            StringBuilder sb = new StringBuilder();
            char[] buf = new char[4096];
            int n;
            while ((n = r.read(buf)) > 0) {
                sb.append(buf, 0, n);
            }
            return sb.toString();
        }
    }
}

package dev.memorag.pipeline;

import dev.memorag.error.StorageException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Document;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validation of texts handed to the pipeline, and strict reading of text files.
 *
 * <p>Files are decoded as UTF-8 strictly: invalid bytes are an error naming the file and the byte offset, never
 * silently replaced, because a memory built from mojibake answers wrongly without anyone noticing. A byte-order mark
 * is skipped. Texts containing NUL characters are rejected as binary, and so are texts with a run of more than
 * {@value #MAX_UNBROKEN_RUN} characters holding no whitespace and no punctuation: no prose (English or Chinese) has
 * one, while minified data, base64 blobs and dumps do, and chunking or embedding them would cost minutes for nothing.
 *
 * <p>Thread-safety: stateless and thread-safe.
 */
public final class TextInputs {
    /** Longest accepted run of characters with no whitespace and no punctuation. */
    public static final int MAX_UNBROKEN_RUN = 10_000;

    private TextInputs() {
    }

    /** Reads {@code file} as strict UTF-8 and validates it as a document text. */
    public static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("file not found: " + file);
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int skip = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
                && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        ByteBuffer in = ByteBuffer.wrap(bytes, skip, bytes.length - skip);
        String text;
        try {
            text = decoder.decode(in).toString();
        } catch (MalformedInputException e) {
            throw new InvalidInputException(file + " is not valid UTF-8: malformed bytes at byte offset "
                    + in.position() + " (binary file, or another encoding such as Latin-1: convert it to UTF-8)");
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(file + " is not valid UTF-8 near byte offset " + in.position());
        }
        requireText(file.toString(), text);
        return text;
    }

    /** Throws {@link InvalidInputException} naming {@code what} when the text is empty, blank or binary. */
    public static void requireText(String what, String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidInputException(what + " is empty: there is nothing to memorise");
        }
        if (text.isBlank()) {
            throw new InvalidInputException(what + " contains only whitespace: there is nothing to memorise");
        }
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            throw new InvalidInputException(what + " looks binary: NUL character at character offset " + nul);
        }
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || isPunctuation(c)) {
                run = 0;
            } else if (++run > MAX_UNBROKEN_RUN) {
                int start = i - run + 1;
                throw new InvalidInputException(what + " is not prose: more than " + MAX_UNBROKEN_RUN
                        + " characters without a space or punctuation starting at character offset " + start
                        + " (minified data, base64 or a dump?); split or clean it before memorising");
            }
        }
    }

    private static boolean isPunctuation(char c) {
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** Validates every document and checks that ids are distinct (from each other and from {@code existingIds}). */
    public static void requireDocuments(List<Document> documents, Set<String> existingIds) {
        if (documents == null || documents.isEmpty()) {
            throw new InvalidInputException("no documents given: there is nothing to memorise");
        }
        Set<String> seen = new HashSet<>(existingIds);
        for (Document d : documents) {
            if (!seen.add(d.id())) {
                throw new InvalidInputException("duplicate document id '" + d.id() + "'"
                        + (existingIds.contains(d.id()) ? " (already in the memory; remove it first)" : ""));
            }
            requireText("document '" + d.id() + "'", d.text());
        }
    }
}

package dev.memorag.api;

import java.util.Objects;

/**
 * One turn of a chat conversation.
 *
 * <p>Thread-safety: immutable.
 *
 * @param role who speaks
 * @param content what is said
 */
public record ChatMessage(Role role, String content) {
    /** Chat roles, rendered by chat templates as {@code "system"}, {@code "user"}, {@code "assistant"}. */
    public enum Role {
        SYSTEM, USER, ASSISTANT;

        /** The lower-case name used by chat templates and the OpenAI API. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }
}

package io.kessai.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/** What the customer must do next: follow a redirect, or pay offline with the given details. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NextAction(String type, String url, Map<String, Object> details) {

    public static NextAction redirect(String url) {
        return new NextAction("redirect", url, null);
    }

    public static NextAction payOffline(Map<String, Object> details) {
        return new NextAction("pay_offline", null, details);
    }
}

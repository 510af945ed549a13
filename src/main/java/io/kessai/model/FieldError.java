package io.kessai.model;

/** One broken rule of a request: {@code field} is a JSON path such as {@code customer.email}. */
public record FieldError(String field, String code, String message) {
}

package io.kessai.sandbox.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.kessai.sandbox.LoopbackHttpServer;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox's merchant OAuth API ({@code ito-japan.txt}, "Merchant OAuth (Client Credentials)" and "Merchant OAuth
 * API Endpoints"), served by {@link ItoJapanSandbox} on the same port.
 *
 * <h2>Token endpoint</h2>
 * {@code POST /oauth/token}, a form ({@code application/x-www-form-urlencoded}, as the document's curl sends it):
 * {@code grant_type=client_credentials}, {@code client_id}, {@code client_secret}, {@code scope=} (empty). Answers
 * {@code {"token_type":"Bearer","expires_in":<seconds>,"access_token":"..."}}; a token is refused once its
 * lifetime ({@link #tokenLifetime(Duration)}) has passed. Refusals have the OAuth 2.0 shape
 * {@code {"error","error_description","message"}}: another grant type {@code 400 unsupported_grant_type}, a scope
 * {@code 400 invalid_scope}, an unknown client or a wrong secret {@code 401 invalid_client}.
 *
 * <h2>Merchant user endpoints</h2>
 * Every {@code /api/oauth/merchant/users…} call needs {@code Authorization: Bearer <access token>} of a live token
 * (else {@code 401 {"code":401,"status":"error","message":"Unauthenticated."}}). A user belongs to the client that
 * created it ({@code created_by_client_id}): another client's user answers {@code 403} ("must verify ownership by
 * created_by_client_id == client_id"), an unknown user {@code 404}. Answers are {@code {"code","status":"success",
 * "data"}} (the document's merchant API shape); validation errors are {@code 422 {"code":422,"status":"error",
 * "message":"The given data was invalid.","errors":{field:[message]}}}, nested KYC values named {@code values.<name>};
 * a change to a submitted KYC is {@code 409}. The document lists the endpoints but not their fields: the fields
 * below are the sandbox's own, chosen as a wallet-and-card service like ITO-Japan's would ask for them.
 * <ul>
 *   <li>{@code POST /users}: {@code name} (required, ≤ 255), {@code email} (required, an address, unique),
 *       {@code phone} (optional, 6 to 20 of digits, {@code -} and a leading {@code +}); {@code 201}.</li>
 *   <li>{@code PATCH /users/{user}/profile}: any of {@code name}, {@code email}, {@code phone},
 *       {@code date_of_birth} (Y-m-d, in the past), {@code country} (two capital letters), {@code address} (≤ 255).</li>
 *   <li>{@code GET /users/{user}/balance}: {@code data.balances[{currency,balance}]} in USD, JPY and SGP-USD.</li>
 *   <li>{@code GET /users/{user}/transactions?page=&per_page=} (per_page 1..100, default 20), newest first, with
 *       {@code meta {current_page,per_page,total,last_page}}.</li>
 *   <li>{@code GET /users/{user}/cards}: brand, last4, status, expiry; never the number or the CVV.</li>
 *   <li>{@code GET /users/{user}/kyc}: {@code data {status, submitted_at, schema {fields[{name,type,required,label,
 *       max|options}]}, values}}; status {@code not_started}, {@code draft}, {@code submitted}, {@code approved}.</li>
 *   <li>{@code PATCH /users/{user}/kyc} {@code {"values":{...}}}: the given fields, each checked against the
 *       schema; {@code PUT} the same with every required field (the completeness check), replacing the values;
 *       {@code POST /users/{user}/kyc/submit}: the saved values complete, then {@code submitted} and locked.</li>
 * </ul>
 * Test doors: {@link #registerClient}, {@link #tokenLifetime(Duration)}, {@link #expireTokens()},
 * {@link #credit}, {@link #approveKyc}, {@link #issueCard}, {@link #failNext}, {@link #requests()},
 * {@link #issuedTokens()}. Nothing here
 * is logged.
 */
public final class ItoJapanMerchantUsersApi {
    public static final String TOKEN_PATH = "/oauth/token";
    public static final String USERS_PATH = "/api/oauth/merchant/users";
    private static final int MAX_BODY = 64 * 1024;
    private static final Pattern USER_PATH = Pattern.compile(Pattern.quote(USERS_PATH) + "/([^/]+)(/.*)?");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9-]{6,20}");
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final Pattern WHOLE = Pattern.compile("[0-9]{1,9}");
    private static final List<String> CURRENCIES = List.of("USD", "JPY", "SGP-USD");
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /** One field of the KYC form. */
    record KycField(String name, String type, boolean required, String label, int max, List<String> options) {}

    /** The sandbox's KYC form (the document leaves it to the provider's schema). */
    static final List<KycField> KYC_FORM = List.of(
            new KycField("first_name", "text", true, "First name", 100, List.of()),
            new KycField("last_name", "text", true, "Last name", 100, List.of()),
            new KycField("date_of_birth", "date", true, "Date of birth", 10, List.of()),
            new KycField("nationality", "country", true, "Nationality", 2, List.of()),
            new KycField("address_line1", "text", true, "Address", 255, List.of()),
            new KycField("address_city", "text", true, "City", 100, List.of()),
            new KycField("address_postal_code", "text", true, "Postal code", 20, List.of()),
            new KycField("address_country", "country", true, "Country of residence", 2, List.of()),
            new KycField("occupation", "text", false, "Occupation", 100, List.of()),
            new KycField("id_document_type", "select", true, "Identity document",
                    20, List.of("passport", "drivers_license", "my_number_card")),
            new KycField("id_document_number", "text", true, "Identity document number", 50, List.of()));

    /** One request the API answered: method, path (no query), status; nothing secret. */
    public record Request(String method, String path, int status) {}

    private record Token(String clientId, Instant expiresAt) {}

    private static final class User {
        final long id;
        final String clientId;
        final Instant createdAt;
        String name;
        String email;
        String phone;
        String dateOfBirth;
        String country;
        String address;
        String kycStatus = "not_started";
        Instant kycSubmittedAt;
        final Map<String, JsonNode> kyc = new LinkedHashMap<>();
        final Map<String, BigDecimal> balances = new LinkedHashMap<>();
        final List<ObjectNode> transactions = new ArrayList<>();
        final List<ObjectNode> cards = new ArrayList<>();

        User(long id, String clientId, Instant createdAt) {
            this.id = id;
            this.clientId = clientId;
            this.createdAt = createdAt;
            CURRENCIES.forEach(c -> balances.put(c, BigDecimal.ZERO));
        }
    }

    private final ObjectMapper json;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, String> clients = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<Long, User> users = new LinkedHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, int[]> failures = new ConcurrentHashMap<>();
    private volatile Duration tokenLifetime = Duration.ofHours(1);
    private long nextUserId = 101;
    private long nextTransactionId = 9001;
    private long nextCardId = 501;

    ItoJapanMerchantUsersApi(ObjectMapper json, Clock clock) {
        this.json = Objects.requireNonNull(json, "json");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    // ---- test doors ----------------------------------------------------------------------------------------

    /** A merchant OAuth client (as the merchant dashboard would issue it); registering an id again replaces its secret. */
    public ItoJapanMerchantUsersApi registerClient(String clientId, String clientSecret) {
        clients.put(Objects.requireNonNull(clientId, "clientId"), Objects.requireNonNull(clientSecret, "clientSecret"));
        return this;
    }

    /** How long the tokens issued from now on live ({@code expires_in}); zero issues tokens already expired. */
    public ItoJapanMerchantUsersApi tokenLifetime(Duration lifetime) {
        if (lifetime.isNegative()) {
            throw new IllegalArgumentException("a token lifetime is not negative");
        }
        this.tokenLifetime = lifetime;
        return this;
    }

    /** Every token issued so far expires now (they are refused with 401 from here on). */
    public void expireTokens() {
        Instant now = clock.instant();
        tokens.replaceAll((t, token) -> new Token(token.clientId(), now));
    }

    /**
     * The next {@code times} requests to {@code path} (the token endpoint or a merchant path, without query) are
     * answered {@code status} before anything is done: {@code {"code":status,"status":"error","message":...}}.
     */
    public void failNext(String path, int status, int times) {
        failures.put(path, new int[] {status, times});
    }

    /** Every access token issued so far (for tests that check a token never reaches a log or a caller). */
    public List<String> issuedTokens() {
        return List.copyOf(tokens.keySet());
    }

    /** Every request answered, oldest first. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** A deposit to the user's wallet in one of the supported currencies: a transaction and a higher balance. */
    public synchronized void credit(long userId, String currency, BigDecimal amount, String description) {
        User u = users.get(userId);
        if (u == null || !CURRENCIES.contains(currency) || amount.signum() <= 0) {
            throw new IllegalArgumentException("no such user, or not a supported currency and positive amount");
        }
        BigDecimal scaled = amount.setScale(decimals(currency), RoundingMode.UNNECESSARY);
        u.balances.merge(currency, scaled, BigDecimal::add);
        ObjectNode t = json.createObjectNode().put("id", nextTransactionId++).put("type", "deposit");
        t.set("amount", DecimalNode.valueOf(scaled));
        t.put("currency", currency).put("description", description).put("status", "completed")
                .put("created_at", clock.instant().toString());
        u.transactions.add(0, t);
    }

    /** The provider's review of a submitted KYC: approved (still locked). */
    public synchronized void approveKyc(long userId) {
        User u = users.get(userId);
        if (u == null || !"submitted".equals(u.kycStatus)) {
            throw new IllegalStateException("only a submitted KYC is approved");
        }
        u.kycStatus = "approved";
    }

    /** A virtual card, as the user's own app issues it; only after KYC approval. Answers its id. */
    public synchronized long issueCard(long userId, String currency) {
        User u = users.get(userId);
        if (u == null || !"approved".equals(u.kycStatus)) {
            throw new IllegalStateException("a card is issued only after KYC approval");
        }
        long id = nextCardId++;
        StringBuilder last4 = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            last4.append(random.nextInt(10));
        }
        LocalDate today = LocalDate.ofInstant(clock.instant(), java.time.ZoneOffset.UTC);
        u.cards.add(json.createObjectNode().put("id", id).put("brand", "VISA").put("last4", last4.toString())
                .put("status", "active").put("currency", currency).put("expiry_month", today.getMonthValue())
                .put("expiry_year", today.getYear() + 3).put("created_at", clock.instant().toString()));
        return id;
    }

    // ---- HTTP ----------------------------------------------------------------------------------------------

    /** Whether this API serves the path. */
    static boolean serves(String path) {
        return TOKEN_PATH.equals(path) || USERS_PATH.equals(path) || path.startsWith(USERS_PATH + "/");
    }

    void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        int[] failure = failures.computeIfPresent(path, (p, f) -> f[1] <= 0 ? null : new int[] {f[0], f[1] - 1});
        if (failure != null) {
            error(exchange, failure[0], failure[0] == 429 ? "Too Many Attempts." : "Server Error");
        } else if (TOKEN_PATH.equals(path)) {
            token(exchange, method);
        } else {
            users(exchange, path, method);
        }
    }

    private int token(HttpExchange exchange, String method) throws IOException {
        if (!"POST".equals(method)) {
            exchange.getResponseHeaders().set("Allow", "POST");
            return error(exchange, 405, "Method not allowed.");
        }
        byte[] raw = LoopbackHttpServer.readBody(exchange, MAX_BODY);
        if (raw == null) {
            return error(exchange, 413, "Payload too large.");
        }
        Map<String, String> form = form(new String(raw, StandardCharsets.UTF_8));
        String grant = form.get("grant_type");
        if (grant == null || grant.isEmpty()) {
            return oauthError(exchange, 400, "invalid_request",
                    "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.");
        }
        if (!"client_credentials".equals(grant)) {
            return oauthError(exchange, 400, "unsupported_grant_type",
                    "The authorization grant type is not supported by the authorization server.");
        }
        String secret = form.get("client_id") == null ? null : clients.get(form.get("client_id"));
        if (secret == null || !equal(form.get("client_secret"), secret)) {
            return oauthError(exchange, 401, "invalid_client", "Client authentication failed");
        }
        String scope = form.get("scope");
        if (scope != null && !scope.isBlank()) {
            return oauthError(exchange, 400, "invalid_scope",
                    "The requested scope is invalid, unknown, or malformed");
        }
        String value = newId(80);
        Duration lifetime = tokenLifetime;
        tokens.put(value, new Token(form.get("client_id"), clock.instant().plus(lifetime)));
        return send(exchange, 200, json.createObjectNode().put("token_type", "Bearer")
                .put("expires_in", lifetime.toSeconds()).put("access_token", value));
    }

    private int users(HttpExchange exchange, String path, String method) throws IOException {
        Token token = bearer(exchange);
        if (token == null) {
            return error(exchange, 401, "Unauthenticated.");
        }
        if (USERS_PATH.equals(path)) {
            if (!"POST".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "POST");
                return error(exchange, 405, "Method not allowed.");
            }
            JsonNode body = jsonBody(exchange);
            if (body == null) {
                return error(exchange, 400, "The body is not a JSON object.");
            }
            return createUser(exchange, token, body);
        }
        Matcher m = USER_PATH.matcher(path);
        if (!m.matches()) {
            return error(exchange, 404, "Not found.");
        }
        String rest = m.group(2) == null ? "" : m.group(2);
        String allowed = switch (rest) {
            case "/profile" -> "PATCH";
            case "/balance", "/transactions", "/cards" -> "GET";
            case "/kyc" -> "GET, PATCH, PUT";
            case "/kyc/submit" -> "POST";
            default -> null;
        };
        if (allowed == null) {
            return error(exchange, 404, "Not found.");
        }
        if (!List.of(allowed.split(", ")).contains(method)) {
            exchange.getResponseHeaders().set("Allow", allowed);
            return error(exchange, 405, "Method not allowed.");
        }
        JsonNode body = null;
        if (!"GET".equals(method) && !"POST".equals(method)) {
            body = jsonBody(exchange);
            if (body == null) {
                return error(exchange, 400, "The body is not a JSON object.");
            }
        }
        synchronized (this) {
            User user = WHOLE.matcher(m.group(1)).matches() ? users.get(Long.parseLong(m.group(1))) : null;
            if (user == null) {
                return error(exchange, 404, "User not found.");
            }
            if (!user.clientId.equals(token.clientId())) {
                return error(exchange, 403, "This user does not belong to your merchant account.");
            }
            return switch (rest + " " + method) {
                case "/profile PATCH" -> patchProfile(exchange, user, body);
                case "/balance GET" -> ok(exchange, 200, balance(user));
                case "/transactions GET" -> transactions(exchange, user);
                case "/cards GET" -> ok(exchange, 200, json.createArrayNode().addAll(user.cards));
                case "/kyc GET" -> ok(exchange, 200, kyc(user));
                case "/kyc PATCH" -> saveKyc(exchange, user, body, false);
                case "/kyc PUT" -> saveKyc(exchange, user, body, true);
                default -> submitKyc(exchange, user);
            };
        }
    }

    private synchronized int createUser(HttpExchange exchange, Token token, JsonNode body) throws IOException {
        Map<String, String> errors = new LinkedHashMap<>();
        String name = text(body, "name");
        if (name == null || name.isBlank()) {
            errors.put("name", "The name field is required.");
        } else if (name.length() > 255) {
            errors.put("name", "The name may not be greater than 255 characters.");
        }
        String email = text(body, "email");
        if (email == null || email.isBlank()) {
            errors.put("email", "The email field is required.");
        } else {
            checkEmail(email, null, errors);
        }
        String phone = text(body, "phone");
        if (phone != null && !PHONE.matcher(phone).matches()) {
            errors.put("phone", "The phone format is invalid.");
        }
        if (!errors.isEmpty()) {
            return invalid(exchange, errors);
        }
        User u = new User(nextUserId++, token.clientId(), clock.instant());
        u.name = name;
        u.email = email;
        u.phone = phone;
        users.put(u.id, u);
        return ok(exchange, 201, view(u));
    }

    private int patchProfile(HttpExchange exchange, User u, JsonNode body) throws IOException {
        Map<String, String> errors = new LinkedHashMap<>();
        String name = text(body, "name");
        if (body.has("name") && (name == null || name.isBlank() || name.length() > 255)) {
            errors.put("name", "The name must be a string of at most 255 characters.");
        }
        String email = text(body, "email");
        if (body.has("email")) {
            if (email == null) {
                errors.put("email", "The email must be a valid email address.");
            } else {
                checkEmail(email, u, errors);
            }
        }
        String phone = text(body, "phone");
        if (body.has("phone") && phone != null && !PHONE.matcher(phone).matches()) {
            errors.put("phone", "The phone format is invalid.");
        }
        String birth = text(body, "date_of_birth");
        if (body.has("date_of_birth") && birth != null && !pastDate(birth)) {
            errors.put("date_of_birth", "The date of birth must be a date before today in the format Y-m-d.");
        }
        String country = text(body, "country");
        if (body.has("country") && country != null && !COUNTRY.matcher(country).matches()) {
            errors.put("country", "The country must be an ISO 3166-1 alpha-2 code.");
        }
        String address = text(body, "address");
        if (body.has("address") && address != null && address.length() > 255) {
            errors.put("address", "The address may not be greater than 255 characters.");
        }
        if (!errors.isEmpty()) {
            return invalid(exchange, errors);
        }
        if (body.has("name")) {
            u.name = name;
        }
        if (body.has("email")) {
            u.email = email;
        }
        if (body.has("phone")) {
            u.phone = phone;
        }
        if (body.has("date_of_birth")) {
            u.dateOfBirth = birth;
        }
        if (body.has("country")) {
            u.country = country;
        }
        if (body.has("address")) {
            u.address = address;
        }
        return ok(exchange, 200, view(u));
    }

    private void checkEmail(String email, User self, Map<String, String> errors) {
        if (!EMAIL.matcher(email).matches() || email.length() > 255) {
            errors.put("email", "The email must be a valid email address.");
        } else if (users.values().stream().anyMatch(o -> o != self && o.email.equalsIgnoreCase(email))) {
            errors.put("email", "The email has already been taken.");
        }
    }

    private ObjectNode balance(User u) {
        ObjectNode data = json.createObjectNode().put("user_id", u.id);
        ArrayNode list = data.putArray("balances");
        u.balances.forEach((currency, amount) -> {
            ObjectNode b = list.addObject().put("currency", currency);
            b.set("balance", DecimalNode.valueOf(amount.setScale(decimals(currency), RoundingMode.UNNECESSARY)));
        });
        return data;
    }

    private int transactions(HttpExchange exchange, User u) throws IOException {
        Map<String, String> query = form(exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery());
        Map<String, String> errors = new LinkedHashMap<>();
        int page = whole(query.get("page"), 1, 1_000_000, 1, "page", "The page must be at least 1.", errors);
        int perPage = whole(query.get("per_page"), 1, 100, 20, "per_page", "The per page must be between 1 and 100.", errors);
        if (!errors.isEmpty()) {
            return invalid(exchange, errors);
        }
        int total = u.transactions.size();
        ArrayNode data = json.createArrayNode();
        long from = (long) (page - 1) * perPage;
        for (long i = from; i < Math.min(total, from + perPage); i++) {
            data.add(u.transactions.get((int) i));
        }
        ObjectNode answer = json.createObjectNode().put("code", 200).put("status", "success");
        answer.set("data", data);
        answer.putObject("meta").put("current_page", page).put("per_page", perPage).put("total", total)
                .put("last_page", Math.max(1, (total + perPage - 1) / perPage));
        return send(exchange, 200, answer);
    }

    private static int whole(String value, int min, int max, int otherwise, String field, String message,
                             Map<String, String> errors) {
        if (value == null) {
            return otherwise;
        }
        if (!WHOLE.matcher(value).matches() || Integer.parseInt(value) < min || Integer.parseInt(value) > max) {
            errors.put(field, message);
            return otherwise;
        }
        return Integer.parseInt(value);
    }

    private ObjectNode kyc(User u) {
        ObjectNode data = json.createObjectNode().put("user_id", u.id).put("status", u.kycStatus);
        data.put("submitted_at", u.kycSubmittedAt == null ? null : u.kycSubmittedAt.toString());
        ArrayNode fields = data.putObject("schema").putArray("fields");
        for (KycField f : KYC_FORM) {
            ObjectNode field = fields.addObject().put("name", f.name()).put("type", f.type())
                    .put("required", f.required()).put("label", f.label());
            if (f.options().isEmpty()) {
                field.put("max", f.max());
            } else {
                f.options().forEach(field.putArray("options")::add);
            }
        }
        ObjectNode values = data.putObject("values");
        u.kyc.forEach(values::set);
        return data;
    }

    private int saveKyc(HttpExchange exchange, User u, JsonNode body, boolean full) throws IOException {
        if (locked(u)) {
            return error(exchange, 409, "KYC has already been submitted and can no longer be changed.");
        }
        JsonNode values = body.get("values");
        if (values == null || !values.isObject()) {
            return invalid(exchange, Map.of("values", "The values field is required and must be an object."));
        }
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, JsonNode> accepted = new LinkedHashMap<>();
        values.fields().forEachRemaining(e -> {
            KycField f = KYC_FORM.stream().filter(k -> k.name().equals(e.getKey())).findFirst().orElse(null);
            String message = f == null ? "The " + e.getKey().replace('_', ' ') + " field is not part of the KYC form."
                    : kycProblem(f, e.getValue());
            if (message != null) {
                errors.put("values." + e.getKey(), message);
            } else {
                accepted.put(e.getKey(), e.getValue());
            }
        });
        if (full) {
            for (KycField f : KYC_FORM) {
                if (f.required() && !errors.containsKey("values." + f.name()) && blank(accepted.get(f.name()))) {
                    errors.put("values." + f.name(), "The " + f.label().toLowerCase(Locale.ROOT) + " field is required.");
                }
            }
        }
        if (!errors.isEmpty()) {
            return invalid(exchange, errors);
        }
        if (full) {
            u.kyc.clear();
        }
        accepted.forEach((k, v) -> {
            if (v.isNull()) {
                u.kyc.remove(k);
            } else {
                u.kyc.put(k, v);
            }
        });
        u.kycStatus = "draft";
        return ok(exchange, 200, kyc(u));
    }

    private int submitKyc(HttpExchange exchange, User u) throws IOException {
        if (locked(u)) {
            return error(exchange, 409, "KYC has already been submitted and can no longer be changed.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        for (KycField f : KYC_FORM) {
            if (f.required() && blank(u.kyc.get(f.name()))) {
                errors.put("values." + f.name(), "The " + f.label().toLowerCase(Locale.ROOT) + " field is required.");
            }
        }
        if (!errors.isEmpty()) {
            return invalid(exchange, errors);
        }
        u.kycStatus = "submitted";
        u.kycSubmittedAt = clock.instant();
        return ok(exchange, 200, kyc(u));
    }

    private static boolean locked(User u) {
        return "submitted".equals(u.kycStatus) || "approved".equals(u.kycStatus);
    }

    /** Null when the value fits the field (null clears a draft's value), else Laravel's message. */
    private String kycProblem(KycField f, JsonNode v) {
        String label = f.label().toLowerCase(Locale.ROOT);
        if (v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            return "The " + label + " must be a string.";
        }
        String s = v.asText();
        return switch (f.type()) {
            case "date" -> pastDate(s) ? null : "The " + label + " must be a date before today in the format Y-m-d.";
            case "country" -> COUNTRY.matcher(s).matches() ? null : "The " + label + " must be an ISO 3166-1 alpha-2 code.";
            case "select" -> f.options().contains(s) ? null : "The selected " + label + " is invalid.";
            default -> s.isBlank() ? "The " + label + " field is required."
                    : s.length() > f.max() ? "The " + label + " may not be greater than " + f.max() + " characters." : null;
        };
    }

    private static boolean blank(JsonNode v) {
        return v == null || v.isNull() || (v.isTextual() && v.asText().isBlank());
    }

    private boolean pastDate(String s) {
        try {
            return s.length() == 10 && LocalDate.parse(s).isBefore(LocalDate.ofInstant(clock.instant(), java.time.ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private ObjectNode view(User u) {
        return json.createObjectNode().put("id", u.id).put("name", u.name).put("email", u.email).put("phone", u.phone)
                .put("date_of_birth", u.dateOfBirth).put("country", u.country).put("address", u.address)
                .put("kyc_status", u.kycStatus).put("created_at", u.createdAt.toString());
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private Token bearer(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            return null;
        }
        Token token = tokens.get(header.substring(7));
        return token == null || !clock.instant().isBefore(token.expiresAt()) ? null : token;
    }

    private JsonNode jsonBody(HttpExchange exchange) throws IOException {
        byte[] raw = LoopbackHttpServer.readBody(exchange, MAX_BODY);
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (raw == null || type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return null;
        }
        try {
            JsonNode node = json.readTree(raw);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private int ok(HttpExchange exchange, int status, JsonNode data) throws IOException {
        ObjectNode answer = json.createObjectNode().put("code", status).put("status", "success");
        answer.set("data", data);
        return send(exchange, status, answer);
    }

    private int invalid(HttpExchange exchange, Map<String, String> errors) throws IOException {
        ObjectNode e = json.createObjectNode().put("code", 422).put("status", "error")
                .put("message", "The given data was invalid.");
        ObjectNode fields = e.putObject("errors");
        errors.forEach((f, msg) -> fields.putArray(f).add(msg));
        return send(exchange, 422, e);
    }

    private int oauthError(HttpExchange exchange, int status, String error, String description) throws IOException {
        return send(exchange, status, json.createObjectNode().put("error", error).put("error_description", description)
                .put("message", description));
    }

    private int error(HttpExchange exchange, int status, String message) throws IOException {
        return send(exchange, status, json.createObjectNode().put("code", status).put("status", "error").put("message", message));
    }

    /** Every answer goes out here, recorded before it is sent (a client that has it finds it in {@link #requests()}). */
    private int send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), status));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        LoopbackHttpServer.respond(exchange, status, json.writeValueAsBytes(body));
        return status;
    }

    private static int decimals(String currency) {
        return "JPY".equals(currency) ? 0 : 2;
    }

    private String newId(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static Map<String, String> form(String encoded) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            values.putIfAbsent(k, v);
        }
        return values;
    }

    private static boolean equal(String given, String expected) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }
}

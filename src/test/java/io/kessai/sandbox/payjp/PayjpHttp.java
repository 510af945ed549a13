package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** Raw HTTP requests to a PAY.JP sandbox, as a PAY.JP client would send them (java.net.http only). */
final class PayjpHttp {

    static final ObjectMapper M = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer: status and JSON body. */
    record Answer(int status, JsonNode json, String raw) {
        JsonNode error() {
            return json.get("error");
        }

        String code() {
            return json.path("error").path("code").asText(null);
        }
    }

    private PayjpHttp() {
    }

    static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
    }

    /** Form-encodes name/value pairs in order (nested names like {@code metadata[k]} as given). */
    static String form(String... pairs) {
        StringJoiner j = new StringJoiner("&");
        for (int i = 0; i < pairs.length; i += 2) {
            j.add(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return j.toString();
    }

    static Answer send(HttpRequest request) throws Exception {
        HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        JsonNode json = r.body().isEmpty() ? M.nullNode() : M.readTree(r.body());
        return new Answer(r.statusCode(), json, r.body());
    }

    static Answer post(String url, String key, String body) throws Exception {
        return post(url, key, body, null);
    }

    static Answer post(String url, String key, String body, String idempotencyKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", basic(key));
        }
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return send(b.build());
    }

    static Answer get(String url, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET();
        if (key != null) {
            b.header("Authorization", basic(key));
        }
        return send(b.build());
    }

    static Answer delete(String url, String key) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).DELETE()
                .header("Authorization", basic(key)).build());
    }

    /** A multipart/form-data body: text fields, then files as {@code name -> (filename, bytes)}. */
    static final class Multipart {
        final String boundary = "----payjpSandboxTest" + System.nanoTime();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Multipart field(String name, String value) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n");
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            write("\r\n");
            return this;
        }

        Multipart fields(Map<String, String> fields) {
            fields.forEach(this::field);
            return this;
        }

        Multipart file(String name, String filename, byte[] content) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                    + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
            out.writeBytes(content);
            write("\r\n");
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream copy = new ByteArrayOutputStream();
            copy.writeBytes(out.toByteArray());
            copy.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return copy.toByteArray();
        }

        private void write(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }

        Answer post(String url, String key) throws Exception {
            return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", basic(key))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes())).build());
        }
    }

    /** The document's basic application sample (payjp-platform.txt), every argument as the sample gives it. */
    static Map<String, String> basicSample() {
        Map<String, String> m = new LinkedHashMap<>();
        String[] kv = {
            "product_name", "商品名", "product_reading_name", "プロダクト", "product_english_name", "product",
            "url", "http://example.com", "service_start_at", "2017-02", "product_detail", "グッズ販売",
            "product_price_min", "100", "product_price_max", "1000", "business_type", "company",
            "business_name", "PAYJP", "business_reading_name", "ペイジェーピー", "date_of_establishment", "2016-01-01",
            "business_capital", "1", "president_lastname", "山田", "president_firstname", "太郎",
            "president_reading_lastname", "ヤマダ", "president_reading_firstname", "タロウ",
            "president_birth_at", "1980-02-10", "president_gender", "men", "address_zip", "150-0043",
            "address_state", "東京都", "address_city", "渋谷区", "address_line1", "道玄坂2-11-1",
            "address_line2", "Gスクエア4F", "address_reading_state", "トウキョウト", "address_reading_city", "シブヤク",
            "address_reading_line1", "ドウゲンザカニチョウメ11−1", "address_reading_line2", "ジースクエア4カイ",
            "phone", "03-6416-5450", "cell_phone", "080-1111-2222", "has_scl_url", "false",
            "scl_business_name", "PAY", "scl_contact_person_name", "山田太郎",
            "scl_address", "東京都渋谷区道玄坂2-11-1Gスクエア4F", "scl_email", "example@pay.jp",
            "scl_phone", "0312341234", "scl_payment_method", "クレジットカード", "scl_time_of_payment", "商品購入時に決済",
            "scl_time_of_delivery", "購入手続き完了後2営業日以内", "scl_other_fee", "なし",
            "scl_return_and_exchange", "購入後7日以内であれば全額返金", "bank_person_name", "ヤマダ タロウ",
            "bank_code", "0001", "bank_branch_code", "001", "bank_type", "普通", "bank_account_number", "0001000",
            "corporate_number", "1234123412341", "dryrun", "false"};
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The document's additional application sample, with sole_prop (marked 必須 but missing from the sample). */
    static Map<String, String> additionalSample() {
        Map<String, String> m = new LinkedHashMap<>();
        String[] kv = {
            "product_type", "goods", "charge_type", "charge", "sole_prop", "false", "site_published", "true",
            "contact_person_lastname", "山田", "contact_person_firstname", "太郎", "contact_phone", "0312341234",
            "business_sales_lastyear", "1", "business_detail", "グッズ販売事業", "has_shop", "true",
            "shop_phone", "0300000000", "shop_address_zip", "150-0043", "shop_address_state", "東京",
            "shop_address_reading_state", "トウキョウ", "shop_address_city", "渋谷区",
            "shop_address_reading_city", "シブヤク", "shop_address_line1", "道玄坂2-11-1",
            "shop_address_reading_line1", "ドウゲンザカニチョウメ11−1", "shop_address_line2", "Gスクエア4F",
            "shop_address_reading_line2", "ジースクエア4カイ", "privacy_policy_url", "https://pay.co.jp/privacy/",
            "ssl_enabled", "true", "has_other_fee", "true", "delivery_fee", "500", "delivery_detail", "配送の料金",
            "other_fee", "200", "other_fee_detail", "振込手数料など", "dryrun", "false"};
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The ids of a list object's data, in order. */
    static List<String> ids(JsonNode list) {
        List<String> out = new java.util.ArrayList<>();
        list.get("data").forEach(n -> out.add(n.get("id").asText()));
        return out;
    }
}

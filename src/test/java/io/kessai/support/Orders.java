package io.kessai.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.UUID;

/** Canonical PaymentOrders for tests, as JSON trees that a test may change before sending. */
public final class Orders {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Orders() {
    }

    public static String newOrderId() {
        return "ORD-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    }

    /** A GMO card order (token, immediate capture) with everything 3-D Secure needs. */
    public static ObjectNode gmoCard(String token) {
        ObjectNode order = JSON.createObjectNode()
                .put("orderId", newOrderId())
                .put("amount", "1000")
                .put("currency", "JPY");
        order.putObject("method").put("type", "card").put("token", token);
        order.putObject("customer").put("name", "山田 太郎").put("nameKana", "ヤマダ タロウ")
                .put("email", "taro@example.jp").put("phone", "09012345678").put("ip", "203.0.113.7");
        order.putObject("returnUrls").put("success", "https://shop.example/ok")
                .put("cancel", "https://shop.example/cancel").put("failure", "https://shop.example/ng");
        return order;
    }

    /** A Japan Payment collection (konbini, ewallet or bank_transfer with its brand). */
    public static ObjectNode japanPayment(String currency, String amount, String type, String brand) {
        ObjectNode order = JSON.createObjectNode()
                .put("orderId", newOrderId())
                .put("amount", amount)
                .put("currency", currency);
        order.putObject("method").put("type", type).put("brand", brand);
        order.putObject("customer").put("name", "Taro Yamada").put("email", "taro@example.jp")
                .put("phone", "09012345678").put("id", "user-149597870");
        order.put("description", "Digital Product");
        order.putObject("returnUrls").put("success", "https://shop.example/ok").put("failure", "https://shop.example/ng");
        return order;
    }

    /** A PAY.JP card order (tok_ token, immediate capture) with its platform fee and metadata. */
    public static ObjectNode payjpCard(String token) {
        ObjectNode order = JSON.createObjectNode()
                .put("orderId", newOrderId())
                .put("provider", "payjp")
                .put("amount", "1000")
                .put("currency", "JPY");
        order.putObject("method").put("type", "card").put("token", token);
        order.putObject("customer").put("name", "Taro Yamada").put("email", "taro@example.jp");
        order.put("description", "Digital Product");
        order.put("platformFee", "100");
        order.putObject("metadata").put("cartId", "c-77");
        return order;
    }

    public static ObjectNode manual(ObjectNode order) {
        order.putObject("capture").put("mode", "manual");
        return order;
    }

    public static String json(ObjectNode order) {
        return order.toString();
    }
}

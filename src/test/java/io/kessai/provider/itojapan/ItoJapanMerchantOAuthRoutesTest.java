package io.kessai.provider.itojapan;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.runtime.Kessai;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.EndpointInject;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWithRouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.AdviceRouteMapping;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.Configure;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The merchant OAuth routes with {@link MockEndpoint}s standing in for ITO-Japan's token endpoint and merchant API:
 * the token request is the document's form, the token goes out as Bearer, and token answers the sandbox does not
 * give (no expires_in, no access_token) are read as they should be.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "classpath:kessai.properties",
        properties = {
                "kessai.sandbox.enabled=false",
                "kessai.providers.enabled=ito-japan",
                "kessai.providers.ito-japan.base-url=http://ito.test",
                "kessai.providers.ito-japan.access-key=51a4bd18-5bc1-4eaa-97b0-c09323398883",
                "kessai.providers.ito-japan.secret-key=ito-routes-secret",
                "kessai.providers.ito-japan.client-id=merchant client 8",
                "kessai.providers.ito-japan.client-secret=s3cret&value=1"},
        configurationClasses = ItoJapanMerchantOAuthRoutesTest.Wiring.class,
        advices = @AdviceRouteMapping(route = "ito-japan-oauth-token", advice = ItoJapanMerchantOAuthRoutesTest.StandInForItoJapan.class))
class ItoJapanMerchantOAuthRoutesTest {
    static final String BALANCE = "{\"code\":200,\"status\":\"success\",\"data\":{\"user_id\":123,\"balances\":[]}}";

    @BeanInject
    CamelContext context;

    @EndpointInject("mock:token")
    MockEndpoint tokens;

    @EndpointInject("mock:merchant")
    MockEndpoint merchant;

    public static class Wiring implements CamelConfiguration {
        @Override
        public void configure(CamelContext context) {
            String run = UUID.randomUUID().toString();
            context.getPropertiesComponent().addOverrideProperty("kessai.db.url", "jdbc:h2:mem:ito-oauth-routes-" + run);
            context.getPropertiesComponent().addOverrideProperty("kessai.scheduler.name", "kessai-ito-oauth-routes-" + run);
            // the settlement and deposit polling would send its own calls to the stand-in
            context.getPropertiesComponent().addOverrideProperty("kessai.providers.ito-japan.transfers.enabled", "false");
            Kessai.bind(context, List.of(new ItoJapanModule()));
        }
    }

    /** Every send to ITO-Japan (the interception is the context's): the token endpoint's to mock:token, the rest to mock:merchant. */
    public static class StandInForItoJapan extends AdviceWithRouteBuilder {
        @Override
        public void configure() {
            interceptSendToEndpoint("http://ito.test*").skipSendToOriginalEndpoint()
                    .choice()
                    .when(header(Exchange.HTTP_PATH).isEqualTo("/oauth/token")).to("mock:token")
                    .otherwise().to("mock:merchant");
        }
    }

    @Configure
    public void routes(MainConfigurationProperties configuration) {
        List<String> routes = new ArrayList<>(Kessai.ROUTES);
        routes.add(new ItoJapanModule().routes());
        configuration.withRoutesIncludePattern(String.join(",", routes.stream().map(r -> "classpath:" + r).toList()));
    }

    private static void answer(Exchange exchange, int status, String body) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setBody(body);
    }

    private String balance() {
        return context.createProducerTemplate().requestBody("direct:kessai-ito-japan-merchant-user-balance",
                "{\"user\":123}", String.class);
    }

    @Test
    void theTokenRequestIsTheDocumentsFormItGoesOutAsBearerAndWithoutExpiresInIsKeptUntilRefused() {
        tokens.whenExchangeReceived(1, e -> answer(e, 200, "{\"access_token\":\"t-1\"}"));
        tokens.whenExchangeReceived(2, e -> answer(e, 200,
                "{\"token_type\":\"Bearer\",\"expires_in\":31536000,\"access_token\":\"eyJ0eXAiOiJKV1Qi.t-2\"}"));
        merchant.whenExchangeReceived(1, e -> answer(e, 200, BALANCE));
        merchant.whenExchangeReceived(2, e -> answer(e, 200, BALANCE));
        merchant.whenExchangeReceived(3, e -> answer(e, 401, "{\"code\":401,\"status\":\"error\",\"message\":\"Unauthenticated.\"}"));
        merchant.whenExchangeReceived(4, e -> answer(e, 200, BALANCE));

        assertThat(balance()).isEqualTo(BALANCE);
        assertThat(balance()).isEqualTo(BALANCE);
        assertThat(tokens.getReceivedCounter()).as("one token for both calls").isEqualTo(1);
        Exchange token = tokens.getReceivedExchanges().get(0);
        assertThat(token.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/oauth/token");
        assertThat(token.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class)).contains("httpMethod=POST");
        assertThat(token.getMessage().getHeader("Content-Type", String.class)).isEqualTo("application/x-www-form-urlencoded");
        assertThat(token.getMessage().getBody(String.class)).isEqualTo("grant_type=client_credentials"
                + "&client_id=merchant+client+8&client_secret=s3cret%26value%3D1&scope=");
        Exchange call = merchant.getReceivedExchanges().get(0);
        assertThat(call.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/api/oauth/merchant/users/123/balance");
        assertThat(call.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class)).contains("httpMethod=GET");
        assertThat(call.getMessage().getHeader("Authorization", String.class)).isEqualTo("Bearer t-1");
        assertThat(call.getMessage().getHeader("Accept", String.class)).isEqualTo("application/json");
        assertThat(call.getMessage().getHeader("X-Signature")).as("the OAuth calls are not HMAC-signed").isNull();

        // t-1 had no expires_in: it is used until ITO-Japan refuses it, then renewed once
        assertThat(balance()).isEqualTo(BALANCE);
        assertThat(tokens.getReceivedCounter()).as("renewed on the 401").isEqualTo(2);
        assertThat(merchant.getReceivedExchanges().get(2).getMessage().getHeader("Authorization", String.class))
                .isEqualTo("Bearer t-1");
        assertThat(merchant.getReceivedExchanges().get(3).getMessage().getHeader("Authorization", String.class))
                .isEqualTo("Bearer eyJ0eXAiOiJKV1Qi.t-2");
    }

    @Test
    void aRefusedClientOrATokenAnswerWithoutAnAccessTokenSendsNoMerchantCall() {
        tokens.whenExchangeReceived(1, e -> answer(e, 401, "{\"error\":\"invalid_client\","
                + "\"error_description\":\"Client authentication failed\",\"message\":\"Client authentication failed\"}"));
        tokens.whenExchangeReceived(2, e -> answer(e, 200, "{\"token_type\":\"Bearer\",\"expires_in\":3600}"));

        assertThatThrownBy(this::balance).cause().isInstanceOfSatisfying(KessaiException.class, k -> {
            assertThat(k.code()).isEqualTo(ErrorCode.PROVIDER_AUTH_FAILED);
            assertThat(k.providerCode()).isEqualTo("invalid_client");
            assertThat(k.getMessage()).contains("Client authentication failed").doesNotContain("s3cret");
        });
        assertThat(tokens.getReceivedCounter()).as("a refusal is not sent again").isEqualTo(1);

        assertThatThrownBy(this::balance).cause().isInstanceOfSatisfying(KessaiException.class, k -> {
            assertThat(k.code()).isEqualTo(ErrorCode.PROVIDER_ERROR);
            assertThat(k.getMessage()).contains("access_token");
        });
        assertThat(merchant.getReceivedCounter()).isZero();
    }
}

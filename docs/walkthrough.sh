#!/usr/bin/env bash
# The README's walk-through, as one script (bash and curl only): a card authorized, captured and refunded;
# 3-D Secure through the sandbox's page and Kessai's callback; a konbini payment at Japan Payment paid on the
# sandbox's pay page; a bad order; and the events all this produced. Every run makes fresh order ids, so it can
# run again and again against the same Kessai. It stops with a non-zero exit at the first answer that is not
# what it should be. The test suite runs it twice against a started Kessai (WalkthroughScriptTest).
#
#   bash docs/walkthrough.sh [BASE_URL]        # BASE_URL defaults to http://localhost:8080
#
# The events are read from the directory Kessai writes them to: start Kessai with
#   java -Dkessai.events.uri='file:data/events?fileName=${header.KessaiEventId}.json' -jar target/kessai.jar
# (one JSON file per event under ./data/events); KESSAI_EVENTS_DIR names another directory.
#
# The README shows the same commands, block by block: keep the two identical (the test checks every README
# block appears here verbatim).
set -eu
trap 'echo "walk-through stopped at line $LINENO" >&2' ERR

# --- setup -------------------------------------------------------------------------------------------------
BASE=${1:-http://localhost:8080}
EVENTS=${KESSAI_EVENTS_DIR:-data/events}
RUN=$(date +%s)$RANDOM                # fresh order ids on every run
# field NAME: the first "NAME":"text" value of the JSON on stdin
field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d '"' -f 4; }
# check WHAT TEXT PATTERN...: TEXT must contain every PATTERN
check() {
  local what=$1 text=$2; shift 2
  for p in "$@"; do
    case "$text" in *"$p"*) ;; *) echo "FAIL $what: no $p in $text" >&2; return 1 ;; esac
  done
  echo "ok   $what"
}
# --- end of setup ------------------------------------------------------------------------------------------

# --- 1. authorize ------------------------------------------------------------------------------------------
ANSWER=$(curl -s -X POST "$BASE/payments" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: demo-$RUN-1" --data-binary @- <<JSON
{"orderId": "ORD-$RUN-1", "amount": "1000", "currency": "JPY",
 "method": {"type": "card", "token": "tok_visa"},
 "capture": {"mode": "manual"},
 "customer": {"name": "山田 太郎", "nameKana": "ヤマダ タロウ", "email": "taro@example.jp", "phone": "09012345678"},
 "returnUrls": {"success": "https://shop.example/ok", "failure": "https://shop.example/ng"}}
JSON
)
echo "$ANSWER"
PAYMENT=$(echo "$ANSWER" | field paymentId)
check "card authorized" "$ANSWER" '"status":"authorized"' '"capturedAmount":"0"'
# --- end of 1 ----------------------------------------------------------------------------------------------

# --- 2. capture --------------------------------------------------------------------------------------------
ANSWER=$(curl -s -X POST "$BASE/payments/$PAYMENT/capture")
check "captured" "$ANSWER" '"status":"captured"' '"capturedAmount":"1000"'
# --- end of 2 ----------------------------------------------------------------------------------------------

# --- 3. refund ---------------------------------------------------------------------------------------------
ANSWER=$(curl -s -X POST "$BASE/payments/$PAYMENT/refund")
check "refunded" "$ANSWER" '"status":"refunded"' '"refundedAmount":"1000"'
# --- end of 3 ----------------------------------------------------------------------------------------------

# --- 4. 3-D Secure -----------------------------------------------------------------------------------------
ANSWER=$(curl -s -X POST "$BASE/payments" -H 'Content-Type: application/json' --data-binary @- <<JSON
{"orderId": "ORD-$RUN-2", "amount": "1500", "currency": "JPY",
 "method": {"type": "card", "token": "tok_tds"},
 "customer": {"name": "山田 太郎", "phone": "09012345678", "email": "taro@example.jp"},
 "returnUrls": {"success": "https://shop.example/ok", "failure": "https://shop.example/ng"}}
JSON
)
echo "$ANSWER"
PAYMENT2=$(echo "$ANSWER" | field paymentId)
URL=$(echo "$ANSWER" | field url)     # nextAction.url: the card issuer's 3-D Secure page (the sandbox's)
check "3-D Secure asked for" "$ANSWER" '"status":"requires_action"' '"type":"redirect"'
# Play the customer's browser: authenticate on the page, which sends the browser to Kessai's callback,
# which finalizes the payment and sends the browser back to the shop.
CALLBACK=$(curl -s -o /dev/null -w '%{redirect_url}' "$URL?result=success")
SHOP=$(curl -s -o /dev/null -w '%{redirect_url}' "$CALLBACK")
echo "$SHOP"
check "back at the shop" "$SHOP" "https://shop.example/ok?paymentId=$PAYMENT2" 'status=captured'
ANSWER=$(curl -s "$BASE/payments/$PAYMENT2")
check "3-D Secure payment captured" "$ANSWER" '"status":"captured"'
# --- end of 4 ----------------------------------------------------------------------------------------------

# --- 5. konbini --------------------------------------------------------------------------------------------
ANSWER=$(curl -s -X POST "$BASE/payments" -H 'Content-Type: application/json' --data-binary @- <<JSON
{"orderId": "ORD-$RUN-3", "amount": "1000", "currency": "JPY",
 "method": {"type": "konbini", "brand": "LAWSON"},
 "customer": {"name": "Taro Yamada", "email": "taro@example.jp", "phone": "09012345678", "id": "user-1"},
 "returnUrls": {"success": "https://shop.example/ok", "failure": "https://shop.example/ng"}}
JSON
)
echo "$ANSWER"
PAYMENT3=$(echo "$ANSWER" | field paymentId)
PAY_URL=$(echo "$ANSWER" | field payUrl)   # the pay page: open it in a browser and press Pay, or:
check "konbini awaits the customer" "$ANSWER" '"provider":"japan-payment"' '"type":"pay_offline"'
PAID=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -d result=paid "$PAY_URL")
check "paid at the konbini" "$PAID" '303 https://shop.example/ok'
# Japan Payment notifies Kessai, which confirms and captures: wait for it.
for i in $(seq 1 30); do
  ANSWER=$(curl -s "$BASE/payments/$PAYMENT3")
  case "$ANSWER" in *'"status":"captured"'*) break ;; esac
  sleep 1
done
check "konbini payment captured" "$ANSWER" '"status":"captured"' '"capturedAmount":"1000"'
# --- end of 5 ----------------------------------------------------------------------------------------------

# --- 6. a bad order ----------------------------------------------------------------------------------------
ANSWER=$(curl -s -X POST "$BASE/payments" -H 'Content-Type: application/json' \
  -d '{"orderId":"ORD 1","amount":1000,"currency":"JPY","method":{"type":"card"},"customer":{}}')
echo "$ANSWER"
check "bad order refused, every field named" "$ANSWER" '"status":400' '"title":"invalid_request"' \
  '"field":"orderId"' '"field":"amount"' '"field":"method.token"' '"field":"customer.name"' \
  '"field":"returnUrls.success"'
# --- end of 6 ----------------------------------------------------------------------------------------------

# --- 7. events ---------------------------------------------------------------------------------------------
# Every status change became one event in $EVENTS (one JSON file each); those of the first payment:
for i in $(seq 1 30); do
  TYPES=$(grep -l "\"paymentId\":\"$PAYMENT\"" "$EVENTS"/*.json 2>/dev/null | xargs cat | grep -o '"type":"payment[a-z_.]*"' || true)
  case "$TYPES" in *payment.refunded*) break ;; esac
  sleep 1
done
echo "$TYPES"
check "events of $PAYMENT" "$TYPES" '"type":"payment.authorized"' '"type":"payment.captured"' '"type":"payment.refunded"'
# --- end of 7 ----------------------------------------------------------------------------------------------

echo "walk-through done: $PAYMENT $PAYMENT2 $PAYMENT3"

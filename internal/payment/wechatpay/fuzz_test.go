package wechatpay

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
)

// FuzzParseNotification feeds notification parsing outside input three
// ways: as a whole request with any signature headers, which must always
// be refused; as an envelope past the signature check; and as the
// resource of an envelope encrypted with the right key, which is what a
// compromised or buggy peer could send. It must never panic, and whatever
// it accepts must be a complete paid transaction (R-DON-1: only a
// complete, genuine payment can become a donation). The signing itself is
// tested by the unit tests; leaving RSA out of the loop keeps it fast.
func FuzzParseNotification(f *testing.F) {
	srv := fake(f, wechatpaytest.Options{})
	cl := client(f, config(f, srv))
	tx := []byte(`{"appid":"wxd678efh567hg6787","mchid":"1900009191","out_trade_no":"fuzz-00001",` +
		`"transaction_id":"4200000985202306011234567890","trade_type":"JSAPI","trade_state":"SUCCESS",` +
		`"success_time":"2023-06-01T10:34:56+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},` +
		`"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}`)
	envelope, err := io.ReadAll(srv.NotificationFor(tx, wechatpaytest.NoFault).Body)
	if err != nil {
		f.Fatal(err)
	}
	// The genuine envelope must pass, or the fuzzing below tests nothing.
	if p, err := cl.decodeNotification(envelope); err != nil || p.OrderID != "fuzz-00001" {
		f.Fatalf("seed envelope: %+v, %v", p, err)
	}
	now := strconv.FormatInt(srv.Clock().Now().Unix(), 10)
	f.Add(envelope, tx, now, srv.PlatformSerial)
	f.Add([]byte(`{"id":"x","resource_type":"encrypt-resource","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"AAAAAAAAAAAAAAAAAAAAAA==","nonce":"123456789012"}}`),
		[]byte(`{"trade_state":"SUCCESS","amount":{"total":-1}}`), "0", "")
	f.Add([]byte(`{"resource":null}`), []byte(`{"out_trade_no":"a","mchid":"b","trade_state":"SUCCESS","amount":{"total":1},"success_time":"x"}`), "-9223372036854775808", "x")
	f.Add([]byte(`[]`), []byte(`{"amount":{"total":9223372036854775807},"trade_state":"REFUND","mchid":"m","out_trade_no":"o"}`), "9999999999999", srv.PlatformSerial)

	check := func(t *testing.T, p payment.Payment, err error) {
		if err != nil {
			return
		}
		if p.State != payment.Paid || p.Amount <= 0 || p.OrderID == "" || p.TransactionID == "" ||
			p.Merchant == "" || p.PaidAt.IsZero() || p.NotificationID == "" || p.Provider != "wechatpay" {
			t.Fatalf("accepted an incomplete payment %+v", p)
		}
	}
	key := []byte(srv.APIv3Key)
	f.Fuzz(func(t *testing.T, body, plaintext []byte, timestamp, serial string) {
		r := httptest.NewRequest(http.MethodPost, "/notify", bytes.NewReader(body))
		r.Header.Set("Wechatpay-Timestamp", timestamp)
		r.Header.Set("Wechatpay-Serial", serial)
		r.Header.Set("Wechatpay-Nonce", "fuzz")
		r.Header.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(plaintext))
		if p, err := cl.ParseNotification(r); err == nil {
			t.Fatalf("accepted a notification not signed by WeChat Pay: %+v", p)
		}
		p, err := cl.decodeNotification(body)
		check(t, p, err)
		p, err = cl.decodeNotification(seal(t, key, plaintext))
		check(t, p, err)
	})
}

// seal wraps plaintext in a notification envelope encrypted with key.
func seal(t *testing.T, key, plaintext []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	const nonce = "0123456789ab"
	body, err := json.Marshal(map[string]any{
		"id": "EV-fuzz", "create_time": "2023-06-01T10:34:57+08:00", "resource_type": "encrypt-resource",
		"event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
		"resource": map[string]string{
			"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "associated_data": "transaction", "nonce": nonce,
			"ciphertext": base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plaintext, []byte("transaction"))),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

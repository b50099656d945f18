package main

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
)

// TestPaymentProviders checks that --payment builds the provider its flags
// describe: WeChat Pay from its files, speaking to a fake WeChat Pay that
// checks the signatures; the sandbox from a key file or the secret keys.
// Bad files are named in the error.
func TestPaymentProviders(t *testing.T) {
	fake := wechatpaytest.New(t, wechatpaytest.Options{MchID: "1900000109", AppID: "wx0000000000000001",
		APIv3Key: "0123456789abcdef0123456789abcdef"})
	dir := t.TempDir()
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyFile := file("apiclient_key.pem", fake.MerchantKeyPEM())
	v3File := file("apiv3.key", []byte(fake.APIv3Key+"\n"))
	certFile := file("platform.pem", fake.PlatformCertificatePEM())
	weChat := []string{"--payment", "wechatpay", "--wechatpay-mchid", fake.MchID, "--wechatpay-appid", fake.AppID,
		"--wechatpay-cert-serial", fake.MerchantSerial, "--wechatpay-key-file", keyFile,
		"--wechatpay-apiv3-key-file", v3File, "--wechatpay-platform-certs", certFile, "--wechatpay-url", fake.URL,
		"--public-url", "https://carefund.example"}
	keys := &keyring.Keys{}
	rand.Read(keys.Session[:])

	t.Run("wechatpay", func(t *testing.T) {
		cfg, _, err := parseConfig("serve", weChat, env())
		if err != nil {
			t.Fatal(err)
		}
		ps, merchants, err := paymentProviders(cfg, keys, "http://127.0.0.1:1", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || ps[0].Name() != "wechatpay" || merchants["wechatpay"] != fake.MchID {
			t.Fatalf("got %d providers, merchants %v; want wechatpay with merchant %s", len(ps), merchants, fake.MchID)
		}
		// The fake refuses a request not signed with the merchant's key.
		co, err := ps[0].Create(context.Background(), payment.Order{ID: "cfgtest0001", Amount: money.Fen(5000),
			Description: "carefund #1", NotifyURL: "http://127.0.0.1:1/pay/notify/wechatpay", ClientIP: "127.0.0.1",
			ExpiresAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatalf("creating an order at the fake WeChat Pay: %v", err)
		}
		if co.RedirectURL == "" && co.JSAPI == nil {
			t.Fatalf("checkout %+v says nothing of how to pay", co)
		}
	})

	t.Run("bad files", func(t *testing.T) {
		for _, tt := range []struct {
			flag, value, want string
		}{
			{"--wechatpay-key-file", filepath.Join(dir, "missing.pem"), "--wechatpay-key-file"},
			{"--wechatpay-key-file", v3File, "--payment wechatpay"},
			{"--wechatpay-platform-certs", keyFile, "--wechatpay-platform-certs"},
			{"--wechatpay-apiv3-key-file", filepath.Join(dir, "none"), "--wechatpay-apiv3-key-file"},
		} {
			args := append([]string{}, weChat...)
			for i := range args {
				if args[i] == tt.flag {
					args[i+1] = tt.value
				}
			}
			cfg, _, err := parseConfig("serve", args, env())
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = paymentProviders(cfg, keys, "http://127.0.0.1:1", nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s %s: error %v, want one naming %s", tt.flag, tt.value, err, tt.want)
			}
		}
	})

	t.Run("sandbox", func(t *testing.T) {
		cfg, _, err := parseConfig("serve", nil, env())
		if err != nil {
			t.Fatal(err)
		}
		ps, merchants, err := paymentProviders(cfg, keys, "http://127.0.0.1:1", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		sb, ok := ps[0].(*payment.Sandbox)
		if !ok || merchants["sandbox"] != "sandbox" {
			t.Fatalf("default provider %T, merchants %v; want the sandbox", ps[0], merchants)
		}
		t.Cleanup(sb.Close)
		short := file("short.key", []byte("too short"))
		cfg, _, err = parseConfig("serve", []string{"--sandbox-key-file", short}, env())
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := paymentProviders(cfg, keys, "", nil, nil); err == nil || !strings.Contains(err.Error(), "--sandbox-key-file") {
			t.Errorf("a 9-byte sandbox key: error %v, want one naming --sandbox-key-file", err)
		}
	})
}

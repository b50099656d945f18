package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/tencentcloud/tencentcloudtest"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/wechat/wechattest"
)

// productionServer starts the real binary as a live installation does:
// `carefund serve --production` on dsn with the extra flags (the
// providers'), SSL_CERT_FILE set to certs (the fakes' TLS certificates, PEM,
// concatenated), the keys in a folder outside the data folder that
// 'carefund keys backup' has backed up, --bank files with folders of its
// own and --public-url https://carefund.example; it waits for /readyz and
// stops the server when the test ends.
func productionServer(t *testing.T, dsn string, certs []byte, extra ...string) *crashServer {
	t.Helper()
	bin := testprog.Binary(t)
	dir := t.TempDir()
	certFile := filepath.Join(dir, "fakes.pem")
	if err := os.WriteFile(certFile, certs, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"outbox", "inbox"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	install := []string{"--database", dsn, "--data-dir", filepath.Join(dir, "data"), "--keys-dir", filepath.Join(dir, "etc", "keys")}
	env := []string{"SSL_CERT_FILE=" + certFile}
	backup := exec.Command(bin, append([]string{"keys", "backup", "--to", filepath.Join(dir, "keys-backup")}, install...)...)
	backup.Env = append(testprog.Env(), env...)
	if out, err := backup.CombinedOutput(); err != nil {
		t.Fatalf("carefund keys backup: %v\n%s", err, out)
	}
	srv := &crashServer{t: t, bin: bin, addr: freeAddr(t), env: env}
	srv.base = "http://" + srv.addr
	srv.args = append(append([]string{"serve", "--production", "--addr", srv.addr, "--public-url", "https://carefund.example",
		"--bank", "files", "--bank-outbox", filepath.Join(dir, "outbox"), "--bank-inbox", filepath.Join(dir, "inbox"),
		"--custody-account", "6222000000000001", "--log-format", "json", "--log-level", "warn"}, install...), extra...)
	t.Cleanup(srv.kill)
	if err := srv.start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.stop(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// TestProductionStart starts the real binary with --production against
// local fakes of every outside party, each over TLS and trusted through
// SSL_CERT_FILE as a live installation trusts its providers: WeChat Pay and
// the WeChat official account, and Tencent Cloud for SMS and real-name
// checks. It starts with no refusal; the development pages are gone; a
// sign-in code goes out by the real SMS sender and signs in; the real-name
// check asks the identity provider (R-ACC-1), refusing a name that does not
// match; and the log holds neither the phone number nor the ID number.
func TestProductionStart(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			pay := wechatpaytest.New(t, wechatpaytest.Options{MchID: "1900000109", AppID: "wx0000000000000001",
				APIv3Key: "0123456789abcdef0123456789abcdef", TLS: true})
			oa := wechattest.New(t, wechattest.Options{AppID: pay.AppID, TLS: true})
			tc := tencentcloudtest.NewTLS(t)
			const name, number, phone = "甄士隐", "11010519491231002X", "13912344321"
			tc.AddPerson(name, number)
			certs := append(append(pay.CertPEM(), oa.CertPEM()...), tc.CertPEM...)
			dir := t.TempDir()
			file := func(name string, b []byte) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			srv := productionServer(t, d.DSN, certs,
				"--payment", "wechatpay", "--wechatpay-mchid", pay.MchID, "--wechatpay-appid", pay.AppID,
				"--wechatpay-cert-serial", pay.MerchantSerial, "--wechatpay-key-file", file("apiclient_key.pem", pay.MerchantKeyPEM()),
				"--wechatpay-apiv3-key-file", file("apiv3.key", []byte(pay.APIv3Key+"\n")),
				"--wechatpay-platform-certs", file("platform.pem", pay.PlatformCertificatePEM()), "--wechatpay-url", pay.URL,
				"--wechat-appsecret-file", file("appsecret", []byte(oa.Secret+"\n")), "--wechat-api-url", oa.URL, "--wechat-oauth-url", oa.URL,
				"--sms", "tencent", "--sms-url", tc.URL, "--sms-app-id", tencentcloudtest.AppID,
				"--sms-sign-name", tencentcloudtest.SignName, "--sms-template", tencentcloudtest.Template,
				"--identity", "tencent", "--identity-url", tc.URL,
				"--tencentcloud-secret-file", file("tencentcloud.secret", []byte(tencentcloudtest.SecretID+"\n"+tencentcloudtest.SecretKey+"\n")))

			// The development pages are off.
			if st, _, _ := apiCall(t, srv.base, "GET", "/dev/sms", "", nil); st != http.StatusNotFound {
				t.Errorf("/dev/sms answered %d with --production", st)
			}
			// A live installation is https only: browsers are told so.
			if _, _, h := apiCall(t, srv.base, "GET", "/", "", nil); !strings.Contains(h.Get("Strict-Transport-Security"), "max-age=") {
				t.Errorf("no HSTS with --production: %q", h.Get("Strict-Transport-Security"))
			}

			// A sign-in code by the real SMS sender, over TLS.
			if st, body, _ := apiCall(t, srv.base, "POST", "/api/v1/signin/code", "", map[string]any{"phone": phone}); st != http.StatusAccepted {
				t.Fatalf("send code: %d %s", st, body)
			}
			code, ok := tc.LastCode(phone)
			if !ok {
				t.Fatalf("the SMS fake received no code; stderr:\n%s", srv.stderr.String())
			}
			st, body, h := apiCall(t, srv.base, "POST", "/api/v1/signin", "", map[string]any{"phone": phone, "code": code})
			if st != http.StatusOK {
				t.Fatalf("sign in: %d %s", st, body)
			}
			var session string
			for _, c := range (&http.Response{Header: h}).Cookies() {
				if c.Value != "" {
					if !c.Secure {
						t.Errorf("cookie %s is not Secure with --production", c.Name)
					}
					session = c.Name + "=" + c.Value
				}
			}
			if session == "" {
				t.Fatal("signing in set no session cookie")
			}

			// The real-name check asks the identity provider (R-ACC-1).
			_, rulesBody, _ := apiCall(t, srv.base, "GET", "/api/v1/rules", "", nil)
			var current []struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal([]byte(rulesBody), &current); err != nil || len(current) == 0 {
				t.Fatalf("rules: %v %s", err, rulesBody)
			}
			var ids []int64
			for _, r := range current {
				ids = append(ids, r.ID)
			}
			verify := map[string]any{"name": "贾雨村", "id_number": number, "truthful": true, "consent": true, "rules": ids}
			if st, body, _ := apiCall(t, srv.base, "POST", "/api/v1/me/identity", session, verify); st < 400 {
				t.Fatalf("a name that does not match the ID number was accepted: %d %s", st, body)
			}
			verify["name"] = name
			if st, body, _ := apiCall(t, srv.base, "POST", "/api/v1/me/identity", session, verify); st >= 300 {
				t.Fatalf("verify: %d %s", st, body)
			}
			if n := tc.Calls("IdCardVerification"); n != 2 {
				t.Errorf("the identity provider was asked %d times, want 2", n)
			}
			if log := srv.stderr.String(); strings.Contains(log, phone) || strings.Contains(log, number) {
				t.Errorf("the log holds the phone or the ID number:\n%s", log)
			}
		})
	}
}

// apiCall sends a JSON request (or none) with an optional Cookie header and
// returns the status, body and headers. A live installation's cookies are
// Secure; the test talks plain HTTP to it on loopback, so it carries the
// session by hand, as the TLS proxy in front would.
func apiCall(t *testing.T, base, method, path, cookie string, in any) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

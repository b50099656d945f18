package main

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
)

// tlsFront puts a TLS server in front of a local fake speaking plain HTTP,
// as the providers' APIs are reached over https in production, and returns
// its URL and its certificate in PEM, for SSL_CERT_FILE.
func tlsFront(t *testing.T, plain string) (string, []byte) {
	t.Helper()
	u, err := url.Parse(plain)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(u))
	t.Cleanup(front.Close)
	return front.URL, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw})
}

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
// local fakes of every provider, over TLS: WeChat Pay here; the SMS and
// identity providers' fakes join it once they exist.
func TestProductionStart(t *testing.T) {
	t.Skip("needs the SMS and identity fakes")
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			fake := wechatpaytest.New(t, wechatpaytest.Options{MchID: "1900000109", AppID: "wx0000000000000001",
				APIv3Key: "0123456789abcdef0123456789abcdef"})
			payURL, cert := tlsFront(t, fake.URL)
			dir := t.TempDir()
			file := func(name string, b []byte) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			srv := productionServer(t, d.DSN, cert,
				"--payment", "wechatpay", "--wechatpay-mchid", fake.MchID, "--wechatpay-appid", fake.AppID,
				"--wechatpay-cert-serial", fake.MerchantSerial, "--wechatpay-key-file", file("apiclient_key.pem", fake.MerchantKeyPEM()),
				"--wechatpay-apiv3-key-file", file("apiv3.key", []byte(fake.APIv3Key+"\n")),
				"--wechatpay-platform-certs", file("platform.pem", fake.PlatformCertificatePEM()), "--wechatpay-url", payURL)
			// The development pages are off.
			resp, err := http.Get(srv.base + "/dev/sms")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("/dev/sms answered %d with --production", resp.StatusCode)
			}
		})
	}
}

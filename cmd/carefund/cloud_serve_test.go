package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/tencentcloud/tencentcloudtest"
	"github.com/carefund/carefund/internal/testprog"
)

// TestServeWithTencentCloud runs the real program against the Tencent
// Cloud fake over TLS (its certificate trusted through SSL_CERT_FILE, as a
// private CA would be): a sign-in code goes out by SMS and signs in, a
// mismatched real-name check is refused with the reason shown, and the
// right one verifies (R-ACC-1). The log never holds the full phone number.
func TestServeWithTencentCloud(t *testing.T) {
	f := tencentcloudtest.NewTLS(t)
	const name, number, phone = "甄士隐", "11010519491231002X", "13912344321"
	f.AddPerson(name, number)
	dir := t.TempDir()
	cert := filepath.Join(dir, "fake-ca.pem")
	keys := filepath.Join(dir, "tencentcloud.secret")
	if err := os.WriteFile(cert, f.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keys, []byte(tencentcloudtest.SecretID+"\n"+tencentcloudtest.SecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", cert)
	p := testprog.Start(t, "--sms", "tencent", "--sms-url", f.URL, "--sms-app-id", tencentcloudtest.AppID,
		"--sms-sign-name", tencentcloudtest.SignName, "--sms-template", tencentcloudtest.Template,
		"--identity", "tencent", "--identity-url", f.URL, "--tencentcloud-secret-file", keys)
	c := newClient(t, p.URL)
	if st, body, _ := c.do("POST", "/signin/code", url.Values{"phone": {phone}}); st != 200 {
		t.Fatalf("send code: %d\n%s", st, body)
	}
	code, ok := f.LastCode(phone)
	if !ok {
		t.Fatalf("the fake received no code; stderr:\n%s", p.Stderr())
	}
	if st, body, h := c.do("POST", "/signin", url.Values{"phone": {phone}, "code": {code}}); st != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s\n%s", st, h.Get("Location"), body)
	}
	_, page, _ := c.do("GET", "/account/verify", nil)
	form := url.Values{"name": {"贾雨村"}, "id_number": {number}, "consent": {"yes"}, "truthful": {"yes"}}
	for _, m := range ruleIDs.FindAllStringSubmatch(page, -1) {
		form.Add("rule", m[1])
	}
	if st, _, _ := c.do("POST", "/account/verify", form); st == http.StatusSeeOther {
		t.Fatal("a mismatched name was verified")
	}
	form.Set("name", name)
	if st, body, h := c.do("POST", "/account/verify", form); st != http.StatusSeeOther {
		t.Fatalf("verify: %d %s\n%s", st, h.Get("Location"), body)
	}
	if n := f.Calls("IdCardVerification"); n != 2 {
		t.Errorf("the provider was asked %d times, want 2", n)
	}
	if strings.Contains(p.Stderr(), phone) || strings.Contains(p.Stderr(), number) {
		t.Errorf("the log holds the phone or the ID number:\n%s", p.Stderr())
	}
}

package wechattest

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestTLSCertificateTrusted: the certificate a TLS fake writes out is all
// a client needs to trust it, as a child process does with SSL_CERT_FILE.
func TestTLSCertificateTrusted(t *testing.T) {
	s := New(t, Options{TLS: true})
	path := filepath.Join(t.TempDir(), "fake.pem")
	if err := s.WriteCertFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatal("the written file holds no certificate")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(s.URL + "/cgi-bin/token?grant_type=client_credential&appid=" + s.AppID + "&secret=" + s.Secret)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if New(t, Options{}).WriteCertFile(path) == nil {
		t.Fatal("a plain fake wrote a certificate")
	}
}

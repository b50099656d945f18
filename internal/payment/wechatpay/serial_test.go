package wechatpay

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
)

// A platform certificate whose serial number starts with a byte below 0x10
// (one in sixteen) is named by WeChat Pay with its leading zero; the
// client must name it the same, or no answer or notification signed with
// it verifies (issue 13, 8c).
func TestPlatformSerialLeadingZero(t *testing.T) {
	for _, first := range []byte{0x01, 0x0A, 0x0F, 0x10, 0x7F} {
		serial := append([]byte{first}, bytes.Repeat([]byte{0xC3}, 19)...)
		srv := fake(t, wechatpaytest.Options{PlatformSerial: serial})
		want := strings.ToUpper(hexOf(serial))
		if srv.PlatformSerial != want {
			t.Fatalf("the fake names its certificate %s, want %s", srv.PlatformSerial, want)
		}
		got, _, err := ParseCertificate(srv.PlatformCertificatePEM())
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("ParseCertificate = %s, want %s", got, want)
		}
		if ssl := opensslSerial(t, srv.PlatformCertificatePEM()); ssl != "" && ssl != got {
			t.Fatalf("openssl x509 -serial says %s, ParseCertificate %s", ssl, got)
		}
		// A whole round: an order (its answer is signed with the platform
		// key) and its payment's notification.
		cl := client(t, config(t, srv))
		m := newMerchant(t, cl, 0)
		o := order("zero-00001", m)
		o.PayerRef = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
		if _, err := cl.Create(context.Background(), o); err != nil {
			t.Fatalf("serial %s: placing an order: %v", want, err)
		}
		if err := srv.Pay(o.ID); err != nil {
			t.Fatal(err)
		}
		srv.Drain()
		if got, errs := m.results(); len(got) != 1 || len(errs) != 0 {
			t.Fatalf("serial %s: the merchant parsed %d notifications, refused %v", want, len(got), errs)
		}
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// opensslSerial is what openssl x509 -serial prints for a certificate, or
// "" when openssl is not installed.
func opensslSerial(t *testing.T, pemBytes []byte) string {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		return ""
	}
	path := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "x509", "-noout", "-serial", "-in", path).Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	s, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "serial=")
	if !ok {
		t.Fatalf("openssl printed %q", out)
	}
	return s
}

// The merchant's certificate serial is sent as WeChat Pay expects it,
// whole bytes in upper-case hex, however the operator pasted it.
func TestCanonicalSerial(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", true},
		{"0A57F09EFDC096DE15EBE81A47057A7232F1B8E1", "0A57F09EFDC096DE15EBE81A47057A7232F1B8E1", true},
		{"a57f09efdc096de15ebe81a47057a7232f1b8e1", "0A57F09EFDC096DE15EBE81A47057A7232F1B8E1", true},
		{"serial=0A57F09EFDC096DE15EBE81A47057A7232F1B8E1\n", "0A57F09EFDC096DE15EBE81A47057A7232F1B8E1", true},
		{"0a:57:f0:9e", "0A57F09E", true},
		{"", "", false},
		{"PUB_KEY_ID_0119", "", false},
		{"0x0A57", "", false},
	}
	for _, tt := range tests {
		got, ok := CanonicalSerial(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CanonicalSerial(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// A merchant serial with a leading zero, configured as a tool that drops
// it would print it, in lower case, still signs requests WeChat Pay
// accepts.
func TestMerchantSerialLeadingZero(t *testing.T) {
	srv := fake(t, wechatpaytest.Options{})
	srv.MerchantSerial = "0" + srv.MerchantSerial[1:]
	c := config(t, srv)
	c.CertSerial = strings.ToLower(strings.TrimPrefix(srv.MerchantSerial, "0"))
	cl := client(t, c)
	o := order("mzero-0001", newMerchant(t, cl, 0))
	o.PayerRef = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	if _, err := cl.Create(context.Background(), o); err != nil {
		t.Fatalf("placing an order with serial %q for %s: %v", c.CertSerial, srv.MerchantSerial, err)
	}
	c.CertSerial = "not hex"
	if _, err := New(c); err == nil {
		t.Fatal("New took a serial that is not hex")
	}
}

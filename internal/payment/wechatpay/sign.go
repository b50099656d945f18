package wechatpay

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/payment"
)

// authorization returns the Authorization header of a request: the
// merchant's signature over method, canonical URL (path and query),
// timestamp, nonce and body, each line ended by "\n".
func (c *Client) authorization(method, canonicalURL string, body []byte) (string, error) {
	ts := strconv.FormatInt(c.now().Unix(), 10)
	nonce, err := nonceString()
	if err != nil {
		return "", err
	}
	sig, err := sign(c.key, method+"\n"+canonicalURL+"\n"+ts+"\n"+nonce+"\n"+string(body)+"\n")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"`,
		c.mchID, nonce, sig, ts, c.serial), nil
}

// verify checks WeChat Pay's signature on an answer or notification: the
// key named by Wechatpay-Serial must be one the merchant holds, the
// signature over timestamp, nonce and body must verify, and the timestamp
// must be within payment.MaxSkew of now. The signature is checked first,
// so ErrStale means a genuine but old message.
func (c *Client) verify(h http.Header, body []byte) error {
	serial := h.Get("Wechatpay-Serial")
	ts := h.Get("Wechatpay-Timestamp")
	nonce := h.Get("Wechatpay-Nonce")
	sigText := h.Get("Wechatpay-Signature")
	if serial == "" || ts == "" || nonce == "" || sigText == "" {
		return fmt.Errorf("missing Wechatpay-* signature headers: %w", payment.ErrBadSignature)
	}
	key, ok := c.platform[serial]
	if !ok {
		// Serials are public; naming one is safe and helps an operator
		// notice a platform key rotation.
		return fmt.Errorf("unknown Wechatpay-Serial %.64q: %w", serial, payment.ErrBadSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(sigText)
	if err != nil {
		return fmt.Errorf("signature is not base64: %w", payment.ErrBadSignature)
	}
	digest := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) != nil {
		return fmt.Errorf("signature does not verify: %w", payment.ErrBadSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad Wechatpay-Timestamp: %w", payment.ErrBadSignature)
	}
	// Compare in seconds: a time.Duration overflows for absurd timestamps.
	if skew := c.now().Unix() - sec; skew > int64(payment.MaxSkew/time.Second) || skew < -int64(payment.MaxSkew/time.Second) {
		return fmt.Errorf("timestamp %d s from now: %w", skew, payment.ErrStale)
	}
	return nil
}

// sign signs message with RSA PKCS #1 v1.5 over SHA-256, base64.
func sign(key *rsa.PrivateKey, message string) (string, error) {
	digest := sha256.Sum256([]byte(message))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("wechatpay: signing: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// nonceString returns 32 random letters and digits.
func nonceString() (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("wechatpay: nonce: %w", err)
	}
	for i := range b {
		// 256 is 7×36+4: the bias is under 2%, harmless for a nonce.
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// ParsePrivateKey reads the merchant's API private key from PEM (PKCS #8,
// as WeChat Pay issues it, or PKCS #1). It refuses keys under 2048 bits.
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("private key is not PEM")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		var ok bool
		if key, ok = k.(*rsa.PrivateKey); !ok {
			return nil, errors.New("private key is not RSA")
		}
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		key = k
	default:
		return nil, fmt.Errorf("private key PEM block is %q", block.Type)
	}
	if key.N.BitLen() < 2048 {
		return nil, errors.New("private key is shorter than 2048 bits")
	}
	return key, nil
}

// ParseCertificate reads a WeChat Pay platform certificate (PEM) and
// returns its serial, as Wechatpay-Serial spells it (upper-case hex), and
// its key. The caller fetched it over TLS from WeChat Pay's certificate
// download or was given it; checking its chain is not this package's job.
func ParseCertificate(pemBytes []byte) (serial string, key *rsa.PublicKey, err error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", nil, errors.New("platform certificate is not a PEM CERTIFICATE")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", nil, fmt.Errorf("platform certificate: %w", err)
	}
	k, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "", nil, errors.New("platform certificate key is not RSA")
	}
	return serialHex(cert.SerialNumber), k, nil
}

// serialHex spells a certificate serial number as WeChat Pay's
// Wechatpay-Serial and openssl x509 -serial do: the number's bytes, whole,
// in upper-case hex. Formatting the number itself (%X of the big.Int)
// drops the leading zero of a serial whose first byte is below 0x10, about
// one certificate in sixteen, and then no notification or answer signed
// with that certificate would verify.
func serialHex(n *big.Int) string {
	b := new(big.Int).Abs(n).Bytes()
	if len(b) == 0 {
		return "00"
	}
	return fmt.Sprintf("%X", b)
}

// CanonicalSerial spells a certificate serial number given as text the way
// WeChat Pay expects it in serial_no: upper-case hex in whole bytes. It
// accepts what an operator may paste — lower case, the "serial=" prefix of
// openssl x509 -serial, colons or spaces between bytes, a leading zero
// dropped by a tool that formats the number — and reports false for
// anything that is not hex.
func CanonicalSerial(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "serial="), "SERIAL=")
	s = strings.NewReplacer(":", "", " ", "").Replace(s)
	if s == "" {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return "", false
		}
	}
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return strings.ToUpper(s), true
}

// ParsePublicKey reads the "WeChat Pay public key" (PEM, PKIX), which
// answers name by its id (PUB_KEY_ID_…) instead of a certificate serial.
func ParsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("WeChat Pay public key is not a PEM PUBLIC KEY")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("WeChat Pay public key: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("WeChat Pay public key is not RSA")
	}
	return rk, nil
}

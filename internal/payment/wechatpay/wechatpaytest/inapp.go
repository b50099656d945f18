package wechatpaytest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// In-app and desktop payment: JSAPI (inside WeChat, paid through
// WeixinJSBridge's getBrandWCPayRequest) and Native (a QR code scanned
// with WeChat).

// createNative places a Native order: its answer is the code_url the
// merchant shows as a QR code.
func (s *Server) createNative(_ *http.Request, body []byte) (int, any, *apiError) {
	o, e := s.place(body, "NATIVE")
	if e != nil {
		return fail(e.status, e.code, e.message)
	}
	return http.StatusOK, map[string]string{"code_url": o.CodeURL}, nil
}

// OrderByPrepay returns the order a prepay_id was given for.
func (s *Server) OrderByPrepay(prepayID string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orders {
		if o.PrepayID == prepayID {
			return *o, true
		}
	}
	return Order{}, false
}

// OrderByCodeURL returns the Native order a code_url was given for.
func (s *Server) OrderByCodeURL(codeURL string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orders {
		if o.CodeURL != "" && o.CodeURL == codeURL {
			return *o, true
		}
	}
	return Order{}, false
}

// VerifyPaySign checks the parameters a page passes to
// getBrandWCPayRequest as WeChat does before it shows the cashier: appId
// is the merchant's, package is "prepay_id=" of a JSAPI order not yet paid,
// signType is RSA, and paySign is the base64 SHA256withRSA signature, by
// the merchant's API key, of "appId\ntimeStamp\nnonceStr\npackage\n"
// (WeChat Pay API v3, JSAPI 调起支付). It returns the order.
func (s *Server) VerifyPaySign(p map[string]string) (Order, error) {
	for _, k := range []string{"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"} {
		if p[k] == "" {
			return Order{}, fmt.Errorf("wechatpaytest: getBrandWCPayRequest without %s", k)
		}
	}
	if p["appId"] != s.AppID {
		return Order{}, fmt.Errorf("wechatpaytest: appId %q is not the merchant's", p["appId"])
	}
	if p["signType"] != "RSA" {
		return Order{}, fmt.Errorf("wechatpaytest: signType %q, want RSA", p["signType"])
	}
	if err := VerifyPaySign(s.merchant, p["appId"], p["timeStamp"], p["nonceStr"], p["package"], p["paySign"]); err != nil {
		return Order{}, err
	}
	prepay, ok := strings.CutPrefix(p["package"], "prepay_id=")
	if !ok {
		return Order{}, errors.New("wechatpaytest: package is not prepay_id=…")
	}
	o, ok := s.OrderByPrepay(prepay)
	if !ok || o.TradeType != "JSAPI" {
		return Order{}, fmt.Errorf("wechatpaytest: no JSAPI order with prepay_id %q", prepay)
	}
	return o, nil
}

// VerifyPaySign checks a JSAPI paySign with the merchant's public key.
func VerifyPaySign(merchant *rsa.PublicKey, appID, timeStamp, nonceStr, pkg, paySign string) error {
	sig, err := base64.StdEncoding.DecodeString(paySign)
	if err != nil {
		return fmt.Errorf("wechatpaytest: paySign is not base64: %w", err)
	}
	sum := sha256.Sum256([]byte(appID + "\n" + timeStamp + "\n" + nonceStr + "\n" + pkg + "\n"))
	if err := rsa.VerifyPKCS1v15(merchant, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("wechatpaytest: paySign does not verify: %w", err)
	}
	return nil
}

// MerchantPublicKey is the merchant's API public key, as WeChat Pay holds it.
func (s *Server) MerchantPublicKey() *rsa.PublicKey { return s.merchant }

// CertPEM is the TLS certificate of a server started with Options.TLS,
// PEM; nil otherwise. Every httptest TLS server has this one certificate,
// so one file trusts this fake and wechattest's alike.
func (s *Server) CertPEM() []byte {
	if s.TLS == nil || s.Certificate() == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

// WriteCertFile writes CertPEM to path, for a child process to trust
// through SSL_CERT_FILE.
func (s *Server) WriteCertFile(path string) error {
	b := s.CertPEM()
	if b == nil {
		return errors.New("wechatpaytest: not a TLS server")
	}
	return os.WriteFile(path, b, 0o644)
}

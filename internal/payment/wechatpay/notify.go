package wechatpay

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/carefund/carefund/internal/payment"
)

// notification is the envelope WeChat Pay posts to notify_url.
type notification struct {
	ID           string `json:"id"`
	CreateTime   string `json:"create_time"`
	EventType    string `json:"event_type"`
	ResourceType string `json:"resource_type"`
	Summary      string `json:"summary"`
	Resource     *struct {
		Algorithm      string `json:"algorithm"`
		Ciphertext     string `json:"ciphertext"`
		AssociatedData string `json:"associated_data"`
		Nonce          string `json:"nonce"`
		OriginalType   string `json:"original_type"`
	} `json:"resource"`
}

// ParseNotification verifies a payment notification's signature and
// freshness (payment.ErrBadSignature, payment.ErrStale), decrypts its
// resource with the APIv3 key (a resource that fails authentication is
// payment.ErrBadSignature) and returns the transaction it carries. Only
// transaction notifications are accepted; anything else is
// payment.ErrMalformed. The merchant id is returned, not checked: the
// caller compares it, the order and the amount with its own records.
func (c *Client) ParseNotification(r *http.Request) (payment.Payment, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, payment.MaxNotificationBody+1))
	if err != nil {
		return payment.Payment{}, fmt.Errorf("wechatpay: reading notification: %w", payment.ErrMalformed)
	}
	if len(body) > payment.MaxNotificationBody {
		return payment.Payment{}, fmt.Errorf("wechatpay: notification over %d bytes: %w", payment.MaxNotificationBody, payment.ErrMalformed)
	}
	if err := c.verify(r.Header, body); err != nil {
		return payment.Payment{}, fmt.Errorf("wechatpay: notification: %w", err)
	}
	return c.decodeNotification(body)
}

// decodeNotification decodes and decrypts a notification whose signature
// has been checked.
func (c *Client) decodeNotification(body []byte) (payment.Payment, error) {
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return payment.Payment{}, fmt.Errorf("wechatpay: notification is not JSON: %w", payment.ErrMalformed)
	}
	if n.ID == "" || n.ResourceType != "encrypt-resource" || n.Resource == nil {
		return payment.Payment{}, fmt.Errorf("wechatpay: notification lacks id or encrypted resource: %w", payment.ErrMalformed)
	}
	res := n.Resource
	if res.OriginalType != "transaction" {
		return payment.Payment{}, fmt.Errorf("wechatpay: notification of a %.32q, not a transaction: %w", res.OriginalType, payment.ErrMalformed)
	}
	if res.Algorithm != "AEAD_AES_256_GCM" {
		return payment.Payment{}, fmt.Errorf("wechatpay: notification algorithm %.32q: %w", res.Algorithm, payment.ErrMalformed)
	}
	plaintext, err := c.decrypt(res.Ciphertext, res.Nonce, res.AssociatedData)
	if err != nil {
		return payment.Payment{}, err
	}
	var t transaction
	if err := json.Unmarshal(plaintext, &t); err != nil {
		return payment.Payment{}, fmt.Errorf("wechatpay: notification resource is not a transaction: %w", payment.ErrMalformed)
	}
	p, err := t.toPayment()
	if err != nil {
		return payment.Payment{}, err
	}
	// TRANSACTION.SUCCESS is the only event WeChat Pay sends for payments,
	// and it must say what the resource says.
	if n.EventType != "TRANSACTION.SUCCESS" || p.State != payment.Paid {
		return payment.Payment{}, fmt.Errorf("wechatpay: notification event %.32q for trade state %s: %w", n.EventType, p.State, payment.ErrMalformed)
	}
	p.NotificationID = n.ID
	return p, nil
}

// decrypt opens an AEAD_AES_256_GCM resource: the ciphertext (base64)
// carries the 16-byte tag at its end, the nonce is the 12 characters as
// given, and associated_data is authenticated with it.
func (c *Client) decrypt(ciphertext, nonce, associatedData string) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil || len(nonce) != 12 || len(data) < 16 {
		return nil, fmt.Errorf("wechatpay: bad ciphertext or nonce: %w", payment.ErrMalformed)
	}
	block, err := aes.NewCipher(c.apiv3Key)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: %w", err)
	}
	plaintext, err := gcm.Open(nil, []byte(nonce), data, []byte(associatedData))
	if err != nil {
		// A wrong key, nonce, associated data or a changed byte all end
		// here: the resource did not come from WeChat Pay as it is.
		return nil, fmt.Errorf("wechatpay: resource does not decrypt: %w", payment.ErrBadSignature)
	}
	return plaintext, nil
}

// Acknowledge answers a notification as WeChat Pay expects: 204 with no
// body for success, and for failure {"code":"FAIL","message":…}, which
// makes WeChat Pay deliver it again later, with the status of
// payment.RefusalStatus: 401 for a forged or stale notification, 400 for a
// malformed one, 500 when the platform failed. The message says only what
// kind of failure it was.
func (c *Client) Acknowledge(w http.ResponseWriter, err error) {
	if err == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	msg := "failed"
	switch {
	case errors.Is(err, payment.ErrBadSignature):
		msg = "bad signature"
	case errors.Is(err, payment.ErrStale):
		msg = "stale timestamp"
	case errors.Is(err, payment.ErrMalformed):
		msg = "malformed notification"
	}
	body, _ := json.Marshal(map[string]string{"code": "FAIL", "message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(payment.RefusalStatus(err))
	_, _ = w.Write(body)
}

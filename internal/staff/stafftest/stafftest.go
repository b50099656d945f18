// Package stafftest gives tests a sealer for staff TOTP secrets without the
// vault: AES-256-GCM under a fixed key, the additional data bound in, as the
// real one binds it. It is meant to be imported only from _test.go files.
//
// It does not import package staff, so staff's own tests can use it too; its
// Sealer satisfies staff.Sealer by shape.
package stafftest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"testing"
)

// AESSealer seals with AES-256-GCM, a random nonce in front.
type AESSealer struct{ aead cipher.AEAD }

// Sealer returns a sealer under a fixed test key.
func Sealer(t testing.TB) AESSealer {
	t.Helper()
	block, err := aes.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return AESSealer{aead}
}

// Seal encrypts plaintext bound to aad.
func (s AESSealer) Seal(aad string, plaintext []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, []byte(aad)), nil
}

// Open decrypts what Seal sealed with the same aad.
func (s AESSealer) Open(aad string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
}

package staff

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"os"
	"testing"
)

// productionParams keeps the parameters new hashes get in production, which
// TestMain lowers for speed; TestPasswordHash checks them.
var productionParams = hashParams

func TestMain(m *testing.M) {
	// Sign-in tests compute argon2id dozens of times under -race; 64 KiB
	// and one pass keep the algorithm and code path, not the cost.
	hashParams = argon2Params{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}

// testSealer is AES-256-GCM under a fixed key, with the AAD bound in.
type testSealer struct{ aead cipher.AEAD }

func newTestSealer(t testing.TB) testSealer {
	t.Helper()
	block, err := aes.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return testSealer{aead}
}

func (s testSealer) Seal(aad string, plaintext []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, []byte(aad)), nil
}

func (s testSealer) Open(aad string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
}

package demo

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// testSealer seals with AES-GCM under a fixed key.
type testSealer struct{ aead cipher.AEAD }

func newSealer() testSealer {
	block, _ := aes.NewCipher(make([]byte, 32))
	aead, _ := cipher.NewGCM(block)
	return testSealer{aead}
}

func (s testSealer) Seal(aad string, p []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, p, []byte(aad)), nil
}

func (s testSealer) Open(aad string, b []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(b) < n {
		return nil, errors.New("short")
	}
	return s.aead.Open(nil, b[:n], b[n:], []byte(aad))
}

func TestLoadOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := newSealer()
		for i, want := range []bool{true, false} {
			loaded, err := Load(ctx, db, sealer)
			if err != nil || loaded != want {
				t.Errorf("Load #%d = %v, %v; want %v", i+1, loaded, err, want)
			}
		}
		// The referral list has its demonstration organisations.
		var orgs []charity.Org
		if err := db.Read(ctx, func(tx *store.Tx) (err error) { orgs, err = charity.List(ctx, tx); return err }); err != nil || len(orgs) == 0 {
			t.Errorf("charities after the demo load: %d (%v)", len(orgs), err)
		}
		for _, o := range orgs {
			if !o.IsDemo() {
				t.Errorf("%q is not marked as a demonstration entry", o.Name)
			}
		}
		// Every demonstration account signs in with the published password
		// and the code from its derivable secret.
		for _, a := range StaffAccounts() {
			now := time.Now()
			s, err := staff.Authenticate(ctx, db, sealer, a.Username, StaffPassword, staff.CodeAt(Secret(a.Username), now), now,
				func(context.Context, *store.Tx, int64, string, string) error { return nil })
			if err != nil || s.Role != a.Role {
				t.Errorf("%s: %+v, %v", a.Username, s, err)
			}
		}
	})
}

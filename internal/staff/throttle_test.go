package staff

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-ACC-2: failed staff sign-ins are counted per client address in the
// database (so the limit holds across nodes): after AddrLimit.N failures
// within AddrLimit.Window, from any usernames, known or not, the address
// is refused, even with the right credentials, with "try again later" and
// without a password check, while another address still signs in. The
// refusal is recorded.
func TestSignInThrottledPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := mustCreate(t, db, "alice", Finance)
		s := newSigner(t, db)
		from := func(addr, username, password, code string) error {
			_, err := AuthenticateFrom(context.Background(), db, stafftest.Sealer(t), username, password, code, addr, s.now, recorder(&s.recs))
			return err
		}
		for i := range AddrLimit.N {
			// Unknown usernames count as much as known ones.
			name := fmt.Sprintf("nobody%d", i)
			if i%4 == 0 {
				name = "alice"
			}
			if err := from("198.51.100.7", name, "wrong password!", "000000"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("failure %d: %v", i+1, err)
			}
			if i%4 == 0 {
				// Keep alice below her own lockout.
				write(t, db, func(ctx context.Context, tx *store.Tx) error { return Unlock(ctx, tx, a.ID) })
			}
		}
		var calls atomic.Int32
		countHashes(t, &calls)
		err := from("198.51.100.7", "alice", testPassword, s.code(a))
		wantCode(t, err, apperr.RateLimited, "staff.signin_throttled")
		if n := calls.Load(); n != 0 {
			t.Errorf("%d argon2id computations for a throttled address, want 0", n)
		}
		if w := (outcome{0, "denied", "throttled"}); s.last() != w {
			t.Errorf("recorded %+v, want %+v", s.last(), w)
		}
		// Another address is not affected.
		if err := from("203.0.113.9", "alice", testPassword, s.code(a)); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})
}

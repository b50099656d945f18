package staff

import (
	"context"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-ACC-2: the lockout's delays grow, doubling from LockBase for each
// lockout in a row, up to LockMax.
func TestLockDuration(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {7, 64 * time.Minute},
		{6, 32 * time.Minute}, {8, time.Hour}, {100, time.Hour}, {1 << 30, time.Hour},
	} {
		want := min(tc.want, LockMax)
		if got := lockDuration(tc.n); got != want {
			t.Errorf("lockDuration(%d) = %v, want %v", tc.n, got, want)
		}
	}
	if LockBase != time.Minute || LockMax != time.Hour {
		t.Errorf("LockBase %v, LockMax %v: the policy of decision 0025 is 1 min doubling to 1 h", LockBase, LockMax)
	}
}

// R-ACC-2: a lockout ends by itself: five failures lock the account for
// LockBase, the next five (after it ends) for twice as long, and so on up to
// LockMax; during a lock even the right password and code are refused, with
// the same error as any failure; a success clears the count of lockouts.
func TestLockoutExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, base *store.DB) {
		clock := time.Unix(1_700_000_000, 0)
		db := base.WithClock(func() time.Time { return clock })
		a := mustCreate(t, db, "alice", Finance)
		s := newSigner(t, db)
		s.now = clock
		advance := func(d time.Duration) {
			clock = clock.Add(d)
			s.now = clock
		}
		fail := func() {
			t.Helper()
			for i := range MaxFailures {
				if _, err := s.signIn("alice", testPassword+"x", s.code(a)); apperr.CodeOf(err) != apperr.Unauthorized {
					t.Fatalf("failure %d: %v", i+1, err)
				}
			}
		}
		right := func() error {
			t.Helper()
			advance(totpPeriod * time.Second)
			_, err := s.signIn("alice", testPassword, s.code(a))
			return err
		}
		// The right credentials are refused for the lock's whole length,
		// then accepted.
		lockedFor := func(d time.Duration) {
			t.Helper()
			start := clock
			if !get(t, db, a.ID).Locked {
				t.Fatal("not locked")
			}
			for clock.Sub(start)+totpPeriod*time.Second < d {
				wantCode(t, right(), apperr.Unauthorized, "staff.signin_failed")
				if w := (outcome{a.ID, "denied", "locked"}); s.last() != w {
					t.Fatalf("recorded %+v, want %+v", s.last(), w)
				}
			}
			advance(d - clock.Sub(start))
			if get(t, db, a.ID).Locked {
				t.Fatalf("still locked %v after the lock began", clock.Sub(start))
			}
		}

		fail()
		lockedFor(time.Minute)
		fail()
		lockedFor(2 * time.Minute)
		fail()
		lockedFor(4 * time.Minute)
		if err := right(); err != nil {
			t.Fatalf("after the lock ended: %v", err)
		}
		// The success cleared the lockouts: the next lock is short again.
		fail()
		lockedFor(time.Minute)

		// Up to the cap, never beyond.
		for range 10 {
			fail()
			advance(LockMax)
		}
		fail()
		lockedFor(LockMax)
	})
}

// R-ACC-2: Unlock lifts a lock before its end and clears the counts.
func TestUnlockClearsTimedLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := mustCreate(t, db, "alice", Finance)
		s := newSigner(t, db)
		for range MaxFailures {
			s.signIn("alice", "wrong password!", s.code(a))
		}
		if !get(t, db, a.ID).Locked {
			t.Fatal("not locked")
		}
		write(t, db, func(ctx context.Context, tx *store.Tx) error { return Unlock(ctx, tx, a.ID) })
		if get(t, db, a.ID).Locked {
			t.Fatal("still locked after Unlock")
		}
		s.next()
		if _, err := s.signIn("alice", testPassword, s.code(a)); err != nil {
			t.Fatal(err)
		}
	})
}

package staff

import (
	"context"
	"encoding/base32"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/staff/stafftest"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

const testPassword = "correct horse battery"

// account is a staff account made for a test, with what signing in needs.
type account struct {
	Staff
	secret []byte
}

func mustCreate(t *testing.T, db *store.DB, username string, role Role) account {
	t.Helper()
	var a account
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		s, uri, err := Create(context.Background(), tx, stafftest.Sealer(t), username, role, testPassword)
		a.Staff = s
		if err == nil {
			a.secret = secretOf(t, uri)
		}
		return err
	})
	if err != nil {
		t.Fatalf("Create(%s): %v", username, err)
	}
	return a
}

// secretOf reads the TOTP secret out of an enrolment URI, as an
// authenticator app does.
func secretOf(t *testing.T, uri string) []byte {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	if err != nil || len(secret) != secretLen {
		t.Fatalf("enrolment URI %s: secret %d bytes, %v", uri, len(secret), err)
	}
	return secret
}

func get(t *testing.T, db *store.DB, id int64) Staff {
	t.Helper()
	var s Staff
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		s, err = Get(context.Background(), tx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func write(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// outcome is one call of a Recorder.
type outcome struct {
	staffID        int64
	result, reason string
}

// recorder returns a Recorder that keeps its calls in *got.
func recorder(got *[]outcome) Recorder {
	return func(_ context.Context, tx *store.Tx, staffID int64, result, reason string) error {
		if tx == nil {
			return errors.New("no transaction")
		}
		*got = append(*got, outcome{staffID, result, reason})
		return nil
	}
}

func wantCode(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || (key != "" && e.Key != key && (len(e.Fields) == 0 || e.Fields[0].Key != key)) {
		t.Fatalf("error %v, want %s %s", err, code, key)
	}
}

// R-ACC-2: staff accounts have a valid, unique username, one known role and
// a long enough password that is not the username.
func TestCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, " Alice.Admin ", Admin)
		if a.Username != "alice.admin" || a.Role != Admin || a.ID == 0 || a.Disabled || a.Locked {
			t.Errorf("Create returned %+v", a.Staff)
		}
		if got := get(t, db, a.ID); got != a.Staff {
			t.Errorf("Get = %+v, want %+v", got, a.Staff)
		}
		// The ID is whatever the database gave: on PostgreSQL a rolled-back
		// attempt (store.Write runs every function twice in tests) still
		// takes a number from the sequence.
		if a.Actor() != "staff:"+strconv.FormatInt(a.ID, 10) {
			t.Errorf("Actor() = %q", a.Actor())
		}
		tests := []struct {
			name, username string
			role           Role
			password       string
			code           apperr.Code
			key            string
		}{
			{"ok", "bob", Reviewer, testPassword, "", ""},
			{"twelve Chinese characters", "chen", Finance, "我的密码是一句很长很长的话", "", ""},
			{"taken", "ALICE.admin", Reviewer, testPassword, apperr.Conflict, "staff.username_taken"},
			{"short username", "al", Reviewer, testPassword, apperr.Invalid, "staff.username_format"},
			{"long username", strings.Repeat("a", 33), Reviewer, testPassword, apperr.Invalid, "staff.username_format"},
			{"space in username", "al ice", Reviewer, testPassword, apperr.Invalid, "staff.username_format"},
			{"non-ASCII username", "陈小明陈小明", Reviewer, testPassword, apperr.Invalid, "staff.username_format"},
			{"unknown role", "carol", "root", testPassword, apperr.Invalid, "staff.role_unknown"},
			{"eleven characters", "dave", Reviewer, "elevenchars", apperr.Invalid, "staff.password_short"},
			{"too long", "erin", Reviewer, strings.Repeat("x", 129), apperr.Invalid, "staff.password_long"},
			{"password is username", "frankfurter12", Reviewer, "FrankFurter12", apperr.Invalid, "staff.password_is_username"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.Write(ctx, func(tx *store.Tx) error {
					_, _, err := Create(ctx, tx, stafftest.Sealer(t), tt.username, tt.role, tt.password)
					return err
				})
				if tt.code == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantCode(t, err, tt.code, tt.key)
			})
		}
		var all []Staff
		if err := db.Read(ctx, func(tx *store.Tx) (err error) { all, err = List(ctx, tx); return }); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range all {
			names = append(names, s.Username)
		}
		if got := strings.Join(names, ","); got != "alice.admin,bob,chen" {
			t.Errorf("List = %s", got)
		}
		// The secret is stored sealed, not as the raw bytes.
		var sealed []byte
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT totp_sealed FROM staff WHERE id = $1", a.ID).Scan(&sealed)
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(sealed), string(a.secret)) {
			t.Error("the TOTP secret is stored in the clear")
		}
	})
}

func TestGetUnknown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := Get(ctx, tx, 42); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("Get: %v", err)
			}
			if err := Unlock(ctx, tx, 42); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("Unlock: %v", err)
			}
			if err := SetDisabled(ctx, tx, 42, true); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("SetDisabled: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		if got, err := ParseRole(string(r)); got != r || err != nil {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "Admin", "superuser", "admin "} {
		if _, err := ParseRole(s); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("ParseRole(%q): %v", s, err)
		}
	}
}

// signer signs in to one database at a clock the test moves.
type signer struct {
	t    *testing.T
	db   *store.DB
	now  time.Time
	recs []outcome
}

func newSigner(t *testing.T, db *store.DB) *signer {
	return &signer{t: t, db: db, now: time.Unix(1_700_000_000, 0)}
}

func (s *signer) signIn(username, password, code string) (Staff, error) {
	return Authenticate(context.Background(), s.db, stafftest.Sealer(s.t), username, password, code, s.now, recorder(&s.recs))
}

// code returns the account's code for the current step.
func (s *signer) code(a account) string { return totpAt(a.secret, s.now, totpDigits) }

// next moves the clock to the next time step, so a new code is due.
func (s *signer) next() { s.now = s.now.Add(totpPeriod * time.Second) }

func (s *signer) last() outcome {
	if len(s.recs) == 0 {
		s.t.Fatal("the recorder was not called")
	}
	return s.recs[len(s.recs)-1]
}

// wrongCode returns a valid-looking code that is not the account's in the
// window around now.
func (s *signer) wrongCode(a account) string {
	for _, c := range []string{"000000", "111111", "222222"} {
		if _, ok := matchTOTP(a.secret, c, s.now, 0); !ok {
			return c
		}
	}
	s.t.Fatal("no wrong code")
	return ""
}

// R-ACC-2: password plus TOTP signs in, and the outcome is recorded in the
// same transaction.
func TestAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := mustCreate(t, db, "alice", Finance)
		s := newSigner(t, db)
		got, err := s.signIn("Alice", testPassword, " "+s.code(a)[:3]+" "+s.code(a)[3:])
		if err != nil {
			t.Fatal(err)
		}
		if got != a.Staff {
			t.Errorf("Authenticate = %+v, want %+v", got, a.Staff)
		}
		if want := (outcome{a.ID, "ok", ""}); s.last() != want {
			t.Errorf("recorded %+v, want %+v", s.last(), want)
		}
	})
}

// R-ACC-2: every failed sign-in returns the identical error, so a reply
// never tells which usernames exist or what was wrong; the Recorder alone
// learns why.
func TestAuthenticateFailuresLookAlike(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := mustCreate(t, db, "alice", Finance)
		disabled := mustCreate(t, db, "dora", Finance)
		write(t, db, func(ctx context.Context, tx *store.Tx) error { return SetDisabled(ctx, tx, disabled.ID, true) })
		locked := mustCreate(t, db, "lena", Finance)
		write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE staff SET locked_at = 1, locked_until = 9223372036854775807 WHERE id = $1", locked.ID)
			return err
		})
		s := newSigner(t, db)
		// Spend the current code, for the replay.
		if _, err := s.signIn("alice", testPassword, s.code(a)); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, username, password, code string
			id                             int64
			reason                         string
		}{
			{"unknown user", "mallory", testPassword, s.code(a), 0, "unknown_user"},
			{"wrong password", "alice", testPassword + "!", s.code(a), a.ID, "password"},
			{"empty password", "alice", "", s.code(a), a.ID, "password"},
			{"wrong code", "alice", testPassword, s.wrongCode(a), a.ID, "code"},
			{"empty code", "alice", testPassword, "", a.ID, "code"},
			{"replayed code", "alice", testPassword, s.code(a), a.ID, "replay"},
			{"disabled", "dora", testPassword, s.code(disabled), disabled.ID, "disabled"},
			{"locked", "lena", testPassword, s.code(locked), locked.ID, "locked"},
		}
		want := errSignin()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.signIn(tt.username, tt.password, tt.code)
				if err == nil || err.Error() != want.Error() || apperr.CodeOf(err) != apperr.Unauthorized || got != (Staff{}) {
					t.Errorf("Authenticate = %+v, %v; want the zero Staff and %v", got, err, want)
				}
				if w := (outcome{tt.id, "denied", tt.reason}); s.last() != w {
					t.Errorf("recorded %+v, want %+v", s.last(), w)
				}
			})
		}
	})
}

// R-ACC-2: an unknown username costs one argon2id computation, exactly as
// a known one does, so timing does not reveal which usernames exist.
func TestAuthenticateUnknownUserCostsAHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := mustCreate(t, db, "alice", Finance)
		s := newSigner(t, db)
		var calls atomic.Int32
		countHashes(t, &calls)
		for _, tt := range []struct{ name, username, password string }{
			{"unknown", "mallory", testPassword},
			{"known, wrong password", "alice", "wrong password!"},
			{"known, right password", "alice", testPassword},
		} {
			t.Run(tt.name, func(t *testing.T) {
				calls.Store(0)
				s.signIn(tt.username, tt.password, s.wrongCode(a))
				if n := calls.Load(); n != 1 {
					t.Errorf("%d argon2id computations, want 1", n)
				}
			})
		}
	})
}

// R-ACC-2: five consecutive failures lock the account; a locked account
// refuses even the right password and code until Unlock; a success resets
// the count.
func TestAuthenticateLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := mustCreate(t, db, "alice", Finance)
		s := newSigner(t, db)
		fail := func(n int) {
			t.Helper()
			for i := range n {
				password, code := testPassword+"x", s.code(a)
				if i%2 == 1 {
					password, code = testPassword, s.wrongCode(a)
				}
				if _, err := s.signIn("alice", password, code); apperr.CodeOf(err) != apperr.Unauthorized {
					t.Fatalf("failure %d: %v", i+1, err)
				}
			}
		}
		succeed := func() error {
			t.Helper()
			s.next()
			_, err := s.signIn("alice", testPassword, s.code(a))
			return err
		}

		t.Run("success resets the count", func(t *testing.T) {
			fail(MaxFailures - 1)
			if err := succeed(); err != nil {
				t.Fatal(err)
			}
			fail(MaxFailures - 1)
			if get(t, db, a.ID).Locked {
				t.Fatal("locked after 4 failures since the last success")
			}
			if err := succeed(); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("five failures lock", func(t *testing.T) {
			fail(MaxFailures)
			if !get(t, db, a.ID).Locked {
				t.Fatal("not locked after 5 failures")
			}
			err := succeed()
			wantCode(t, err, apperr.Unauthorized, "staff.signin_failed")
			if w := (outcome{a.ID, "denied", "locked"}); s.last() != w {
				t.Errorf("recorded %+v, want %+v", s.last(), w)
			}
		})
		t.Run("unlock", func(t *testing.T) {
			write(t, db, func(ctx context.Context, tx *store.Tx) error { return Unlock(ctx, tx, a.ID) })
			if get(t, db, a.ID).Locked {
				t.Fatal("still locked")
			}
			if err := succeed(); err != nil {
				t.Fatal(err)
			}
			// The count restarted at zero: four failures do not lock.
			fail(MaxFailures - 1)
			if get(t, db, a.ID).Locked {
				t.Error("Unlock did not clear the failure count")
			}
		})
		t.Run("disable", func(t *testing.T) {
			write(t, db, func(ctx context.Context, tx *store.Tx) error { return SetDisabled(ctx, tx, a.ID, true) })
			if !get(t, db, a.ID).Disabled {
				t.Fatal("not disabled")
			}
			wantCode(t, succeed(), apperr.Unauthorized, "staff.signin_failed")
			write(t, db, func(ctx context.Context, tx *store.Tx) error { return SetDisabled(ctx, tx, a.ID, false) })
			if err := succeed(); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// R-ACC-2: the outcome and the Recorder's record commit together: when the
// Recorder fails, the failure count does not move either.
func TestAuthenticateRecorderAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := mustCreate(t, db, "alice", Finance)
		now := time.Unix(1_700_000_000, 0)
		boom := errors.New("audit log unavailable")
		failing := func(context.Context, *store.Tx, int64, string, string) error { return boom }
		for range MaxFailures {
			if _, err := Authenticate(context.Background(), db, stafftest.Sealer(t), "alice", "wrong password!", "000000", now, failing); !errors.Is(err, boom) {
				t.Fatalf("Authenticate: %v, want the recorder's error", err)
			}
		}
		if get(t, db, a.ID).Locked {
			t.Error("failures were counted although their record failed")
		}
		code := totpAt(a.secret, now, totpDigits)
		if _, err := Authenticate(context.Background(), db, stafftest.Sealer(t), "alice", testPassword, code, now, failing); !errors.Is(err, boom) {
			t.Fatalf("Authenticate: %v, want the recorder's error", err)
		}
		var recs []outcome
		if _, err := Authenticate(context.Background(), db, stafftest.Sealer(t), "alice", testPassword, code, now, recorder(&recs)); err != nil {
			t.Errorf("the code was spent by a sign-in whose record failed: %v", err)
		}
	})
}

// R-ACC-2: a hash made with weaker parameters is renewed with the current
// ones at the next successful sign-in.
func TestAuthenticateRehashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		strong := hashParams
		hashParams = argon2Params{Memory: 32, Time: 1, Threads: 1}
		a := mustCreate(t, db, "alice", Finance)
		hashParams = strong
		s := newSigner(t, db)
		params := func() argon2Params {
			t.Helper()
			var phc string
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT password_hash FROM staff WHERE id = $1", a.ID).Scan(&phc)
			}); err != nil {
				t.Fatal(err)
			}
			p, _, _, err := parsePHC(phc)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		// A right password with a wrong code costs no extra computation
		// (which would reveal, by timing, that the password was right).
		var calls atomic.Int32
		countHashes(t, &calls)
		s.signIn("alice", testPassword, s.wrongCode(a))
		if n := calls.Load(); n != 1 || params() == hashParams {
			t.Errorf("a failed sign-in computed %d hashes and left parameters %+v", n, params())
		}
		if _, err := s.signIn("alice", testPassword, s.code(a)); err != nil {
			t.Fatal(err)
		}
		if p := params(); p != hashParams {
			t.Errorf("hash after sign-in has %+v, want %+v", p, hashParams)
		}
		s.next()
		if _, err := s.signIn("alice", testPassword, s.code(a)); err != nil {
			t.Errorf("the renewed hash does not match: %v", err)
		}
	})
}

// R-ACC-2: a sealed TOTP secret copied to another account does not open.
func TestTOTPSecretBoundToAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		mallory := mustCreate(t, db, "mallory", Reviewer)
		mustCreate(t, db, "alice", Finance)
		write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE staff SET totp_sealed = (SELECT totp_sealed FROM staff WHERE username = 'mallory') WHERE username = 'alice'")
			return err
		})
		s := newSigner(t, db)
		if _, err := s.signIn("alice", testPassword, s.code(mallory)); err == nil {
			t.Error("signed in with a TOTP secret copied from another account")
		}
	})
}

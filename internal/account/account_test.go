package account

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// clock is a settable time for tests of expiry.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, db *store.DB) (*Service, *LogSender, *clock) {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	sms := &LogSender{}
	c := &clock{t: time.Now()}
	s := &Service{DB: db, Vault: vault.New(keys), SMS: sms, Verifier: SandboxVerifier{}, CodeKey: []byte("test code key"), Now: c.now}
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *store.Tx) error { return rules.Seed(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	return s, sms, c
}

func fieldKey(err error, field string) string {
	if e := apperr.As(err); e != nil {
		for _, f := range e.Fields {
			if f.Field == field {
				return f.Key
			}
		}
	}
	return ""
}

func signIn(t *testing.T, s *Service, sms *LogSender, phone string) (User, string) {
	t.Helper()
	ctx := context.Background()
	if err := s.SendCode(ctx, phone, "192.0.2.1"); err != nil {
		t.Fatalf("SendCode: %v", err)
	}
	normal, err := idcard.ParsePhone(phone)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := sms.Last(normal)
	u, token, err := s.SignIn(ctx, phone, code, "192.0.2.1", "")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	return u, token
}

// R-ACC-1: a member of the public registers and signs in with a mainland
// mobile number and a one-time code.
func TestSignInWithCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, sms, _ := newService(t, db)
		ctx := context.Background()
		u, token := signIn(t, s, sms, "13812345678")
		if u.ID == 0 || token == "" {
			t.Fatalf("signed in as %+v with token %q", u, token)
		}
		sess, err := session.Lookup(ctx, db, session.User, token, time.Now())
		if err != nil || sess.Subject != u.ID {
			t.Fatalf("Lookup = %+v, %v; want the user's session", sess, err)
		}
		// The same number, with +86 and spaces, is the same account.
		storetest.Exec(t, db, "UPDATE signin_codes SET created_at = created_at - 61000000")
		again, _ := signIn(t, s, sms, "+86 138 1234 5678")
		if again.ID != u.ID {
			t.Errorf("second sign-in made user %d, want %d", again.ID, u.ID)
		}
		var got User
		if err := db.Read(ctx, func(tx *store.Tx) error {
			got, err = s.Get(ctx, tx, u.ID)
			return err
		}); err != nil || got.Phone != "13812345678" {
			t.Errorf("Get = %+v, %v", got, err)
		}
		// Signing out ends the session on the server.
		if err := s.SignOut(ctx, token, sess, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if _, err := session.Lookup(ctx, db, session.User, token, time.Now()); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Errorf("after sign-out Lookup err = %v, want unauthorized", err)
		}
	})
}

// R-ACC-1: codes expire after 5 minutes, work once, allow 5 tries; bad input
// gets a message on its field.
func TestSignInRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t.Run("Expired", func(t *testing.T) {
			s, sms, _ := newService(t, db)
			phone := "13900000001"
			if err := s.SendCode(ctx, phone, "192.0.2.2"); err != nil {
				t.Fatal(err)
			}
			code, _ := sms.Last(phone)
			// The transaction's clock is the database's; move the code's expiry instead.
			storetest.Exec(t, db, "UPDATE signin_codes SET expires_at = created_at - 1")
			_, _, err := s.SignIn(ctx, phone, code, "192.0.2.2", "")
			if got := fieldKey(err, "code"); got != codeInvalid {
				t.Errorf("expired code: %v (key %q)", err, got)
			}
		})
		t.Run("Replayed", func(t *testing.T) {
			s, sms, _ := newService(t, db)
			phone := "13900000002"
			if err := s.SendCode(ctx, phone, "192.0.2.3"); err != nil {
				t.Fatal(err)
			}
			code, _ := sms.Last(phone)
			if _, _, err := s.SignIn(ctx, phone, code, "192.0.2.3", ""); err != nil {
				t.Fatal(err)
			}
			_, _, err := s.SignIn(ctx, phone, code, "192.0.2.3", "")
			if got := fieldKey(err, "code"); got != codeInvalid {
				t.Errorf("replayed code: %v (key %q)", err, got)
			}
		})
		t.Run("FiveTries", func(t *testing.T) {
			s, sms, _ := newService(t, db)
			phone := "13900000003"
			if err := s.SendCode(ctx, phone, "192.0.2.4"); err != nil {
				t.Fatal(err)
			}
			code, _ := sms.Last(phone)
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			for i := 1; i <= CodeTries; i++ {
				_, _, err := s.SignIn(ctx, phone, wrong, "192.0.2.4", "")
				want := "signin.code_wrong"
				if i == CodeTries {
					want = codeInvalid
				}
				if got := fieldKey(err, "code"); got != want {
					t.Fatalf("try %d: key %q, want %q", i, got, want)
				}
			}
			// The right code no longer works: the code is spent.
			_, _, err := s.SignIn(ctx, phone, code, "192.0.2.4", "")
			if got := fieldKey(err, "code"); got != codeInvalid {
				t.Errorf("right code after 5 wrong: key %q", got)
			}
		})
		t.Run("BadInput", func(t *testing.T) {
			s, _, _ := newService(t, db)
			users := func() (n int) {
				db.Read(ctx, func(tx *store.Tx) error {
					return tx.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n)
				})
				return n
			}
			before := users()
			for _, tc := range []struct{ phone, code, field string }{
				{"12345", "123456", "phone"},
				{"", "123456", "phone"},
				{"13800000000", "12a456", "code"},
				{"13800000000", "1234567", "code"},
				{"13800000000", "", "code"},
			} {
				_, _, err := s.SignIn(ctx, tc.phone, tc.code, "192.0.2.5", "")
				if apperr.CodeOf(err) != apperr.Invalid || fieldKey(err, tc.field) == "" {
					t.Errorf("SignIn(%q, %q) = %v, want invalid on %s", tc.phone, tc.code, err, tc.field)
				}
			}
			if err := s.SendCode(ctx, "1380000000", "192.0.2.5"); fieldKey(err, "phone") == "" {
				t.Errorf("SendCode of 10 digits = %v", err)
			}
			if n := users(); n != before {
				t.Errorf("bad input made %d users", n-before)
			}
		})
	})
}

// R-ACC-1: codes are rate limited per number and per address.
func TestSendCodeRateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _, _ := newService(t, db)
		if err := s.SendCode(ctx, "13700000001", "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
		if err := s.SendCode(ctx, "13700000001", "198.51.100.2"); apperr.CodeOf(err) != apperr.RateLimited || fieldKey(err, "phone") != "signin.wait" {
			t.Errorf("second code within a minute: %v, want rate_limited next to the phone", err)
		}
		// Spread the codes out an hour's worth, as if a minute apart each.
		for i := 0; i < CodesPerHour-1; i++ {
			storetest.Exec(t, db, "UPDATE signin_codes SET created_at = created_at - 61000000", "UPDATE throttle_events SET at = at - 61000000")
			if err := s.SendCode(ctx, "13700000001", "198.51.100.1"); err != nil {
				t.Fatalf("code %d: %v", i+2, err)
			}
		}
		storetest.Exec(t, db, "UPDATE signin_codes SET created_at = created_at - 61000000", "UPDATE throttle_events SET at = at - 61000000")
		err := s.SendCode(ctx, "13700000001", "198.51.100.1")
		if apperr.CodeOf(err) != apperr.RateLimited || fieldKey(err, "phone") != "signin.wait_minutes" {
			t.Errorf("code %d in an hour: %v, want rate_limited next to the phone, in minutes", CodesPerHour+1, err)
		}
		// One address asking for many numbers is stopped too.
		for i := 0; i < SourceHourly+1 && err == nil; i++ {
			err = s.SendCode(ctx, "1360000"+string(rune('0'+i/10))+string(rune('0'+i%10))+"00", "203.0.113.9")
		}
		if apperr.CodeOf(err) != apperr.RateLimited {
			t.Errorf("one address, many numbers: %v, want rate_limited", err)
		}
	})
}

// R-ACC-1: real-name verification checks the name and the ID number, records
// the outcome, and binds the ID number to one account; R-RULES-2: it needs
// the consent box ticked, and R-RULES-4 the truthfulness declaration.
func TestVerifyIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, sms, _ := newService(t, db)
		u, _ := signIn(t, s, sms, "13512345678")
		other, _ := signIn(t, s, sms, "13512345679")
		number := "11010519491231002X"
		var ruleIDs []int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			for _, k := range ConsentKinds {
				v, err := rules.Current(ctx, tx, k)
				if err != nil {
					return err
				}
				ruleIDs = append(ruleIDs, v.ID)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		good := VerifyInput{Name: "张三明", Number: number, Consent: "yes", Truthful: "yes", Rules: ruleIDs}

		for name, tc := range map[string]struct {
			in     VerifyInput
			fields []string
		}{
			"NoConsent":   {VerifyInput{Name: "张三明", Number: number, Truthful: "yes", Rules: ruleIDs}, []string{"consent"}},
			"NotTruthful": {VerifyInput{Name: "张三明", Number: number, Consent: "yes", Rules: ruleIDs}, []string{"truthful"}},
			"BadCheck":    {VerifyInput{Name: "张三明", Number: "110105194912310021", Consent: "yes", Truthful: "yes", Rules: ruleIDs}, []string{"id_number"}},
			"Everything":  {VerifyInput{Name: "张3", Number: "123"}, []string{"name", "id_number", "consent", "truthful"}},
			"FutureBirth": {VerifyInput{Name: "张三明", Number: futureID(t), Consent: "yes", Truthful: "yes", Rules: ruleIDs}, []string{"id_number"}},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.Verify(ctx, u.ID, tc.in, "192.0.2.9")
				for _, f := range tc.fields {
					if fieldKey(err, f) == "" {
						t.Errorf("no message on %s: %v", f, err)
					}
				}
				var n int
				db.Read(ctx, func(tx *store.Tx) error {
					return tx.QueryRowContext(ctx, "SELECT count(*) FROM identities").Scan(&n)
				})
				if n != 0 {
					t.Errorf("a refused verification saved %d identities", n)
				}
			})
		}

		id, err := s.Verify(ctx, u.ID, good, "192.0.2.9")
		if err != nil {
			t.Fatal(err)
		}
		if id.MaskedName() != "张*明" || id.MaskedNumber() != "110***********002X" {
			t.Errorf("masked %q %q", id.MaskedName(), id.MaskedNumber())
		}
		if _, err := s.Verify(ctx, u.ID, good, "192.0.2.9"); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("verifying twice: %v, want conflict", err)
		}
		if _, err := s.Verify(ctx, other.ID, good, "192.0.2.9"); fieldKey(err, "id_number") != "identity.in_use" {
			t.Errorf("the same ID on another account: %v, want identity.in_use", err)
		}
		var got Identity
		if err := db.Read(ctx, func(tx *store.Tx) error {
			got, err = s.VerifiedIdentity(ctx, tx, u.ID)
			return err
		}); err != nil || got.Number != number || got.Name != "张三明" || got.Verifier != "sandbox" {
			t.Errorf("VerifiedIdentity = %+v, %v", got, err)
		}
		// The consents were recorded with the verification (R-RULES-2).
		var needed []rules.Version
		if err := db.Read(ctx, func(tx *store.Tx) error {
			needed, err = rules.Needed(ctx, tx, u.Actor(), ConsentKinds...)
			return err
		}); err != nil || len(needed) != 0 {
			t.Errorf("after verifying, still needed: %d (%v)", len(needed), err)
		}
	})
}

// futureID is a well-formed ID number of someone born tomorrow.
func futureID(t *testing.T) string {
	first17 := "110105" + time.Now().AddDate(0, 0, 2).Format("20060102") + "001"
	c, err := idcard.CheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// failingSender is an SMS gateway that is down.
type failingSender struct{}

func (failingSender) Send(context.Context, string, string) error {
	return errors.New("gateway down for 13600000000")
}

// A code the gateway failed to send does not count against the limits, and
// the gateway's error (which may quote the number) is not passed on.
func TestFailedSendDoesNotCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, sms, _ := newService(t, db)
		s.SMS = failingSender{}
		err := s.SendCode(ctx, "13600000000", "192.0.2.20")
		if apperr.CodeOf(err) != apperr.Unavailable || strings.Contains(err.Error(), "13600000000") {
			t.Fatalf("SendCode with the gateway down: %v", err)
		}
		s.SMS = sms
		if err := s.SendCode(ctx, "13600000000", "192.0.2.20"); err != nil {
			t.Errorf("the retry right after a failed send: %v", err)
		}
	})
}

// Signing in in a browser that holds another session ends that session.
func TestSignInEndsThePreviousSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, sms, _ := newService(t, db)
		_, first := signIn(t, s, sms, "13300000001")
		if err := s.SendCode(ctx, "13300000002", "192.0.2.21"); err != nil {
			t.Fatal(err)
		}
		code, _ := sms.Last("13300000002")
		if _, _, err := s.SignIn(ctx, "13300000002", code, "192.0.2.21", first); err != nil {
			t.Fatal(err)
		}
		if _, err := session.Lookup(ctx, db, session.User, first, time.Now()); err == nil {
			t.Error("the previous session still works")
		}
	})
}

// R-ACC-1, R-RULES-2: a verification must carry consent to every rule the
// flow needs, at its current version; and an account cannot test names
// against numbers without limit.
func TestVerifyNeedsEveryConsentAndIsLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, sms, _ := newService(t, db)
		u, _ := signIn(t, s, sms, "13400000001")
		_, err := s.Verify(ctx, u.ID, VerifyInput{Name: "李四", Number: "11010519491231002X", Consent: "yes", Truthful: "yes"}, "192.0.2.30")
		if apperr.CodeOf(err) != apperr.Conflict || fieldKey(err, "consent") != "rules.changed" {
			t.Errorf("verifying with no rules listed: %v, want a conflict asking again", err)
		}
		var n int
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM identities").Scan(&n)
		})
		if n != 0 {
			t.Errorf("the refused verification saved %d identities", n)
		}

		s.Verifier = rejecting{}
		in := VerifyInput{Name: "李四", Number: "11010519491231002X", Consent: "yes", Truthful: "yes"}
		for i := 0; i < VerifyTriesPerDay; i++ {
			if _, err := s.Verify(ctx, u.ID, in, "192.0.2.30"); apperr.As(err) == nil || apperr.As(err).Key != "identity.rejected" {
				t.Fatalf("try %d: %v, want identity.rejected", i+1, err)
			}
		}
		if _, err := s.Verify(ctx, u.ID, in, "192.0.2.30"); apperr.CodeOf(err) != apperr.RateLimited {
			t.Errorf("try %d in a day: %v, want rate_limited", VerifyTriesPerDay+1, err)
		}
	})
}

// rejecting is a verifier for which no name matches.
type rejecting struct{}

func (rejecting) Name() string { return "rejecting" }
func (rejecting) Verify(context.Context, string, idcard.ID) (bool, string, error) {
	return false, "no match", nil
}

// refusingSender is a gateway that refuses the number for the day, as
// package sms reports it.
type refusingSender struct{}

func (refusingSender) Send(context.Context, string, string) error {
	return &apperr.Error{Code: apperr.RateLimited, Key: "sms.daily_limit", Err: errors.New("sms tencent refused: code LimitExceeded.PhoneNumberDailyLimit"),
		Fields: []apperr.FieldError{{Field: "phone", Key: "sms.daily_limit"}}}
}

// R-ACC-1: the gateway's own refusal reaches the user next to the phone
// field; the hourly limit per number holds for a second node sharing the
// database (a fresh Service, no memory shared).
func TestSendCodeGatewayRefusalAndNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, sms, _ := newService(t, db)
		s.SMS = refusingSender{}
		err := s.SendCode(ctx, "13600000077", "192.0.2.30")
		if apperr.CodeOf(err) != apperr.RateLimited || fieldKey(err, "phone") != "sms.daily_limit" {
			t.Fatalf("gateway refusal: %v", err)
		}
		s.SMS = sms
		other := *s // another node
		for i := range CodesPerHour {
			node := s
			if i%2 == 1 {
				node = &other
			}
			if err := node.SendCode(ctx, "13600000078", "192.0.2.31"); err != nil {
				t.Fatalf("code %d: %v", i+1, err)
			}
			storetest.Exec(t, db, "UPDATE signin_codes SET created_at = created_at - 61000000", "UPDATE throttle_events SET at = at - 61000000")
		}
		if err := other.SendCode(ctx, "13600000078", "192.0.2.31"); apperr.CodeOf(err) != apperr.RateLimited {
			t.Fatalf("code %d on the other node: %v, want rate_limited", CodesPerHour+1, err)
		}
	})
}

package session

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func start(t *testing.T, db *store.DB, kind Kind, subject int64) (string, Session) {
	t.Helper()
	var token string
	var s Session
	err := db.Write(context.Background(), func(tx *store.Tx) (err error) {
		token, s, err = Start(context.Background(), tx, kind, subject, "192.0.2.1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return token, s
}

// R-ACC-2: staff sessions end after 15 minutes without use; sessions live in
// the database, so ending one ends it everywhere; a forged or foreign token
// opens nothing.
func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()

		// Each case gets sessions of its own: a lookup records use.
		for _, tc := range []struct {
			name  string
			kind  Kind
			token func(staff, user string) string
			after time.Duration
			ok    bool
		}{
			{"StaffFresh", Staff, func(s, _ string) string { return s }, 0, true},
			{"StaffIdle14m", Staff, func(s, _ string) string { return s }, 14 * time.Minute, true},
			{"StaffIdle16m", Staff, func(s, _ string) string { return s }, 16 * time.Minute, false},
			{"UserIdle29d", User, func(_, u string) string { return u }, 29 * 24 * time.Hour, true},
			{"UserIdle31d", User, func(_, u string) string { return u }, 31 * 24 * time.Hour, false},
			{"WrongKind", User, func(s, _ string) string { return s }, 0, false},
			{"Forged", Staff, func(string, string) string { return strings.Repeat("A", 43) }, 0, false},
			{"Malformed", Staff, func(string, string) string { return "not-a-token" }, 0, false},
			{"OverLong", Staff, func(string, string) string { return strings.Repeat("A", 5000) }, 0, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st, _ := start(t, db, Staff, 7)
				ut, _ := start(t, db, User, 7)
				s, err := Lookup(ctx, db, tc.kind, tc.token(st, ut), now.Add(tc.after))
				if tc.ok && (err != nil || s.Subject != 7) {
					t.Errorf("Lookup = %+v, %v; want subject 7", s, err)
				}
				if !tc.ok && apperr.CodeOf(err) != apperr.Unauthorized {
					t.Errorf("Lookup err = %v, want unauthorized", err)
				}
			})
		}
		staffToken, staffSess := start(t, db, Staff, 70)
		if staffSess.Actor() != "staff:70" {
			t.Errorf("Actor = %q", staffSess.Actor())
		}

		// Ending another subject's session by ID is not found and changes nothing.
		err := db.Write(ctx, func(tx *store.Tx) error { return EndByID(ctx, tx, Staff, 71, staffSess.ID) })
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("EndByID of another's session: %v", err)
		}
		if _, err := Lookup(ctx, db, Staff, staffToken, time.Now()); err != nil {
			t.Errorf("the session was ended by someone else: %v", err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return End(ctx, tx, staffToken) }); err != nil {
			t.Fatal(err)
		}
		if _, err := Lookup(ctx, db, Staff, staffToken, time.Now()); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Errorf("after End: %v", err)
		}
		// EndAll signs a subject out everywhere, e.g. after a role change.
		a, _ := start(t, db, User, 9)
		b, _ := start(t, db, User, 9)
		if err := db.Write(ctx, func(tx *store.Tx) error { return EndAll(ctx, tx, User, 9) }); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{a, b} {
			if _, err := Lookup(ctx, db, User, tok, time.Now()); err == nil {
				t.Error("a session survived EndAll")
			}
		}
		var list []Session
		if err := db.Read(ctx, func(tx *store.Tx) (err error) { list, err = List(ctx, tx, User, 7); return err }); err != nil || len(list) != 9 {
			t.Errorf("List = %v, %v; want the one live session", list, err)
		}
	})
}

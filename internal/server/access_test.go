package server

import (
	"context"
	"encoding/base32"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// fixturePassword is every fixture staff member's password.
const fixturePassword = "correct horse battery staple"

// fixture is a server on a database with a signed-in user and a signed-in
// staff member of every role.
type fixture struct {
	s       *Server
	db      *store.DB
	sms     *account.LogSender
	user    string // the user's session token
	userID  int64
	staff   map[staff.Role]string // role → session token
	ids     map[staff.Role]int64
	secrets map[staff.Role][]byte // role → TOTP secret
	device  string                // the browser's device cookie, if any
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	sms := &account.LogSender{}
	s, err := New(Options{Platform: newPlatform(t, platform.Config{DB: db, SMS: sms}), Version: "test",
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), DevPages: true})
	if err != nil {
		t.Fatal(err)
	}
	checkAPI(t, s)
	f := &fixture{s: s, db: db, sms: sms, staff: map[staff.Role]string{}, ids: map[staff.Role]int64{}, secrets: map[staff.Role][]byte{}}
	f.user, f.userID = f.signInUser(t, "13800138000")
	ctx := context.Background()
	for _, role := range staff.Roles {
		err := db.Write(ctx, func(tx *store.Tx) error {
			m, uri, err := staff.Create(ctx, tx, s.platform.Sealer, "u-"+strings.ReplaceAll(string(role), "_", "-"), role, fixturePassword)
			if err != nil {
				return err
			}
			u, err := url.Parse(uri)
			if err != nil {
				return err
			}
			if f.secrets[role], err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret")); err != nil {
				return err
			}
			f.ids[role] = m.ID
			f.staff[role], _, err = session.Start(ctx, tx, session.Staff, m.ID, "192.0.2.10")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// signInUser signs a phone number in through the public pages.
func (f *fixture) signInUser(t *testing.T, phone string) (token string, id int64) {
	t.Helper()
	h := f.s.Handler()
	resp := do(h, "POST", "/signin/code", strings.NewReader(url.Values{"phone": {phone}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 200 {
		t.Fatalf("POST /signin/code: %d", resp.StatusCode)
	}
	code, ok := f.sms.Last(phone)
	if !ok {
		t.Fatal("no code sent")
	}
	resp = do(h, "POST", "/signin", strings.NewReader(url.Values{"phone": {phone}, "code": {code}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /signin: %d", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == userCookie {
			token = c.Value
		}
	}
	sess, err := session.Lookup(context.Background(), f.db, session.User, token, f.s.now())
	if err != nil {
		t.Fatal(err)
	}
	return token, sess.Subject
}

// as sends a request as a caller: "" anonymous, "user", or a staff role.
func (f *fixture) as(who, method, target string, form url.Values) *http.Response {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	switch who {
	case "":
	case "user":
		req.AddCookie(&http.Cookie{Name: userCookie, Value: f.user})
		if f.device != "" {
			req.AddCookie(&http.Cookie{Name: deviceCookie, Value: f.device})
		}
	default:
		req.AddCookie(&http.Cookie{Name: staffCookie, Value: f.staff[staff.Role(who)]})
	}
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	return rec.Result()
}

// allowed reports what the matrix says of a caller.
func allowed(acc access, who string) bool {
	switch {
	case acc.anyone:
		return true
	case acc.user:
		return who == "user"
	}
	return who != "" && who != "user" && slices.Contains(acc.roles, staff.Role(who))
}

// refusedByGuard reports whether a response is the guard's refusal: sent to
// sign in, or told this account may not.
func refusedByGuard(resp *http.Response, body string) bool {
	if resp.StatusCode == http.StatusSeeOther {
		loc := resp.Header.Get("Location")
		return strings.HasPrefix(loc, "/signin?next=") || strings.HasPrefix(loc, "/staff/signin?next=")
	}
	for _, key := range []string{"access.denied", "access.signin", "signin.expired"} {
		for _, lang := range i18n.Langs {
			if strings.Contains(body, i18n.T(lang, key)) {
				return resp.StatusCode == 401 || resp.StatusCode == 403
			}
		}
	}
	return false
}

// TestPermissionMatrix walks every route × every kind of caller and checks
// the guard lets exactly the matrix's callers through (R-ACC-2, R-STAFF-1:
// least privilege).
func TestPermissionMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		callers := []string{"", "user"}
		for _, r := range staff.Roles {
			callers = append(callers, string(r))
		}
		seen := map[string]bool{}
		for _, rt := range f.s.routes() {
			seen[rt.pattern] = true
			acc, ok := permissions[rt.pattern]
			if !ok {
				t.Errorf("route %s is not in the permission matrix", rt.pattern)
				continue
			}
			method, path, found := strings.Cut(rt.pattern, " ")
			if !found {
				continue // the catch-alls answer 404 to everyone
			}
			path = strings.NewReplacer("{$}", "", "{id}", "999999", "{kind}", "privacy", "{file}", "carefund.css").Replace(path)
			for _, who := range callers {
				if method == "POST" && (path == "/signout" || path == "/staff/signout" || path == "/api/v1/signout") && allowed(acc, who) {
					continue // would end the fixture's session; covered by its own test
				}
				var form url.Values
				if method == "POST" {
					form = url.Values{}
				}
				resp := f.as(who, method, path, form)
				body, _ := io.ReadAll(resp.Body)
				refused := refusedByGuard(resp, string(body))
				name := who
				if name == "" {
					name = "anonymous"
				}
				if want := allowed(acc, who); want == refused {
					t.Errorf("%s as %s: status %d, refused by the guard = %v, want %v", rt.pattern, name, resp.StatusCode, refused, !want)
				}
			}
		}
		for pattern := range permissions {
			if !seen[pattern] {
				t.Errorf("the permission matrix lists %s, which is no route", pattern)
			}
		}
	})
}

// TestOtherUsersSessionIsRefused: a user cannot end, or learn of, another
// user's session through its ID (object-level access).
func TestOtherUsersSessionIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		otherToken, otherID := f.signInUser(t, "13900139000")
		other, err := session.Lookup(ctx, db, session.User, otherToken, f.s.now())
		if err != nil {
			t.Fatal(err)
		}
		resp := f.as("user", "POST", "/account/sessions/"+strconv.FormatInt(other.ID, 10)+"/end", url.Values{})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("ending another user's session: %d, want 404", resp.StatusCode)
		}
		if s, err := session.Lookup(ctx, db, session.User, otherToken, f.s.now()); err != nil || s.Subject != otherID {
			t.Errorf("the other user's session after the attempt: %+v, %v", s, err)
		}
		// Their own other session they can end.
		var second string
		var mine session.Session
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			second, mine, err = session.Start(ctx, tx, session.User, f.userID, "192.0.2.11")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		resp = f.as("user", "POST", "/account/sessions/"+strconv.FormatInt(mine.ID, 10)+"/end", url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("ending one's own other session: %d", resp.StatusCode)
		}
		if _, err := session.Lookup(ctx, db, session.User, second, f.s.now()); err == nil {
			t.Error("the ended session still works")
		}
	})
}

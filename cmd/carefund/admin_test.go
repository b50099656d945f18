package main

import (
	"context"
	"encoding/base32"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// installation is a migrated database with its secret keys, as 'carefund
// serve' leaves it.
func installation(t *testing.T, dsn string) (keysDir string, keys *keyring.Keys, db *store.DB) {
	t.Helper()
	db = storetest.Open(t, dsn)
	keysDir = filepath.Join(t.TempDir(), "keys")
	keys, err := keyring.Load(keysDir, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Write(context.Background(), func(tx *store.Tx) error {
		return tx.SetMeta(context.Background(), "key_fingerprint", keys.Fingerprint())
	}); err != nil {
		t.Fatal(err)
	}
	return keysDir, keys, db
}

// withStdin makes --password-stdin read s until the test ends.
func withStdin(t *testing.T, s string) {
	old := stdin
	stdin = strings.NewReader(s)
	t.Cleanup(func() { stdin = old })
}

// R-ACC-2: `carefund admin create` makes a staff account whose printed
// password and TOTP enrolment sign in.
func TestAdminCreate(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			keysDir, keys, db := installation(t, d.DSN)
			code, out, stderr := runCmd(t, env(), "admin", "create", "--username", "Root.Admin", "--role", "admin",
				"--database", d.DSN, "--keys-dir", keysDir)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			password := regexp.MustCompile(`(?m)^password: ([A-Z2-7]{20})$`).FindStringSubmatch(out)
			uri := regexp.MustCompile(`(?m)^TOTP enrolment: (otpauth://totp/carefund:root\.admin\?\S+)$`).FindStringSubmatch(out)
			if password == nil || uri == nil || !strings.Contains(out, "Scan the enrolment URI") || !strings.Contains(out, "role admin") {
				t.Fatalf("output:\n%s", out)
			}
			u, err := url.Parse(uri[1])
			if err != nil {
				t.Fatal(err)
			}
			secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
			if err != nil {
				t.Fatal(err)
			}
			sealer, err := staff.OpenSealer(ctx, db, vault.New(keys))
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			var result string
			s, err := staff.Authenticate(ctx, db, sealer, "root.admin", password[1], totp(secret, now), now,
				func(_ context.Context, _ *store.Tx, _ int64, r, _ string) error { result = r; return nil })
			if err != nil || s.Role != staff.Admin || result != "ok" {
				t.Fatalf("signing in with the printed credentials: %+v, %v, %q", s, err, result)
			}

			withStdin(t, "a long enough passphrase\n")
			code, out, stderr = runCmd(t, env("CAREFUND_DATABASE", d.DSN, "CAREFUND_KEYS_DIR", keysDir),
				"admin", "create", "--username", "fiona", "--role", "finance", "--password-stdin")
			if code != 0 || strings.Contains(out, "password:") || strings.Contains(out, "a long enough passphrase") {
				t.Fatalf("--password-stdin: exit %d, %q %q", code, out, stderr)
			}
			var n int
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT count(*) FROM staff").Scan(&n)
			}); err != nil || n != 2 {
				t.Errorf("%d staff accounts (%v), want 2", n, err)
			}
		})
	}
}

// totp computes the code an authenticator app shows (the staff package
// tests it against RFC 6238).
func totp(secret []byte, now time.Time) string { return staff.CodeAt(secret, now) }

// R-ACC-2: bad input to `carefund admin create` exits 2 with one line.
func TestAdminCreateBadInput(t *testing.T) {
	d := storetest.Databases(t)[0]
	keysDir, _, _ := installation(t, d.DSN)
	otherKeys := filepath.Join(t.TempDir(), "other")
	if _, err := keyring.Load(otherKeys, true); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, env(), "admin", "create", "--username", "taken", "--role", "admin", "--database", d.DSN, "--keys-dir", keysDir); code != 0 {
		t.Fatalf("first account: %s", stderr)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no subcommand", "", []string{}, "admin needs a subcommand"},
		{"unknown subcommand", "", []string{"delete"}, `unknown admin subcommand "delete"`},
		{"no username", "", []string{"create", "--role", "admin"}, "--username is required"},
		{"no role", "", []string{"create", "--username", "bob"}, "--role is required"},
		{"unknown role", "", []string{"create", "--username", "bob", "--role", "root"}, `--role "root" is not a role`},
		{"bad username", "", []string{"create", "--username", "b", "--role", "admin"}, "--username: A username has 3 to 32 characters"},
		{"taken username", "", []string{"create", "--username", "TAKEN", "--role", "admin"}, "That username is taken"},
		{"short password", "short\n", []string{"create", "--username", "bob", "--role", "admin", "--password-stdin"}, "at least 12 characters"},
		{"empty stdin", "", []string{"create", "--username", "bob", "--role", "admin", "--password-stdin"}, "holds no password"},
		{"other keys", "", []string{"create", "--username", "bob", "--role", "admin", "--keys-dir", otherKeys}, "not the ones this database was set up with"},
		{"no keys", "", []string{"create", "--username", "bob", "--role", "admin", "--keys-dir", t.TempDir()}, "no secret keys in"},
		{"no database", "", []string{"create", "--username", "bob", "--role", "admin", "--database", store.SQLiteLocation(filepath.Join(t.TempDir(), "none.db"))}, "no database at"},
		{"unknown flag", "", []string{"create", "--password", "x"}, "unknown flag --password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withStdin(t, tt.stdin)
			code, _, stderr := runCmd(t, env("CAREFUND_DATABASE", d.DSN, "CAREFUND_KEYS_DIR", keysDir), append([]string{"admin"}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("the error takes %d lines:\n%s", n+1, stderr)
			}
		})
	}
	code, out, _ := runCmd(t, env(), "help", "admin")
	if code != 0 || !strings.Contains(out, "--password-stdin") || !strings.Contains(out, "security_admin") {
		t.Errorf("help admin: exit %d\n%s", code, out)
	}
}

package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func cliEntries(t *testing.T, db *store.DB, action string) []audit.Entry {
	t.Helper()
	var got []audit.Entry
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		got, err = audit.List(context.Background(), tx, audit.Filter{Action: action})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// R-STAFF-1, R-ACC-2: `carefund admin create` and `admin unlock` are in the
// audit log under "cli:<os user>", never with the password; once the
// installation has a security admin, an admin account made from the
// command line waits for a second person's approval (the command says
// how), while the first security admin is active at once.
func TestAdminCLIAudited(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			keysDir, _, db := installation(t, d.DSN)
			args := func(a ...string) []string { return append(a, "--database", d.DSN, "--keys-dir", keysDir) }
			code, out, stderr := runCmd(t, env(), args("admin", "create", "--username", "sec", "--role", "security_admin")...)
			if code != 0 || strings.Contains(out, "pending") {
				t.Fatalf("bootstrap security admin: exit %d\n%s%s", code, out, stderr)
			}
			password := regexp.MustCompile(`(?m)^password: (\S+)$`).FindStringSubmatch(out)
			code, out, stderr = runCmd(t, env(), args("admin", "create", "--username", "boss", "--role", "admin")...)
			if code != 0 || !strings.Contains(out, "pending approval") || !regexp.MustCompile(`approve proposal \d+ on the console's approvals page`).MatchString(out) {
				t.Fatalf("second admin: exit %d\n%s%s", code, out, stderr)
			}
			var boss, sec staff.Staff
			if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
				if sec, err = staff.GetByUsername(context.Background(), tx, "sec"); err != nil {
					return err
				}
				boss, err = staff.GetByUsername(context.Background(), tx, "boss")
				return err
			}); err != nil || !boss.Disabled {
				t.Fatalf("the admin made from the command line is active: %+v %v", boss, err)
			}

			created := cliEntries(t, db, "staff.create")
			if len(created) != 2 {
				t.Fatalf("%d staff.create entries, want 2", len(created))
			}
			for _, e := range created {
				if !strings.HasPrefix(e.Actor, "cli:") || e.Actor == "cli:" || strings.Contains(e.Detail, password[1]) {
					t.Errorf("entry %+v", e.Record)
				}
			}

			code, out, stderr = runCmd(t, env(), args("admin", "unlock", "Sec")...)
			if code != 0 || !strings.Contains(out, "unlocked staff account sec") {
				t.Fatalf("unlock: exit %d\n%s%s", code, out, stderr)
			}
			if e := cliEntries(t, db, "staff.unlock"); len(e) != 1 || !strings.HasPrefix(e[0].Actor, "cli:") || e[0].Object != sec.Actor() {
				t.Errorf("unlock entries %+v", e)
			}
			if code, _, stderr = runCmd(t, env(), args("admin", "unlock", "nobody")...); code != 2 || !strings.Contains(stderr, `no staff account is named "nobody"`) {
				t.Errorf("unknown username: exit %d, %s", code, stderr)
			}
			if code, _, stderr = runCmd(t, env(), args("admin", "unlock")...); code != 2 || !strings.Contains(stderr, "needs one username") {
				t.Errorf("no username: exit %d, %s", code, stderr)
			}
		})
	}
}

// R-PII-1: `carefund keys rotate` is in the audit log under
// "cli:<os user>", naming no key.
func TestKeysRotateAudited(t *testing.T) {
	in := newInstall(t, 2)
	if code, _, stderr := runCmd(t, env(), "keys", "rotate", "--data-dir", in.dataDir); code != 0 {
		t.Fatalf("keys rotate: exit %d, %s", code, stderr)
	}
	e := cliEntries(t, in.open(t), "keys.rotate")
	if len(e) != 1 || !strings.HasPrefix(e[0].Actor, "cli:") || e[0].Detail != "re-wrapped 2 data keys" {
		t.Fatalf("keys.rotate entries %+v", e)
	}
}

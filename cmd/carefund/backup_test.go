package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/vault"

	mrand "math/rand/v2"
)

// TestBackupRestoreDrill (R-DON-1, R-PII-1) is the backup drill: the real
// binary serves while 16 donors give through the sandbox; the keys are
// backed up, then `carefund backup` runs in the middle of the flow; the
// flow goes on, then stops; the backup is restored elsewhere with the keys
// backup, `carefund verify` passes on the copy and the copy serves with the
// restored keys; and every donation acknowledged before the backup started
// is in it, whole, and nothing is in it that the donors did not pay.
func TestBackupRestoreDrill(t *testing.T) {
	bin := testprog.Binary(t)
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) { backupDrill(t, bin, d.DSN) })
	}
}

// runBinary runs the binary with args and fails the test unless it exits 0.
func runBinary(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = testprog.Env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("carefund %s: %v\n%s", strings.Join(args[:min(2, len(args))], " "), err, out)
	}
	return string(out)
}

// drillMin is how many donations the drill wants acknowledged before the
// backup starts and after it ends.
const drillMin = 150

func backupDrill(t *testing.T, bin, dsn string) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	keysDir, keys, db := installation(t, dsn)
	v := vault.New(keys)
	var requestID int64
	if err := db.Write(ctx, func(tx *store.Tx) error {
		publisher, err := campaigntest.User(ctx, tx, v, "publisher")
		if err != nil {
			return err
		}
		f := campaigntest.Filing()
		f.Target, f.EstimatedCosts = crashTarget, crashTarget
		f.Use = []campaign.UseItem{{Label: "化疗费用", Amount: crashTarget}}
		requestID, err = campaigntest.Fundraising(ctx, tx, campaign.Store{Vault: v}, publisher, f, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	key := rand.Text() + rand.Text()
	keyFile := filepath.Join(dir, "sandbox.key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sb := payment.NewSandbox(payment.SandboxConfig{Key: []byte(key), Merchant: "sandbox", ManualDelivery: true})
	defer sb.Close()
	srv := &crashServer{t: t, bin: bin, addr: freeAddr(t)}
	srv.base = "http://" + srv.addr
	srv.args = []string{"serve", "--database", dsn, "--data-dir", data, "--keys-dir", keysDir,
		"--addr", srv.addr, "--public-url", srv.base, "--sandbox-key-file", keyFile, "--log-format", "json", "--log-level", "warn"}
	t.Cleanup(srv.kill)
	if err := srv.start(ctx); err != nil {
		t.Fatal(err)
	}
	keysBackup := filepath.Join(dir, "keys-backup")
	runBinary(t, bin, "keys", "backup", "--database", dsn, "--data-dir", data, "--keys-dir", keysDir, "--to", keysBackup)

	var mu sync.Mutex
	acked := map[string]bool{}
	c := &crashClients{base: srv.base, request: requestID, sb: sb, paid: map[string]crashPayment{}, agree: donorAgreement(t, ctx, db),
		http: &http.Client{Timeout: 15 * time.Second}, onAck: func(no string) { mu.Lock(); acked[no] = true; mu.Unlock() }}
	defer c.http.CloseIdleConnections()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if err := c.run(ctx, i, mrand.New(mrand.NewPCG(uint64(i), 7))); err != nil {
				t.Errorf("donor %d: %v", i, err)
				cancel(err)
			}
		})
	}
	// waitFor waits, bounded by progress, until n donations are
	// acknowledged.
	waitFor := func(n int64) {
		last, since := c.acked.Load(), time.Now()
		for ctx.Err() == nil && c.acked.Load() < n {
			time.Sleep(5 * time.Millisecond)
			if now := c.acked.Load(); now != last {
				last, since = now, time.Now()
			} else if time.Since(since) > crashStall {
				cancel(fmt.Errorf("no donation acknowledged for %s", crashStall))
			}
		}
	}
	waitFor(drillMin)
	mu.Lock()
	before := maps.Clone(acked)
	mu.Unlock()
	backupDir := filepath.Join(dir, "backup")
	out := runBinary(t, bin, "backup", "--database", dsn, "--data-dir", data, "--keys-dir", keysDir, "--to", backupDir)
	during := c.acked.Load() - int64(len(before))
	waitFor(c.acked.Load() + drillMin)
	c.stop.Store(true)
	wg.Wait()
	if err := srv.stop(); err != nil {
		t.Error(err)
	}
	if err := context.Cause(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d donations acknowledged before the backup, %d while it ran, %d in all; %s",
		len(before), during, c.acked.Load(), strings.TrimSpace(out))

	// Restore elsewhere, keys from the keys backup.
	restored := filepath.Join(dir, "restored")
	restoredKeys := filepath.Join(dir, "restored-keys")
	args := []string{"--data-dir", restored, "--keys-dir", restoredKeys}
	if store.IsPostgres(dsn) {
		args = append(args, "--database", emptyPostgres(t, dsn))
	}
	runBinary(t, bin, append([]string{"restore", "--from", backupDir, "--keys-from", keysBackup}, args...)...)
	if store.IsPostgres(dsn) {
		// A database that is not empty is never restored over.
		again := filepath.Join(dir, "again")
		code, _, stderr := runCmd(t, env(), "restore", "--from", backupDir, "--data-dir", again, "--database", args[len(args)-1])
		if code != 2 || !strings.Contains(stderr, "--database is not empty") {
			t.Errorf("restoring over the restored database: exit %d, %s", code, stderr)
		}
		if _, err := os.Stat(again); !os.IsNotExist(err) {
			t.Errorf("a refused restore left %s behind", again)
		}
	}
	out = runBinary(t, bin, append([]string{"verify"}, args...)...)
	if !strings.Contains(out, "donations verified") || !strings.Contains(out, "audit log verified") {
		t.Errorf("verify on the copy:\n%s", out)
	}
	// The copy serves with the restored keys.
	copySrv := &crashServer{t: t, bin: bin, addr: freeAddr(t)}
	copySrv.base = "http://" + copySrv.addr
	copySrv.args = append([]string{"serve", "--addr", copySrv.addr, "--sandbox-key-file", keyFile, "--log-format", "json", "--log-level", "warn"}, args...)
	t.Cleanup(copySrv.kill)
	if err := copySrv.start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := copySrv.stop(); err != nil {
		t.Error(err)
	}

	dsnCopy := store.SQLiteLocation(filepath.Join(restored, "carefund.db"))
	if store.IsPostgres(dsn) {
		dsnCopy = args[len(args)-1]
	}
	cp, err := store.Open(context.Background(), dsnCopy)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	type donationRow struct {
		tx     string
		amount money.Fen
		n      int
	}
	got := map[string]*donationRow{}
	err = cp.Read(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.QueryContext(context.Background(), `SELECT o.order_no, d.transaction_id, d.amount_fen
			FROM donations d JOIN donation_orders o ON o.id = d.order_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var no, txid string
			var amount int64
			if err := rows.Scan(&no, &txid, &amount); err != nil {
				return err
			}
			if r := got[no]; r != nil {
				r.n++
				continue
			}
			got[no] = &donationRow{tx: txid, amount: money.Fen(amount), n: 1}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for no := range before {
		if got[no] == nil {
			t.Errorf("donation %s was acknowledged before the backup started but is not in it", no)
		}
	}
	for no, r := range got {
		p, ok := c.paid[no]
		if !ok || r.n != 1 || r.tx != p.tx || r.amount != p.amount {
			t.Errorf("the copy holds order %s as %d donations %+v; the donor paid %+v (%v)", no, r.n, r, p, ok)
		}
	}
	if len(got) < len(before) || len(got) >= int(c.acked.Load()) {
		t.Errorf("the copy holds %d donations; %d were acknowledged before the backup and %d in all", len(got), len(before), c.acked.Load())
	}
}

// emptyPostgres creates a new, empty database on the test server, dropped
// when the test ends, and returns its URL with the search_path of dsn: a
// dump of a test schema recreates that schema in it.
func emptyPostgres(t *testing.T, dsn string) string {
	t.Helper()
	base := os.Getenv(storetest.EnvPostgres)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "drill_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	u, _ := url.Parse(base)
	src, _ := url.Parse(dsn)
	u.Path = "/" + name
	q := u.Query()
	q.Set("search_path", src.Query().Get("search_path"))
	u.RawQuery = q.Encode()
	return u.String()
}

// backup and restore refuse, one line and exit 2, a target that is not
// empty, a damaged backup, a schema newer than the program, keys that are
// not the backup's and a database of the other kind; a refused restore
// leaves nothing behind.
func TestBackupRestoreRefusals(t *testing.T) {
	dir := t.TempDir()
	data, keys := filepath.Join(dir, "data"), filepath.Join(dir, "keys")
	inst := []string{"--data-dir", data, "--keys-dir", keys}
	if code, out, stderr := runCmd(t, env(), append([]string{"keys", "backup", "--to", filepath.Join(dir, "kb")}, inst...)...); code != 0 {
		t.Fatalf("keys backup: %s%s", out, stderr)
	}
	otherKeys := filepath.Join(dir, "other-keys")
	if code, out, stderr := runCmd(t, env(), "keys", "backup", "--data-dir", filepath.Join(dir, "other"), "--keys-dir", otherKeys,
		"--to", filepath.Join(dir, "okb")); code != 0 {
		t.Fatalf("keys backup: %s%s", out, stderr)
	}
	good := filepath.Join(dir, "backup")
	if code, out, stderr := runCmd(t, env(), append([]string{"backup", "--to", good}, inst...)...); code != 0 {
		t.Fatalf("backup: %s%s", out, stderr)
	}
	copyBackup := func(edit func(dir string)) string {
		t.Helper()
		to := filepath.Join(t.TempDir(), "b")
		if err := os.CopyFS(to, os.DirFS(good)); err != nil {
			t.Fatal(err)
		}
		edit(to)
		return to
	}
	damaged := copyBackup(func(d string) {
		f, err := os.OpenFile(filepath.Join(d, "carefund.db"), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteAt([]byte{0xff}, 4096)
		f.Close()
	})
	newer := copyBackup(func(d string) {
		p := filepath.Join(d, "manifest.json")
		b, _ := os.ReadFile(p)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m["schema"] = "9999_future.sql"
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(p, out, 0o600)
	})
	full := filepath.Join(dir, "full")
	os.MkdirAll(full, 0o700)
	os.WriteFile(filepath.Join(full, "x"), nil, 0o600)
	fresh := filepath.Join(dir, "fresh", "data")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"BackupIntoAFullFolder", append([]string{"backup", "--to", full}, inst...), "is not empty"},
		{"RestoreOntoAFullFolder", []string{"restore", "--from", good, "--data-dir", full}, "is not empty"},
		{"Damaged", []string{"restore", "--from", damaged, "--data-dir", fresh}, "carefund.db is damaged"},
		{"Newer", []string{"restore", "--from", newer, "--data-dir", fresh}, "newer than this program"},
		{"OtherKeys", []string{"restore", "--from", good, "--data-dir", fresh, "--keys-dir", filepath.Join(dir, "rk"), "--keys-from", otherKeys}, "the backup needs"},
		{"OtherDatabase", []string{"restore", "--from", good, "--data-dir", fresh, "--database", "postgres://u@127.0.0.1:1/x"}, "backup is of a sqlite database"},
		{"NotABackup", []string{"restore", "--from", full, "--data-dir", fresh}, "not a carefund backup"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, env(), tt.args...)
			if msg := strings.TrimSuffix(stderr, "\n"); code != 2 || strings.Contains(msg, "\n") || !strings.Contains(msg, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and one line mentioning %q", code, stderr, tt.want)
			}
			if _, err := os.Stat(filepath.Dir(fresh)); !os.IsNotExist(err) {
				t.Errorf("left %s behind", filepath.Dir(fresh))
			}
			if entries, _ := os.ReadDir(full); len(entries) != 1 {
				t.Errorf("changed %s", full)
			}
		})
	}
	// And the good one restores, verified.
	restored := filepath.Join(dir, "restored")
	if code, out, stderr := runCmd(t, env(), "restore", "--from", good, "--data-dir", restored, "--keys-dir", filepath.Join(dir, "rk"),
		"--keys-from", filepath.Join(dir, "kb")); code != 0 {
		t.Fatalf("restore: %s%s", out, stderr)
	}
	if code, out, stderr := runCmd(t, env(), "verify", "--data-dir", restored); code != 0 || !strings.Contains(out, "audit log verified") {
		t.Fatalf("verify: %s%s", out, stderr)
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// runKeys manages the secret keys: rotate and backup.
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return badInput(errors.New("keys needs a subcommand: carefund keys rotate or carefund keys backup --to FOLDER; see 'carefund help keys'"))
	}
	switch args[0] {
	case "rotate":
		return runKeysRotate(ctx, args[1:], getenv, stdout)
	case "backup":
		return runKeysBackup(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "-help", "--help":
		return flag.ErrHelp
	}
	return badInput(fmt.Errorf("unknown keys subcommand %q; there are: carefund keys rotate, carefund keys backup --to FOLDER", args[0]))
}

// runKeysRotate replaces the master key and re-wraps every data key under
// the new one (R-PII-1).
func runKeysRotate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, _, err := parseConfig("keys", args, getenv)
	if err != nil {
		return err
	}
	db, err := openCurrent(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	dir := cfg.KeysFolder()
	n, resumed, err := rotateMaster(ctx, db, dir)
	if err != nil {
		return err
	}
	how := ""
	if resumed {
		how = " (finishing an interrupted rotation)"
	}
	// After the rotation, which is resumable and has its own crash
	// handling: the record says it happened, never a key.
	rec := cliRecord(getenv, "keys.rotate")
	rec.Object = "keys:master"
	rec.Detail = fmt.Sprintf("re-wrapped %d data keys%s", n, how)
	if err := audit.Write(ctx, db, rec, func(*store.Tx) error { return nil }); err != nil {
		return fmt.Errorf("the master key was rotated, but recording it in the audit log failed: %w", err)
	}
	fmt.Fprintf(stdout, "re-wrapped %d data keys under a new master key%s; back up %s now\n", n, how, dir)
	return nil
}

// Rotating the master key, so that a crash at any point loses nothing and the
// next run (or serve, through finishRotation) resolves what it left:
//
//  1. write the new master key to master.key.new (0600, synced);
//  2. claim the rotation in the database: in one transaction, check that meta
//     'key_fingerprint' is still the current keys' and that this pending key
//     was not abandoned, and set it to the fingerprint of the keys with the
//     new master. From here on serve refuses the old keys, and a serve still
//     running makes no more data keys (vault.ErrKeysChanged);
//  3. re-wrap every data key under the new master (vault.Rotate: batches,
//     resumable);
//  4. rename master.key.new over master.key and sync the folder.
//
// A leftover master.key.new is resolved by the database's fingerprint: if it
// is that of the keys with the pending master, the rotation was claimed and
// is finished (3 and 4 again; both are idempotent); if it is the current
// keys', the rotation never got to re-wrap anything, and the pending key is
// marked abandoned (so that a claim racing with this fails) and removed.

// abandonedKey is the meta key that marks a pending master key as abandoned.
func abandonedKey(k keyring.Key) string { return "key_abandoned:" + k.Fingerprint() }

// rotateMaster rotates the master key in dir, or finishes a rotation that
// was interrupted, and returns how many data keys it re-wrapped and whether
// it finished an interrupted rotation.
func rotateMaster(ctx context.Context, db *store.DB, dir string) (n int, resumed bool, err error) {
	cur, err := loadBoundKeys(ctx, db, dir)
	if err != nil {
		return 0, false, err
	}
	if n, finished, err := resolvePending(ctx, db, dir, cur); err != nil || finished {
		return n, finished, err
	}
	next, err := keyring.GenerateMaster(dir)
	if err != nil {
		return 0, false, err
	}
	if err := claimRotation(ctx, db, cur, next); err != nil {
		// The pending key is unclaimed: the next run removes it.
		return 0, false, err
	}
	n, err = finish(ctx, db, dir, cur.Master, next)
	return n, false, err
}

// claimRotation switches the database from the keys cur to the same keys with
// the master key next (step 2 above), unless the database is no longer bound
// to cur or next was abandoned.
func claimRotation(ctx context.Context, db *store.DB, cur *keyring.Keys, next keyring.Key) error {
	rotated := *cur
	rotated.Master = next
	return db.Write(ctx, func(tx *store.Tx) error {
		var fp string
		if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'key_fingerprint'").Scan(&fp); err != nil {
			return err
		}
		var abandoned int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = $1", abandonedKey(next)).Scan(&abandoned); err != nil {
			return err
		}
		if fp != cur.Fingerprint() || abandoned > 0 {
			return errors.New("another 'carefund keys rotate' or 'carefund serve' changed the keys meanwhile; run carefund keys rotate again")
		}
		return tx.SetMeta(ctx, "key_fingerprint", rotated.Fingerprint())
	})
}

// loadBoundKeys loads the keys in dir and checks they are the database's.
func loadBoundKeys(ctx context.Context, db *store.DB, dir string) (*keyring.Keys, error) {
	if _, known, err := db.Meta(ctx, "key_fingerprint"); err != nil {
		return nil, err
	} else if !known {
		return nil, badInput(fmt.Errorf("%s has no secret keys yet; start it once with 'carefund serve'", db))
	}
	keys, err := keyring.Load(dir, false)
	if errors.Is(err, keyring.ErrNoKeys) {
		return nil, badInput(fmt.Errorf("no secret keys in %s; point --keys-dir (%s) at this installation's keys", dir, config.EnvName("keys-dir")))
	}
	if err != nil {
		return nil, badInput(fmt.Errorf("secret keys: %w", err))
	}
	return keys, nil
}

// resolvePending finishes or discards a master key left pending in dir by an
// interrupted rotation (see above); when it finishes one, it makes cur the
// rotated keys and reports finished. Without a pending key it checks that cur
// are the database's keys.
func resolvePending(ctx context.Context, db *store.DB, dir string, cur *keyring.Keys) (n int, finished bool, err error) {
	want, _, err := db.Meta(ctx, "key_fingerprint")
	if err != nil {
		return 0, false, err
	}
	pending, ok, err := keyring.LoadPending(dir)
	if err != nil {
		return 0, false, badInput(fmt.Errorf("secret keys: %w", err))
	}
	rotated := *cur
	rotated.Master = pending
	switch {
	case !ok && want == cur.Fingerprint():
		return 0, false, nil
	case !ok:
		return 0, false, badInput(fmt.Errorf("the secret keys in %s are not the ones this database was set up with; restore the right folder from a backup, or point --keys-dir (%s) at it",
			dir, config.EnvName("keys-dir")))
	case pending == cur.Master:
		// Renamed and copied back, say: nothing is pending.
		return 0, false, keyring.DiscardPending(dir)
	case want == rotated.Fingerprint():
		n, err := finish(ctx, db, dir, cur.Master, pending)
		if err != nil {
			return n, false, err
		}
		*cur = rotated
		return n, true, nil
	case want == cur.Fingerprint():
		err := db.Write(ctx, func(tx *store.Tx) error {
			var fp string
			if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'key_fingerprint'").Scan(&fp); err != nil {
				return err
			}
			if fp != cur.Fingerprint() {
				return errors.New("the database's keys changed meanwhile; run carefund keys rotate again")
			}
			// Unclaimed, so no data key can be under it; check anyway
			// before the only copy of the key goes.
			var under int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM data_keys WHERE master_fingerprint = $1",
				pending.Fingerprint()).Scan(&under); err != nil {
				return err
			}
			if under > 0 {
				return fmt.Errorf("%d data keys are wrapped under %s/%s although the database does not name it; keep the file and restore from a backup",
					under, dir, keyring.PendingMaster)
			}
			return tx.SetMeta(ctx, abandonedKey(pending), "abandoned")
		})
		if err != nil {
			return 0, false, err
		}
		return 0, false, keyring.DiscardPending(dir)
	default:
		return 0, false, badInput(fmt.Errorf("the secret keys in %s, with or without %s, are not the ones this database was set up with; keep every file and restore the right folder from a backup",
			dir, keyring.PendingMaster))
	}
}

// finish re-wraps every data key under next and makes next the master key
// in dir. Run twice at once, both succeed.
func finish(ctx context.Context, db *store.DB, dir string, old, next keyring.Key) (int, error) {
	n, err := vault.Rotate(ctx, db, old, next)
	if err != nil {
		return n, fmt.Errorf("%w; nothing is lost: run carefund keys rotate again to resume", err)
	}
	if err := keyring.ReplaceMaster(dir, next); err != nil {
		// Another process may have finished first.
		if k, lerr := keyring.Load(dir, false); errors.Is(err, fs.ErrNotExist) && lerr == nil && k.Master == next {
			return n, nil
		}
		return n, err
	}
	return n, nil
}

// finishRotation resolves a master key that an interrupted 'carefund keys
// rotate' left pending in dir, for serve to call before it loads the keys:
// it finishes a claimed rotation, or removes a key no data key is under. It
// returns how many data keys it re-wrapped and whether it finished one.
func finishRotation(ctx context.Context, db *store.DB, dir string) (n int, finished bool, err error) {
	if _, ok, err := keyring.LoadPending(dir); err != nil || !ok {
		return 0, false, err
	}
	if _, known, err := db.Meta(ctx, "key_fingerprint"); err != nil || !known {
		return 0, false, err
	}
	cur, err := keyring.Load(dir, false)
	if err != nil {
		// serve's own check reports it.
		return 0, false, nil
	}
	return resolvePending(ctx, db, dir, cur)
}

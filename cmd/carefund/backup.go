package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/carefund/carefund/internal/backup"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
)

// backupOptions are the flags of backup, restore and keys backup beyond the
// configuration's.
type backupOptions struct {
	to, from, keysFrom string
}

// backupFlags returns the flag set of a backup command: the configuration's
// flags (where the database and keys are) and its own.
func backupFlags(name string, cfg *config.Config, o *backupOptions) *flag.FlagSet {
	fs := cfg.FlagSet(name)
	switch name {
	case "backup":
		fs.StringVar(&o.to, "to", "", "new or empty `folder` to write the backup to (the database copy, the uploads and manifest.json)")
	case "restore":
		fs.StringVar(&o.from, "from", "", "`folder` of a backup made by carefund backup")
		fs.StringVar(&o.keysFrom, "keys-from", "", "`folder` of a backup made by carefund keys backup, copied into the keys folder (--keys-dir)")
	case "keys":
		fs.StringVar(&o.to, "to", "", "new or empty `folder` to copy the keys to (keys backup), kept apart from the data backups")
	}
	return fs
}

func parseBackup(name string, args []string, getenv func(string) string) (*config.Config, *backupOptions, error) {
	var cfg config.Config
	var o backupOptions
	if err := cfg.Parse(backupFlags(name, &cfg, &o), args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, err
		}
		return nil, nil, badInput(err)
	}
	return &cfg, &o, nil
}

// notEmpty refuses a folder that exists and holds anything, before
// anything is created.
func notEmpty(dir, what, flagName string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return badInput(fmt.Errorf("%s %s %s is not empty; give a new or empty folder", flagName, what, dir))
	}
	return nil
}

// runKeysBackup copies the keys folder to --to, checks the copy by its
// fingerprint and records the backup (with an audit entry). On a new
// installation it first sets it up, as serve would: the keys must exist,
// and be backed up, before --production starts.
func runKeysBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, o, err := parseBackup("keys", args, getenv)
	if err != nil {
		return err
	}
	if o.to == "" {
		return badInput(errors.New("keys backup needs --to FOLDER, a new or empty folder (a USB key, an offline disk), kept apart from the data backups"))
	}
	if inside, err := backup.Inside(o.to, cfg.KeysFolder()); err == nil && inside {
		return badInput(fmt.Errorf("--to %s is inside the keys folder %s; back the keys up elsewhere", o.to, cfg.KeysFolder()))
	}
	if inside, err := backup.Inside(o.to, cfg.DataDir); err == nil && inside {
		return badInput(fmt.Errorf("--to %s is inside the data folder %s: a copy of the data folder would decrypt itself; back the keys up elsewhere", o.to, cfg.DataDir))
	}
	if err := notEmpty(o.to, "folder", "--to"); err != nil {
		return err
	}
	db, _, _, err := prepare(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	fp, err := backup.CopyKeys(cfg.KeysFolder(), o.to)
	if err != nil {
		return badInput(fmt.Errorf("keys backup: %w", err))
	}
	if err := (&backup.Service{DB: db}).RecordKeyBackup(ctx, fp, cliActor(getenv)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied the secret keys of %s (fingerprint %s) to %s and checked the copy; recorded in %s\n",
		cfg.KeysFolder(), fp, o.to, db)
	fmt.Fprintf(stdout, "keep %s offline and apart from the data backups: with it, a data backup can be read; without it, never\n", o.to)
	return nil
}

// runBackup writes a backup of the database and the uploads to --to while
// the platform runs: SQLite through VACUUM INTO, PostgreSQL through
// pg_dump; then a manifest with every file's SHA-256.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	cfg, o, err := parseBackup("backup", args, getenv)
	if err != nil {
		return err
	}
	if o.to == "" {
		return badInput(errors.New("backup needs --to FOLDER, a new or empty folder"))
	}
	if err := notEmpty(o.to, "folder", "--to"); err != nil {
		return err
	}
	db, err := openCurrent(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &backup.Service{DB: db}
	fp, backedUp, err := svc.KeysBackedUp(ctx)
	if errors.Is(err, backup.ErrNoKeys) {
		return badInput(fmt.Errorf("%s has no secret keys yet; start it once first", db))
	} else if err != nil {
		return err
	}
	st, err := db.Status(ctx)
	if err != nil {
		return err
	}
	created, err := backup.PrepareEmpty(o.to, "backup folder")
	if err != nil {
		return badInput(err)
	}
	defer func() {
		if err != nil {
			removeMade(o.to, created)
		}
	}()
	m := &backup.Manifest{Format: backup.Format, Dialect: string(db.Dialect()), Schema: st.Applied[len(st.Applied)-1],
		Migrations: len(st.Applied), KeyFingerprint: fp, CreatedAt: time.Now().UTC().Truncate(time.Second), Version: version}
	dbFile := filepath.Join(o.to, m.DatabaseFile())
	fmt.Fprintf(stderr, "backing up %s to %s…\n", db, dbFile)
	stopProgress := progress(stderr, dbFile)
	if db.Dialect() == store.Postgres {
		err = backup.DumpPostgres(ctx, cfg.DatabaseDSN(), dbFile)
	} else {
		err = db.SnapshotSQLite(ctx, dbFile)
	}
	stopProgress()
	if err != nil {
		return fmt.Errorf("backing up the database: %w", err)
	}
	size, sum, err := backup.HashFile(dbFile)
	if err != nil {
		return err
	}
	m.Files = append(m.Files, backup.File{Name: m.DatabaseFile(), Size: size, SHA256: sum})
	// After the database: every upload the copy names was written before it.
	uploads, err := backup.CopyTree(filepath.Join(cfg.DataDir, "uploads"), filepath.Join(o.to, "uploads"), "uploads")
	if err != nil {
		return fmt.Errorf("copying the uploads: %w", err)
	}
	m.Files = append(m.Files, uploads...)
	// The manifest goes last, so a backup with one is complete.
	tmp := filepath.Join(o.to, ".manifest.tmp")
	if err := os.WriteFile(tmp, m.Marshal(), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(o.to, backup.ManifestName)); err != nil {
		return err
	}
	if err := backup.SyncDir(o.to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s: schema %s, %d files, database %d bytes; needs the secret keys of fingerprint %s\n",
		db, o.to, m.Schema, len(m.Files), size, fp)
	if !backedUp {
		fmt.Fprintf(stderr, "warning: no backup of the secret keys of fingerprint %s is recorded; without one this backup can never be read: run carefund keys backup --to FOLDER\n", fp)
	}
	return nil
}

// progress prints the growing size of file every few seconds until stopped:
// a large database takes a while.
func progress(w io.Writer, file string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(3 * time.Second):
			}
			if info, err := os.Stat(file); err == nil {
				fmt.Fprintf(w, "  %d MB written\n", info.Size()>>20)
			}
		}
	}()
	return func() { close(done); <-finished }
}

// removeMade removes what a failed command wrote into dir: dir itself if it
// made it, else everything in it (it was empty before).
func removeMade(dir string, created bool) {
	if created {
		os.RemoveAll(dir)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// runRestore restores a backup onto a fresh data folder (and, for
// PostgreSQL, an empty database), after checking every file against the
// manifest, and the keys from a keys backup when --keys-from is given.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	cfg, o, err := parseBackup("restore", args, getenv)
	if err != nil {
		return err
	}
	if o.from == "" {
		return badInput(errors.New("restore needs --from FOLDER, a backup made by carefund backup"))
	}
	m, err := backup.ReadManifest(o.from)
	if err != nil {
		return badInput(err)
	}
	known, err := store.MigrationNames(store.Dialect(m.Dialect))
	if err != nil {
		return err
	}
	if !slices.Contains(known, m.Schema) {
		return badInput(fmt.Errorf("the backup's schema %s is newer than this program's; restore it with the carefund that made it (%s)", m.Schema, m.Version))
	}
	dsn := cfg.DatabaseDSN()
	if store.IsPostgres(dsn) != (m.Dialect == "postgres") {
		return badInput(fmt.Errorf("the backup is of a %s database; give --database of the same kind (an empty PostgreSQL database: --database postgres://…)", m.Dialect))
	}
	if err := notEmpty(cfg.DataDir, "data folder", "--data-dir"); err != nil {
		return err
	}
	keysDir := cfg.KeysFolder()
	if o.keysFrom != "" {
		if err := notEmpty(keysDir, "keys folder", "--keys-dir"); err != nil {
			return err
		}
		k, err := keyring.Load(o.keysFrom, false)
		if err != nil {
			return badInput(fmt.Errorf("--keys-from: %w", err))
		}
		if k.Fingerprint() != m.KeyFingerprint {
			return badInput(fmt.Errorf("--keys-from %s holds the keys of fingerprint %s; the backup needs %s", o.keysFrom, k.Fingerprint(), m.KeyFingerprint))
		}
	}
	var target *store.DB
	if store.IsPostgres(dsn) {
		if target, err = openChecked(ctx, dsn); err != nil {
			return err
		}
		defer target.Close()
		empty, err := (&backup.Service{DB: target}).Empty(ctx)
		if err != nil {
			return err
		}
		if !empty {
			return badInput(errors.New("--database is not empty; restore into a new, empty database (createdb), never over one in use"))
		}
	} else if path, _, err := store.SQLitePath(dsn); err != nil {
		return badInput(err)
	} else if _, err := os.Stat(path); err == nil {
		return badInput(fmt.Errorf("a database exists at %s already; restore onto a fresh data folder", path))
	}

	dataMade, err := backup.PrepareEmpty(cfg.DataDir, "data folder")
	if err != nil {
		return badInput(err)
	}
	var keysMade bool
	defer func() {
		if err != nil {
			removeMade(cfg.DataDir, dataMade)
			if o.keysFrom != "" {
				removeMade(keysDir, keysMade)
			}
		}
	}()
	fmt.Fprintf(stderr, "restoring %s (schema %s, made %s)…\n", o.from, m.Schema, m.CreatedAt.Format(time.RFC3339))
	if target != nil {
		if err := backup.RestorePostgres(ctx, dsn, filepath.Join(o.from, m.DatabaseFile())); err != nil {
			return err
		}
	} else {
		path, _, _ := store.SQLitePath(dsn)
		if _, err := backup.CopyFile(filepath.Join(o.from, m.DatabaseFile()), path); err != nil {
			return err
		}
	}
	for _, f := range m.Files {
		if f.Name == m.DatabaseFile() {
			continue
		}
		dst := filepath.Join(cfg.DataDir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		if _, err := backup.CopyFile(filepath.Join(o.from, filepath.FromSlash(f.Name)), dst); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "uploads"), 0o700); err != nil {
		return err
	}
	if o.keysFrom != "" {
		if keysMade, err = backup.PrepareEmpty(keysDir, "keys folder"); err != nil {
			return badInput(err)
		}
		if _, err := backup.CopyKeys(o.keysFrom, keysDir); err != nil {
			return err
		}
	}
	// The restored database must name the keys the manifest says.
	db, err := openChecked(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	fp, _, err := (&backup.Service{DB: db}).KeysBackedUp(ctx)
	if err != nil {
		return err
	}
	if fp != m.KeyFingerprint {
		return fmt.Errorf("the restored database names the keys %s, the manifest %s: the backup is inconsistent", fp, m.KeyFingerprint)
	}
	fmt.Fprintf(stdout, "restored %s into %s (data folder %s)\n", o.from, db, cfg.DataDir)
	if o.keysFrom != "" {
		fmt.Fprintf(stdout, "restored the secret keys (fingerprint %s) into %s\n", fp, keysDir)
	} else {
		fmt.Fprintf(stdout, "now put the keys backup of fingerprint %s into %s (or run restore with --keys-from), then run carefund verify\n", fp, keysDir)
	}
	return nil
}

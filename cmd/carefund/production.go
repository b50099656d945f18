package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/carefund/carefund/internal/backup"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/store"
)

// productionChecks are the refusals of --production that need the disk or
// the database, one line each naming the fix (Config.Validate has the
// others): the keys folder inside the data folder once links are
// resolved, and no recorded backup of the database's current keys. They
// create nothing: a new SQLite database is not made, only looked for.
func productionChecks(ctx context.Context, cfg *config.Config) error {
	keys := cfg.KeysFolder()
	inside, err := backup.Inside(keys, cfg.DataDir)
	if err != nil {
		return badInput(fmt.Errorf("--production: cannot tell where the keys folder %s is: %v", keys, err))
	}
	if inside {
		return badInput(fmt.Errorf("--production with the keys folder %s inside the data folder %s once links are resolved: a copy of the data folder would decrypt itself; give --keys-dir (%s) a folder on another path, not a link into the data folder, and move the key files there",
			keys, cfg.DataDir, config.EnvName("keys-dir")))
	}
	backupHint := fmt.Sprintf("run carefund keys backup --to FOLDER (with the same --database and --keys-dir %s), keep FOLDER offline, then start again", keys)
	dsn := cfg.DatabaseDSN()
	if !store.IsPostgres(dsn) {
		path, _, err := store.SQLitePath(dsn)
		if err != nil {
			return badInput(err)
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return badInput(fmt.Errorf("--production: no database at %s yet, so no backup of its secret keys; set it up and back the keys up first: %s", path, backupHint))
		}
	}
	db, err := openChecked(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.Status(ctx)
	if err != nil {
		return err
	}
	if len(st.Pending) > 0 || len(st.Unknown) > 0 {
		// Migrations run at start; a newer schema is refused there.
		if len(st.Unknown) > 0 {
			return nil
		}
		return badInput(fmt.Errorf("--production: the database is new or its schema not current, so no backup of its secret keys is recorded; %s", backupHint))
	}
	fp, ok, err := (&backup.Service{DB: db}).KeysBackedUp(ctx)
	switch {
	case errors.Is(err, backup.ErrNoKeys):
		return badInput(fmt.Errorf("--production: %s has no secret keys yet, so none are backed up; %s", db, backupHint))
	case err != nil:
		return err
	case !ok:
		return badInput(fmt.Errorf("--production: no backup is recorded of the secret keys of fingerprint %s (after carefund keys rotate, back up again); %s", fp, backupHint))
	}
	return nil
}

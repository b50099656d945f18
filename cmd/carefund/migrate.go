package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/store"
)

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	cfg, _, err := parseConfig("migrate", args, getenv)
	if err != nil {
		return err
	}
	db, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return badInput(err)
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "%s: schema is up to date\n", db)
		return nil
	}
	fmt.Fprintf(stdout, "%s: applied %s\n", db, strings.Join(applied, ", "))
	return nil
}

// openExisting opens the configured database, refusing to create a new SQLite
// file: migrate and verify work on an installation that exists; creating one
// is serve's job, and a mistyped path must not make a new database.
func openExisting(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	dsn := cfg.DatabaseDSN()
	if !store.IsPostgres(dsn) {
		path, _, err := store.SQLitePath(dsn)
		if err != nil {
			return nil, badInput(err)
		}
		if _, err := os.Stat(path); err != nil {
			return nil, badInput(fmt.Errorf("no database at %s; start the platform once with 'carefund serve', or give --database or %s",
				path, config.EnvName("database")))
		}
	}
	return openChecked(ctx, dsn)
}

// openCurrent is openExisting for commands that work on the data: it also
// refuses a database whose schema is not this program's.
func openCurrent(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	db, err := openExisting(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := db.Ready(ctx); err != nil {
		db.Close()
		return nil, badInput(fmt.Errorf("%s: %w; run 'carefund migrate' first", db, err))
	}
	return db, nil
}

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
	dsn := cfg.DatabaseDSN()
	if !store.IsPostgres(dsn) {
		// migrate works on an existing installation; creating one is serve's
		// job, and a mistyped path must not make a new database.
		path, _, err := store.SQLitePath(dsn)
		if err != nil {
			return badInput(err)
		}
		if _, err := os.Stat(path); err != nil {
			return badInput(fmt.Errorf("no database at %s; start the platform once with 'carefund serve', or give --database or %s",
				path, config.EnvName("database")))
		}
	}
	db, err := openChecked(ctx, dsn)
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

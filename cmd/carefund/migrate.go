package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/carefund/carefund/internal/config"
)

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	cfg, _, err := parseConfig("migrate", args, getenv)
	if err != nil {
		return err
	}
	dsn := cfg.DatabaseDSN()
	if cfg.UsesDataDirDatabase() {
		// migrate works on an existing installation; creating one is serve's job.
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "carefund.db")); err != nil {
			return badInput(fmt.Errorf("no database in %s; start the platform once with 'carefund serve', or give --database or %s",
				cfg.DataDir, config.EnvName("database")))
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

package store

import (
	"context"
	"fmt"
	"strings"
)

// DurabilityError says which database setting would let a committed
// transaction be lost in a crash or power cut.
type DurabilityError struct {
	Setting string // the setting's name, e.g. "synchronous"
	Got     string // its current value
	Want    string // what carefund needs
	Fix     string // how to change it
}

func (e *DurabilityError) Error() string {
	return fmt.Sprintf("database setting %s is %q, but carefund needs %s so that a confirmed donation survives a crash; %s",
		e.Setting, e.Got, e.Want, e.Fix)
}

// CheckDurability returns a *DurabilityError naming the first setting under
// which a committed transaction could be lost or the database corrupted:
// SQLite must run in WAL mode with synchronous=FULL and foreign keys on;
// PostgreSQL must have fsync, synchronous_commit and full_page_writes on.
func (db *DB) CheckDurability(ctx context.Context) error {
	if db.dialect == Postgres {
		return db.checkPostgres(ctx)
	}
	return db.checkSQLite(ctx)
}

func (db *DB) checkSQLite(ctx context.Context) error {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return &DurabilityError{Setting: "journal_mode", Got: mode, Want: "WAL",
			Fix: "remove _journal_mode (or _journal) from the SQLite location, and keep the database on a local file system that supports WAL"}
	}
	var syncLevel int
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncLevel); err != nil {
		return err
	}
	if syncLevel < 2 { // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
		return &DurabilityError{Setting: "synchronous", Got: [...]string{"OFF", "NORMAL"}[syncLevel], Want: "FULL",
			Fix: "remove _synchronous (or _sync) from the SQLite location"}
	}
	var fk int
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return err
	}
	if fk != 1 {
		return &DurabilityError{Setting: "foreign_keys", Got: "off", Want: "on",
			Fix: "remove _foreign_keys (or _fk) from the SQLite location"}
	}
	return nil
}

func (db *DB) checkPostgres(ctx context.Context) error {
	settings := []struct {
		name string
		ok   func(string) bool
		want string
		fix  string
	}{
		{"fsync", isOn, "on", "set fsync = on in postgresql.conf and reload PostgreSQL"},
		{"synchronous_commit", func(v string) bool { return v != "off" }, "on (or local, remote_write, remote_apply)",
			"remove synchronous_commit from the database URL, and check postgresql.conf and ALTER ROLE/DATABASE … SET"},
		{"full_page_writes", isOn, "on", "set full_page_writes = on in postgresql.conf and reload PostgreSQL"},
	}
	for _, s := range settings {
		var v string
		if err := db.writer.QueryRowContext(ctx, "SELECT current_setting($1)", s.name).Scan(&v); err != nil {
			return err
		}
		if !s.ok(v) {
			return &DurabilityError{Setting: s.name, Got: v, Want: s.want, Fix: s.fix}
		}
	}
	return nil
}

func isOn(v string) bool { return v == "on" }

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// SnapshotSQLite writes a transactionally consistent copy of a SQLite
// database to path, a file that must not exist yet, while other processes
// go on reading and writing it: VACUUM INTO reads the whole database inside
// one read transaction, which WAL mode lets run beside the writer, and never
// starts over because of a write (the online backup API does, when another
// process writes between its steps). The copy is created mode 0600.
func (db *DB) SnapshotSQLite(ctx context.Context, path string) error {
	if db.dialect != SQLite {
		return errors.New("store: SnapshotSQLite needs a SQLite database")
	}
	// VACUUM INTO accepts an empty file: create it first, owner-only, as
	// the database itself is.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO $1", path); err != nil {
		return fmt.Errorf("VACUUM INTO: %w", err)
	}
	return nil
}

package backup

import (
	"context"

	"github.com/carefund/carefund/internal/store"
)

// insertKeyBackup records that the keys of fingerprint were backed up.
func insertKeyBackup(ctx context.Context, tx *store.Tx, fingerprint, actor string) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO key_backups (fingerprint, actor, created_at) VALUES ($1, $2, $3)",
		fingerprint, actor, tx.Now.UnixMicro())
	return err
}

// keyBackups counts the recorded backups of the keys of fingerprint.
func keyBackups(ctx context.Context, tx *store.Tx, fingerprint string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM key_backups WHERE fingerprint = $1", fingerprint).Scan(&n)
	return n, err
}

// currentFingerprint is the fingerprint of the keys the database is bound
// to ("" for none yet).
func currentFingerprint(ctx context.Context, tx *store.Tx) (string, error) {
	var fp string
	err := tx.QueryRowContext(ctx, "SELECT coalesce(max(value), '') FROM meta WHERE key = 'key_fingerprint'").Scan(&fp)
	return fp, err
}

// userTables counts the tables in the schemas a restore would write to: the
// database's own, not PostgreSQL's catalogs.
func userTables(ctx context.Context, tx *store.Tx) (int, error) {
	var n int
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if tx.Dialect == store.Postgres {
		q = "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
	}
	err := tx.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

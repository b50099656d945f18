package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/carefund/carefund/internal/store"
)

// Scratch returns a database location for a benchmark to fill and a function
// that removes it: a new SQLite file in a temporary folder when dsn is empty,
// a new schema when dsn is a PostgreSQL URL (so the benchmark never touches
// the tables of the database it is pointed at), and dsn itself otherwise.
func Scratch(ctx context.Context, dsn string) (string, func(), error) {
	switch {
	case dsn == "":
		dir, err := os.MkdirTemp("", "carefund-bench-")
		if err != nil {
			return "", nil, err
		}
		return store.SQLiteLocation(filepath.Join(dir, "bench.db")), func() { os.RemoveAll(dir) }, nil
	case store.IsPostgres(dsn):
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			return "", nil, err
		}
		schema := "carefund_bench_" + strings.ToLower(rand.Text()[:10])
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			return "", nil, err
		}
		u, err := url.Parse(dsn)
		if err != nil {
			admin.Close()
			return "", nil, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), func() {
			admin.ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		}, nil
	default:
		return dsn, func() {}, nil
	}
}

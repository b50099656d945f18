package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/carefund/carefund/internal/store"
)

// Scratch returns a database location for a benchmark to fill and a function
// that removes it: a new SQLite file in a temporary folder when dsn is empty,
// a new schema when dsn is a PostgreSQL URL (so the benchmark never touches
// the tables of the database it is pointed at). Anything else is refused.
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
		// Entries are never deleted: a benchmark must not write into a
		// real SQLite ledger.
		return "", nil, errors.New("--database must be a PostgreSQL URL (benchmarked in a scratch schema); leave it out to benchmark a scratch SQLite file")
	}
}

package store

import (
	"context"
	"database/sql"
)

// Querier runs a query that returns rows: a *Tx, or a *sql.DB for the few
// reads outside a transaction (migrations).
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Each runs query and calls row for every row it returns, stopping at the
// first error; the rows are closed and their iteration error returned. It is
// the one loop over rows in carefund: no caller forgets rows.Err or Close.
func Each(ctx context.Context, q Querier, row func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// All runs query and returns what scan makes of each row, in order.
func All[T any](ctx context.Context, q Querier, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := Each(ctx, q, func(rows *sql.Rows) error {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

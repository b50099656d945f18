package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Column describes one column, as much as both dialects agree on.
type Column struct {
	Name    string
	NotNull bool
}

// Columns returns every table's columns, by table name, in column order.
func (db *DB) Columns(ctx context.Context) (map[string][]Column, error) {
	q := `SELECT m.name, p.name, p."notnull" OR p.pk > 0
		FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
		ORDER BY m.name, p.cid`
	if db.dialect == Postgres {
		q = `SELECT table_name, column_name, is_nullable = 'NO'
			FROM information_schema.columns WHERE table_schema = current_schema()
			ORDER BY table_name, ordinal_position`
	}
	var tables map[string][]Column
	err := db.Read(ctx, func(tx *Tx) error {
		tables = map[string][]Column{}
		return Each(ctx, tx, func(rows *sql.Rows) error {
			var table string
			var c Column
			if err := rows.Scan(&table, &c.Name, &c.NotNull); err != nil {
				return err
			}
			tables[table] = append(tables[table], c)
			return nil
		}, q)
	})
	return tables, err
}

// DumpSchema returns the SQLite schema as SQL, tables first, in a stable
// order: the content of docs/schema.sql.
func (db *DB) DumpSchema(ctx context.Context) (string, error) {
	if db.dialect != SQLite {
		return "", fmt.Errorf("DumpSchema reads SQLite's catalog; this is %s", db.dialect)
	}
	var b strings.Builder
	err := db.Read(ctx, func(tx *Tx) error {
		b.Reset()
		return Each(ctx, tx, func(rows *sql.Rows) error {
			var stmt string
			if err := rows.Scan(&stmt); err != nil {
				return err
			}
			b.WriteString(stmt)
			b.WriteString(";\n\n")
			return nil
		}, `SELECT sql FROM sqlite_master
			WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
			ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, tbl_name, name`)
	})
	return b.String(), err
}

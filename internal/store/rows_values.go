package store

import (
	"context"
	"strconv"
	"strings"
)

// valuesChunk bounds the rows of one multi-row statement ExecRows runs;
// on SQLite each row count is prepared once (ExecPrepared), so it also
// bounds the statements kept.
const valuesChunk = 64

// ExecRows runs head + "(…),(…)" + tail over args, cols arguments a row,
// valuesChunk rows a statement, and returns the rows affected: the
// multi-row inserts and updates of hot paths (the ledger's batches, the
// transparency log's outbox and tree). On SQLite the placeholders are
// positional ("?"), which spares it a lookup by name for each of hundreds
// of values, and the statements are kept prepared; on PostgreSQL they are
// numbered ("$1").
func (tx *Tx) ExecRows(ctx context.Context, head, tail string, cols int, args []any) (int64, error) {
	var total int64
	for len(args) > 0 {
		chunk := args[:min(len(args), valuesChunk*cols)]
		args = args[len(chunk):]
		r, err := tx.ExecPrepared(ctx, ValuesSQL(head, tail, cols, len(chunk), tx.Dialect == SQLite), chunk...)
		if err != nil {
			return total, err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// ValuesSQL returns head + rows of n placeholders, cols to a row, + tail:
// "(?,?),(?,?)" when positional, "($1,$2),($3,$4)" otherwise.
func ValuesSQL(head, tail string, cols, n int, positional bool) string {
	var b strings.Builder
	b.Grow(len(head) + len(tail) + 5*n)
	b.WriteString(head)
	for k := range n {
		switch {
		case k%cols == 0 && k > 0:
			b.WriteString("),(")
		case k%cols == 0:
			b.WriteByte('(')
		default:
			b.WriteByte(',')
		}
		if positional {
			b.WriteByte('?')
		} else {
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(k + 1))
		}
	}
	b.WriteByte(')')
	b.WriteString(tail)
	return b.String()
}

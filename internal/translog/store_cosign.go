package translog

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/carefund/carefund/internal/store"
)

// Cosigned returns cp's signed note with the witnesses' cosignature lines
// for cp.Size appended, in the order of the witnesses' names: a signed note
// may carry any number of signature lines, and a reader checks those of
// the keys it trusts (C2SP signed-note, tlog-cosignature).
func Cosigned(ctx context.Context, tx *store.Tx, cp Checkpoint) (string, error) {
	var b strings.Builder
	b.WriteString(cp.Note)
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		b.WriteString(line)
		b.WriteByte('\n')
		return nil
	}, "SELECT line FROM translog_cosignatures WHERE size = $1 ORDER BY witness", cp.Size)
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

// Cosignature is a witness's cosignature of the checkpoint of Size.
type Cosignature struct {
	Size    int64
	Witness string // the witness's name, as its key names it
	Line    string // the signature line, "— <witness> <base64>", no newline
}

// AddCosignatures stores the cosignature lines of a checkpoint, already
// checked against the witness's key, and records Size as the size the
// witness last cosigned (never lowering it). A line stored before is kept:
// running it twice changes nothing more.
func AddCosignatures(ctx context.Context, tx *store.Tx, cs ...Cosignature) error {
	now := tx.Now.Unix()
	for _, c := range cs {
		if !strings.HasPrefix(c.Line, "— "+c.Witness+" ") || strings.ContainsAny(c.Line, "\n\r") {
			return errors.New("translog: a cosignature line not of its witness")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO translog_cosignatures (size, witness, line, created_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (size, witness) DO NOTHING`, c.Size, c.Witness, c.Line, now); err != nil {
			return err
		}
		if err := SetWitnessSize(ctx, tx, c.Witness, c.Size); err != nil {
			return err
		}
	}
	return nil
}

// SetWitnessSize records that the witness holds the log at size or later.
// A smaller size than the one recorded is ignored: a witness never goes
// back.
func SetWitnessSize(ctx context.Context, tx *store.Tx, witness string, size int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO translog_witnesses (witness, size, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (witness) DO UPDATE SET size = excluded.size, updated_at = excluded.updated_at
		WHERE translog_witnesses.size < excluded.size`, witness, size, tx.Now.Unix())
	return err
}

// WitnessSize returns the size the witness last cosigned, or 0 for a
// witness never asked.
func WitnessSize(ctx context.Context, tx *store.Tx, witness string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, "SELECT size FROM translog_witnesses WHERE witness = $1", witness).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// HasCosignature reports whether the witness's cosignature of the
// checkpoint of size is stored.
func HasCosignature(ctx context.Context, tx *store.Tx, size int64, witness string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM translog_cosignatures WHERE size = $1 AND witness = $2", size, witness).Scan(&n)
	return n > 0, err
}

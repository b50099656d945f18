package translog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/translog"
)

// TestCosigned: the served checkpoint is the signed note with the
// cosignature lines of its size appended, in the order of the witnesses'
// names; storing a line twice, or a smaller size, changes nothing.
func TestCosigned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cp := translog.Checkpoint{Size: 5, Note: "carefund.test/log\n5\nAAAA\n\n— carefund.test/log sig5\n"}
		storetest.Exec(t, db,
			"INSERT INTO translog_checkpoints (size, root, note, created_at) VALUES (4, "+zeroRoot(db)+", 'old', 1)",
			fmt.Sprintf("INSERT INTO translog_checkpoints (size, root, note, created_at) VALUES (5, %s, '%s', 1)", zeroRoot(db), cp.Note))
		add := func(cs ...translog.Cosignature) error {
			return db.Write(ctx, func(tx *store.Tx) error { return translog.AddCosignatures(ctx, tx, cs...) })
		}
		read := func() (string, int64, int64) {
			var s string
			var a, b int64
			err := db.Read(ctx, func(tx *store.Tx) error {
				var err error
				if s, err = translog.Cosigned(ctx, tx, cp); err != nil {
					return err
				}
				if a, err = translog.WitnessSize(ctx, tx, "a.test"); err != nil {
					return err
				}
				b, err = translog.WitnessSize(ctx, tx, "b.test")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return s, a, b
		}
		if s, a, b := read(); s != cp.Note || a != 0 || b != 0 {
			t.Fatalf("before any cosignature: %q %d %d", s, a, b)
		}
		if err := add(
			translog.Cosignature{Size: 5, Witness: "b.test", Line: "— b.test B5"},
			translog.Cosignature{Size: 4, Witness: "a.test", Line: "— a.test A4"},
			translog.Cosignature{Size: 5, Witness: "a.test", Line: "— a.test A5"},
		); err != nil {
			t.Fatal(err)
		}
		want := cp.Note + "— a.test A5\n— b.test B5\n"
		if s, a, b := read(); s != want || a != 5 || b != 5 {
			t.Fatalf("got %q %d %d, want %q 5 5", s, a, b, want)
		}
		// Again, with another line and an older size: the first line
		// stays, the size does not go back.
		if err := add(translog.Cosignature{Size: 5, Witness: "a.test", Line: "— a.test other"},
			translog.Cosignature{Size: 4, Witness: "b.test", Line: "— b.test B4"}); err != nil {
			t.Fatal(err)
		}
		if s, a, b := read(); s != want || a != 5 || b != 5 {
			t.Fatalf("after again: %q %d %d", s, a, b)
		}
		// A line of another witness, or of no checkpoint, is refused.
		for _, c := range []translog.Cosignature{
			{Size: 5, Witness: "a.test", Line: "— b.test B5"},
			{Size: 5, Witness: "a.test", Line: "— a.test A5\n— b.test B5"},
			{Size: 6, Witness: "a.test", Line: "— a.test A6"},
		} {
			if err := add(c); err == nil {
				t.Errorf("%+v was stored", c)
			}
		}
		if s, _, _ := read(); strings.Count(s, "\n— ") != 3 {
			t.Fatalf("after refusals: %q", s)
		}
	})
}

// zeroRoot is a 32-byte zero hash as an SQL literal of db's dialect.
func zeroRoot(db *store.DB) string {
	if db.Dialect() == store.Postgres {
		return "'\\x" + strings.Repeat("00", 32) + "'::bytea"
	}
	return "X'" + strings.Repeat("00", 32) + "'"
}

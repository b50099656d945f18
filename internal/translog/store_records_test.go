package translog

import (
	"context"
	"errors"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func auditRecord(t *testing.T, seq int64) Pending {
	t.Helper()
	data, err := Record{Type: TypeAuditHead, Source: AuditSource(seq), At: 1, Audit: &Audit{Seq: seq, Hash: "ab"}}.Data()
	if err != nil {
		t.Fatal(err)
	}
	return Pending{Source: AuditSource(seq), Data: data}
}

// integrated stands in for the integrator: the entry at idx.
func integrated(t *testing.T, db *store.DB, idx int64, source string, data []byte) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ExecContext(context.Background(), "INSERT INTO translog_entries (idx, source, data, created_at, logged_at) VALUES ($1, $2, $3, 1, 1)",
			idx, source, data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Records reads a type's records integrated first, in index order, then
// pending, in outbox order; Has sees both; a source under the type's
// prefix that does not hold a record of the type is an error, not skipped.
func TestRecordsAndHas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a1, a2, a3 := auditRecord(t, 1), auditRecord(t, 2), auditRecord(t, 3)
		bl, err := Record{Type: TypeBlacklist, Source: BlacklistSource(9), At: 1, Blacklist: &Blacklist{Entry: 1, Action: "add", Digest: "x"}}.Data()
		if err != nil {
			t.Fatal(err)
		}
		integrated(t, db, 0, "audit:2", a2.Data)
		err = db.Write(ctx, func(tx *store.Tx) error {
			return Enqueue(ctx, tx, a3, Pending{Source: BlacklistSource(9), Data: bl}, a1)
		})
		if err != nil {
			t.Fatal(err)
		}
		var recs []LoggedRecord
		var has, hasNot, hasPending bool
		err = db.Read(ctx, func(tx *store.Tx) (err error) {
			if recs, err = Records(ctx, tx, TypeAuditHead); err != nil {
				return err
			}
			if has, err = Has(ctx, tx, "audit:2"); err != nil {
				return err
			}
			if hasPending, err = Has(ctx, tx, "audit:1"); err != nil {
				return err
			}
			hasNot, err = Has(ctx, tx, "audit:4")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !has || !hasPending || hasNot {
			t.Errorf("Has: integrated %v, pending %v, absent %v", has, hasPending, hasNot)
		}
		want := []struct {
			index int64
			seq   int64
		}{{0, 2}, {-1, 3}, {-1, 1}}
		if len(recs) != len(want) {
			t.Fatalf("Records = %+v", recs)
		}
		for i, w := range want {
			if recs[i].Index != w.index || recs[i].Audit.Seq != w.seq || recs[i].IsPending() != (w.index < 0) {
				t.Errorf("record %d = %+v %+v, want index %d seq %d", i, recs[i], recs[i].Audit, w.index, w.seq)
			}
		}

		// A row under audit: that is not an audit record.
		integrated(t, db, 1, "audit:7", bl)
		err = db.Read(ctx, func(tx *store.Tx) error {
			_, err := Records(ctx, tx, TypeAuditHead)
			return err
		})
		if !errors.Is(err, ErrRecord) {
			t.Errorf("Records over a foreign row = %v, want ErrRecord", err)
		}
		err = db.Read(ctx, func(tx *store.Tx) error {
			_, err := Records(ctx, tx, "nonsense")
			return err
		})
		if err == nil {
			t.Error("Records of an unknown type succeeded")
		}
	})
}

func TestSources(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{RequestSource(12, 3), "request:12:v3"},
		{RulesSource("fees", "1.2", "effective"), "rules:fees:1.2:effective"},
		{BlacklistSource(5), "blacklist:5"},
		{AuditSource(77), "audit:77"},
		{likePattern(`a_b%c\`), `a\_b\%c\\%`},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

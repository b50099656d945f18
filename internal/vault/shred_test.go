package vault

import (
	"context"
	"errors"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestShred (R-PII-2): a shredded data key opens nothing again, from this
// process or a new one, and is no longer stored; the other keys still
// open; a rotation of the master key passes shredded keys by rather than
// failing on them; shredding twice changes nothing.
func TestShred(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := newKeys(t)
		v := New(keys)
		recs := sealRecords(t, db, v, 3)
		for range 2 {
			if err := db.Write(ctx, func(tx *store.Tx) error { return Shred(ctx, tx, recs[1].keyID) }); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := openRecord(ctx, db, New(keys), recs[1].id); !errors.Is(err, ErrShredded) {
			t.Errorf("the shredded record opens: %v; want ErrShredded", err)
		}
		var wrapped []byte
		queryRow := func() {
			err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT wrapped FROM data_keys WHERE id = $1", recs[1].keyID).Scan(&wrapped)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		queryRow()
		if len(wrapped) != 0 {
			t.Errorf("the shredded key is still stored: %d bytes", len(wrapped))
		}
		for _, r := range []record{recs[0], recs[2]} {
			if got, err := openRecord(ctx, db, v, r.id); err != nil || got != r.value {
				t.Errorf("record %d: %q, %v; want %q", r.id, got, err, r.value)
			}
		}
		newKeys := *keys
		newKeys.Master = keysFor(t).Master
		if got, err := Rotate(ctx, db, keys.Master, newKeys.Master); err != nil || got != 2 {
			t.Fatalf("Rotate = %d, %v; want the 2 live keys re-wrapped", got, err)
		}
		if _, err := openRecord(ctx, db, New(&newKeys), recs[1].id); !errors.Is(err, ErrShredded) {
			t.Errorf("after rotation, the shredded record: %v; want ErrShredded", err)
		}
		if got, err := openRecord(ctx, db, New(&newKeys), recs[2].id); err != nil || got != recs[2].value {
			t.Errorf("after rotation, record %d: %q, %v", recs[2].id, got, err)
		}
	})
}

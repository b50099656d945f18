package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// record is a row of the test's own table of sealed values.
type record struct {
	id, keyID int64
	value     string
}

// sealRecords stores n records, each with its own data key, in a table of
// the test's, and returns them.
func sealRecords(t *testing.T, db *store.DB, v *Vault, n int) []record {
	t.Helper()
	ctx := context.Background()
	storetest.Exec(t, db, "CREATE TABLE IF NOT EXISTS sealed (id BIGINT PRIMARY KEY, key_id BIGINT NOT NULL, value BYTEA NOT NULL)")
	var recs []record
	err := db.Write(ctx, func(tx *store.Tx) error {
		recs = recs[:0]
		var base int64
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM sealed").Scan(&base); err != nil {
			return err
		}
		for i := range n {
			k, err := v.NewKey(ctx, tx)
			if err != nil {
				return err
			}
			r := record{id: base + int64(i) + 1, keyID: k.ID, value: fmt.Sprintf("1101051949123%05d", i)}
			if _, err := tx.ExecContext(ctx, "INSERT INTO sealed (id, key_id, value) VALUES ($1, $2, $3)",
				r.id, r.keyID, k.SealString(aad(r.id), r.value)); err != nil {
				return err
			}
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func aad(id int64) string { return fmt.Sprintf("sealed.value:%d", id) }

// openRecord reads and opens one record under v.
func openRecord(ctx context.Context, db *store.DB, v *Vault, id int64) (string, error) {
	var s string
	err := db.Read(ctx, func(tx *store.Tx) error {
		var keyID int64
		var sealed []byte
		if err := tx.QueryRowContext(ctx, "SELECT key_id, value FROM sealed WHERE id = $1", id).Scan(&keyID, &sealed); err != nil {
			return err
		}
		k, err := v.Key(ctx, tx, keyID)
		if err != nil {
			return err
		}
		s, err = k.OpenString(aad(id), sealed)
		return err
	})
	return s, err
}

// R-PII-1: a record's data key is stored only wrapped under the master key;
// what was sealed under it opens again after loading it.
func TestNewKeyAndKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := newKeys(t)
		v := New(keys)
		recs := sealRecords(t, db, v, 3)
		if recs[0].keyID == recs[1].keyID {
			t.Fatal("two records share a data key")
		}
		for _, r := range recs {
			got, err := openRecord(ctx, db, New(keys), r.id) // a new process: no cache
			if err != nil || got != r.value {
				t.Errorf("record %d: %q, %v; want %q", r.id, got, err, r.value)
			}
		}
		// Stored: wrapped (61 bytes, no key in it), under this master.
		err := db.Read(ctx, func(tx *store.Tx) error {
			var wrapped []byte
			var fp string
			if err := tx.QueryRowContext(ctx, "SELECT wrapped, master_fingerprint FROM data_keys WHERE id = $1", recs[0].keyID).Scan(&wrapped, &fp); err != nil {
				return err
			}
			dk, err := v.master.unwrap(wrapped)
			if err != nil {
				return err
			}
			if bytes.Contains(wrapped, dk) || len(wrapped) != Overhead+keyring.KeySize || fp != keys.Master.Fingerprint() {
				t.Errorf("data_keys row: %d bytes, fingerprint %s", len(wrapped), fp)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A value sealed for one row does not open as another's.
		err = db.Read(ctx, func(tx *store.Tx) error {
			var sealed []byte
			if err := tx.QueryRowContext(ctx, "SELECT value FROM sealed WHERE id = $1", recs[0].id).Scan(&sealed); err != nil {
				return err
			}
			k, err := v.Key(ctx, tx, recs[0].keyID)
			if err != nil {
				return err
			}
			if _, err := k.Open(aad(recs[1].id), sealed); !errors.Is(err, ErrCannotOpen) {
				t.Errorf("opened as another row's: %v", err)
			}
			if _, err := v.Key(ctx, tx, 999999); !errors.Is(err, ErrNoKey) {
				t.Errorf("Key(999999) = %v, want ErrNoKey", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// R-PII-1: the SQLite file holds no personal data in the clear.
func TestAtRest(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	db := storetest.Open(t, dsn)
	recs := sealRecords(t, db, New(newKeys(t)), 20)
	db.Close() // checkpoints the WAL into the file
	path, _, _ := store.SQLitePath(dsn)
	for _, f := range []string{path, path + "-wal"} {
		raw, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if bytes.Contains(raw, []byte(r.value)) {
				t.Fatalf("%s holds %q in the clear", f, r.value)
			}
		}
	}
}

// A data key wrapped under another master key fails with ErrWrongMaster,
// naming the key but no key material; a forged fingerprint does not help.
func TestKeyUnderOtherMaster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := newKeys(t)
		recs := sealRecords(t, db, New(keys), 1)
		other := *keys
		other.Master = newKeys(t).Master
		ov := New(&other)
		_, err := openRecord(ctx, db, ov, recs[0].id)
		if !errors.Is(err, ErrWrongMaster) {
			t.Fatalf("Key under another master = %v, want ErrWrongMaster", err)
		}
		if !bytes.Contains([]byte(err.Error()), []byte(keys.Master.Fingerprint())) {
			t.Errorf("the error does not name the master that wraps the key: %v", err)
		}
		storetest.Exec(t, db, fmt.Sprintf("UPDATE data_keys SET master_fingerprint = '%s'", other.Master.Fingerprint()))
		if _, err := openRecord(ctx, db, ov, recs[0].id); !errors.Is(err, ErrCannotOpen) {
			t.Errorf("Key with a forged fingerprint = %v, want ErrCannotOpen", err)
		}
	})
}

// R-PII-1: rotating the master key re-wraps every data key; every record opens
// under the new master and none under the old.
func TestRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		oldKeys := newKeys(t)
		n := 2*rotateBatch + 7 // several batches, the last one partial
		recs := sealRecords(t, db, New(oldKeys), n)
		newKeys := *oldKeys
		newKeys.Master = keysFor(t).Master
		got, err := Rotate(ctx, db, oldKeys.Master, newKeys.Master)
		if err != nil || got != n {
			t.Fatalf("Rotate = %d, %v; want %d", got, err, n)
		}
		checkRotated(t, db, oldKeys, &newKeys, recs)
		if got, err := Rotate(ctx, db, oldKeys.Master, newKeys.Master); err != nil || got != 0 {
			t.Errorf("second Rotate = %d, %v; want 0", got, err)
		}
		if _, err := Rotate(ctx, db, newKeys.Master, newKeys.Master); err == nil {
			t.Error("Rotate to the same key succeeded")
		}
	})
}

// keysFor is newKeys under another name, for tests that name a variable newKeys.
func keysFor(t *testing.T) *keyring.Keys { return newKeys(t) }

// checkRotated checks every record opens under the new master and no data
// key opens under the old one, even with its fingerprint forged.
func checkRotated(t *testing.T, db *store.DB, oldKeys, newKeys *keyring.Keys, recs []record) {
	t.Helper()
	ctx := context.Background()
	nv, ov := New(newKeys), New(oldKeys)
	for _, r := range recs {
		if got, err := openRecord(ctx, db, nv, r.id); err != nil || got != r.value {
			t.Fatalf("record %d after Rotate: %q, %v", r.id, got, err)
		}
	}
	if _, err := openRecord(ctx, db, ov, recs[0].id); !errors.Is(err, ErrWrongMaster) {
		t.Errorf("under the old master: %v, want ErrWrongMaster", err)
	}
	err := db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id, wrapped FROM data_keys")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var w []byte
			if err := rows.Scan(&id, &w); err != nil {
				return err
			}
			if _, err := ov.master.unwrap(w); err == nil {
				t.Fatalf("data key %d still opens under the old master", id)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// R-PII-1: a rotation that stopped part way resumes: the keys already under
// the new master are skipped, the rest re-wrapped.
func TestRotateResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		oldKeys := newKeys(t)
		recs := sealRecords(t, db, New(oldKeys), rotateBatch+50)
		newKeys := *oldKeys
		newKeys.Master = keysFor(t).Master
		// A first run that committed part of its work, out of order, then died.
		from, to := newMaster(oldKeys.Master), newMaster(newKeys.Master)
		const done = 120
		err := db.Write(ctx, func(tx *store.Tx) error {
			for _, r := range recs[len(recs)-done:] {
				var w []byte
				if err := tx.QueryRowContext(ctx, "SELECT wrapped FROM data_keys WHERE id = $1", r.keyID).Scan(&w); err != nil {
					return err
				}
				dk, err := from.unwrap(w)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "UPDATE data_keys SET wrapped = $1, master_fingerprint = $2 WHERE id = $3",
					to.wrap(dk), to.fp, r.keyID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Rotate(ctx, db, oldKeys.Master, newKeys.Master)
		if err != nil || got != len(recs)-done {
			t.Fatalf("resumed Rotate = %d, %v; want %d", got, err, len(recs)-done)
		}
		checkRotated(t, db, oldKeys, &newKeys, recs)
	})
}

// Rotate refuses to finish while a data key is under a third master key, and
// stops at a data key that does not open under the old one.
func TestRotateRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, c := newKeys(t), newKeys(t), newKeys(t)
		sealRecords(t, db, New(a), 2)
		sealRecords(t, db, New(c), 1)
		if n, err := Rotate(ctx, db, a.Master, b.Master); err == nil || n != 2 {
			t.Errorf("Rotate with a key under a third master = %d, %v; want 2 and an error", n, err)
		}
		// A wrapped key altered under the old master's fingerprint.
		storetest.Exec(t, db, fmt.Sprintf("UPDATE data_keys SET master_fingerprint = '%s'", c.Master.Fingerprint()))
		storetest.Exec(t, db, fmt.Sprintf("UPDATE data_keys SET master_fingerprint = '%s' WHERE id = (SELECT MIN(id) FROM data_keys)", a.Master.Fingerprint()))
		if _, err := Rotate(ctx, db, a.Master, b.Master); !errors.Is(err, ErrCannotOpen) {
			t.Errorf("Rotate over an unreadable key = %v, want ErrCannotOpen", err)
		}
	})
}

// A process started before a rotation makes no data key under the retired
// master once the database's fingerprint changed.
func TestNewKeyAfterKeysChanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := newKeys(t)
		v := New(keys)
		newKey := func() error {
			return db.Write(ctx, func(tx *store.Tx) error { _, err := v.NewKey(ctx, tx); return err })
		}
		setFP := func(fp string) {
			err := db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, "key_fingerprint", fp) })
			if err != nil {
				t.Fatal(err)
			}
		}
		setFP(keys.Fingerprint())
		if err := newKey(); err != nil {
			t.Fatalf("NewKey with matching keys: %v", err)
		}
		rotated := *keys
		rotated.Master = keysFor(t).Master
		setFP(rotated.Fingerprint())
		if err := newKey(); !errors.Is(err, ErrKeysChanged) {
			t.Errorf("NewKey after the keys changed = %v, want ErrKeysChanged", err)
		}
	})
}

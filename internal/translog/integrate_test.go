package translog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

const testOrigin = "carefund.example.org/log"

func testSigner(t testing.TB) *Signer {
	t.Helper()
	seed := sha256.Sum256([]byte("test log key"))
	s, err := NewSigner(testOrigin, seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ledgerData returns the data of a ledger record for entry id.
func ledgerData(t testing.TB, id int64, key string) []byte {
	t.Helper()
	r := Record{Type: TypeLedger, Source: LedgerSource(id), At: 1_700_000_000 + id, Ledger: &Ledger{
		Entry: id, Kind: "donation",
		Postings:   []Posting{{"psp:sandbox", 100 * id}, {"request:1", -100 * id}},
		Commitment: Commit(Salt([]byte("commit key"), key), key),
	}}
	b, err := r.Data()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func enqueue(t testing.TB, db *store.DB, from, to int64) [][]byte {
	t.Helper()
	var items []Pending
	var out [][]byte
	for id := from; id < to; id++ {
		d := ledgerData(t, id, fmt.Sprintf("key-%d", id))
		items = append(items, Pending{Source: LedgerSource(id), Data: d})
		out = append(out, d)
	}
	err := db.Write(context.Background(), func(tx *store.Tx) error { return Enqueue(context.Background(), tx, items...) })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// memTree is the tree computed in memory, to check the database's.
type memTree struct{ hashes []tlog.Hash }

func (m *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = m.hashes[x]
	}
	return out, nil
}

func buildTree(t testing.TB, entries [][]byte) (*memTree, tlog.Hash) {
	t.Helper()
	m := &memTree{}
	for n, d := range entries {
		hs, err := tlog.StoredHashes(int64(n), d, m)
		if err != nil {
			t.Fatal(err)
		}
		m.hashes = append(m.hashes, hs...)
	}
	root, err := tlog.TreeHash(int64(len(entries)), m)
	if err != nil {
		t.Fatal(err)
	}
	return m, root
}

func latest(t testing.TB, db *store.DB) Checkpoint {
	t.Helper()
	var c Checkpoint
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		c, err = LatestCheckpoint(context.Background(), tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestIntegrate: batches of every awkward size land in the tree in order,
// and each checkpoint is signed over the tree computed independently.
func TestIntegrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := testSigner(t)
		l := New(db, s, Options{Batch: 100})

		// The empty tree's checkpoint comes first.
		if n, err := l.Integrate(ctx); err != nil || n != 0 {
			t.Fatalf("Integrate on nothing = %d, %v", n, err)
		}
		c := latest(t, db)
		if c.Size != 0 {
			t.Fatalf("first checkpoint of size %d", c.Size)
		}
		if _, _, _, err := OpenCheckpoint([]byte(c.Note), s.Verifier()); err != nil {
			t.Fatal(err)
		}

		var all [][]byte
		next := int64(1)
		for _, batch := range []int64{1, 1, 2, 5, 8, 100, 157, 255, 256, 3} {
			all = append(all, enqueue(t, db, next, next+batch)...)
			next += batch
			for steps := 0; ; steps++ {
				n, err := l.Integrate(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
				if steps > 10 {
					t.Fatal("Integrate makes no end")
				}
			}
			c := latest(t, db)
			_, root := buildTree(t, all)
			if c.Size != int64(len(all)) || c.Root != root {
				t.Fatalf("checkpoint %d %x, want %d %x", c.Size, c.Root, len(all), root)
			}
			origin, size, r, err := OpenCheckpoint([]byte(c.Note), s.Verifier())
			if err != nil || origin != testOrigin || size != c.Size || r != root {
				t.Fatalf("checkpoint note: %s %d %x %v", origin, size, r, err)
			}
		}
		var pending int
		queryRow(t, db, "SELECT count(*) FROM translog_pending", &pending)
		if pending != 0 {
			t.Errorf("%d rows left in the outbox", pending)
		}
	})
}

// TestIntegrateDuplicates: a source logged already is dropped from the
// outbox when its data is the same, and left there when it is not.
func TestIntegrateDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testSigner(t), Options{})
		first := enqueue(t, db, 1, 4)
		if n, err := l.Integrate(ctx); err != nil || n != 3 {
			t.Fatalf("Integrate = %d, %v", n, err)
		}
		enqueue(t, db, 2, 3) // the same again
		storetest.Exec(t, db, fmt.Sprintf("INSERT INTO translog_pending (source, data, created_at) VALUES ('%s', %s, 0)",
			LedgerSource(3), hexBlob(db, ledgerData(t, 3, "another key"))))
		more := enqueue(t, db, 4, 6)
		if n, err := l.Integrate(ctx); err != nil || n != 2 {
			t.Fatalf("Integrate = %d, %v", n, err)
		}
		_, root := buildTree(t, append(first, more...))
		if c := latest(t, db); c.Size != 5 || c.Root != root {
			t.Fatalf("checkpoint %d %x", c.Size, c.Root)
		}
		var left string
		queryRow(t, db, "SELECT source FROM translog_pending", &left)
		if left != LedgerSource(3) {
			t.Errorf("outbox holds %q, want the contradicting %s", left, LedgerSource(3))
		}
		// Integrating again changes nothing.
		if n, err := l.Integrate(ctx); err != nil || n != 0 {
			t.Fatalf("Integrate = %d, %v", n, err)
		}
	})
}

func queryRow(t testing.TB, db *store.DB, q string, dest ...any) {
	t.Helper()
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRowContext(context.Background(), q).Scan(dest...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func hexBlob(db *store.DB, b []byte) string {
	if db.Dialect() == store.Postgres {
		return fmt.Sprintf("'\\x%x'::bytea", b)
	}
	return fmt.Sprintf("X'%x'", b)
}

// TestTilesAndProofs: every tile served is the one tlog computes over the
// same tree, tiles beyond it are not found, and every entry's proof
// verifies, and fails once any byte of it changes.
func TestTilesAndProofs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := testSigner(t)
		l := New(db, s, Options{})
		all := enqueue(t, db, 1, 300)
		if _, err := l.Integrate(ctx); err != nil {
			t.Fatal(err)
		}
		m, _ := buildTree(t, all)
		size := int64(len(all))
		for _, tile := range tlog.NewTiles(TileHeight, 0, size) {
			path := strings.Replace(tile.Path(), fmt.Sprintf("tile/%d/", TileHeight), "tile/", 1)
			want, err := tlog.ReadTileData(tile, m)
			if err != nil {
				t.Fatal(err)
			}
			got, full, err := l.Tile(ctx, path)
			if err != nil || !bytes.Equal(got, want) || full != (tile.W == 256) {
				t.Errorf("%s: %d bytes full %v, %v; want %d bytes", path, len(got), full, err, len(want))
			}
			if tile.L == 0 {
				ep := strings.Replace(path, "tile/0/", "tile/entries/", 1)
				got, _, err := l.Tile(ctx, ep)
				want := Bundle(all[tile.N*256 : tile.N*256+int64(tile.W)])
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s: %v", ep, err)
				}
			}
		}
		for _, path := range []string{"tile/0/001.p/44", "tile/0/002", "tile/1/000", "tile/entries/001", "tile/entries/001.p/44",
			"tile/data/000", "tile/0/0", "tile/0/000.p/256", "tile/8/0/000", "tile/entries/x001/000", "tile/0/001.p/0", "x"} {
			if _, _, err := l.Tile(ctx, path); err != ErrNotFound {
				t.Errorf("%s: %v, want not found", path, err)
			}
		}
		// Smaller widths of a partial tile are still served.
		if _, full, err := l.Tile(ctx, "tile/0/001.p/3"); err != nil || full {
			t.Errorf("tile/0/001.p/3: %v %v", full, err)
		}

		commitKey := []byte("commit key")
		for _, id := range []int64{1, 2, 128, 256, 257, 299} {
			key := fmt.Sprintf("key-%d", id)
			extra := LedgerOpening(commitKey, key)
			bundle, entry, err := l.Prove(ctx, LedgerSource(id), extra)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParseProof(bundle)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p.Format(), bundle) {
				t.Fatalf("the bundle does not re-encode as itself")
			}
			v, err := VerifyProof(p, entry, s.Verifier())
			if err != nil || v.Record.Ledger.Entry != id || v.Size != size {
				t.Fatalf("entry %d: %+v %v", id, v, err)
			}
			if id != 257 {
				continue
			}
			// Every byte tampered with is caught.
			for i := range bundle {
				bad := bytes.Clone(bundle)
				bad[i] ^= 0x01
				p, err := ParseProof(bad)
				if err != nil {
					continue
				}
				if _, err := VerifyProof(p, entry, s.Verifier()); err == nil {
					t.Errorf("byte %d (%q) tampered with, and the proof still verifies", i, bundle[i])
				}
			}
			// Another entry's data does not pass for this one.
			if _, err := VerifyProof(p, all[0], s.Verifier()); err == nil {
				t.Error("another entry's data verifies")
			}
			// Another key does not verify the checkpoint.
			other, _ := NewSigner(testOrigin, make([]byte, 32))
			if _, err := VerifyProof(p, entry, other.Verifier()); err == nil {
				t.Error("a checkpoint verifies under another key")
			}
		}
		if st, err := l.Status(ctx, LedgerSource(5)); err != nil || st != Logged {
			t.Errorf("status %v %v", st, err)
		}
		enqueue(t, db, 300, 301)
		if st, err := l.Status(ctx, LedgerSource(300)); err != nil || st != Enqueued {
			t.Errorf("status %v %v", st, err)
		}
		if _, _, err := l.Prove(ctx, LedgerSource(300), nil); err != ErrNotLogged {
			t.Errorf("Prove of a pending entry: %v", err)
		}
		if st, err := l.Status(ctx, LedgerSource(301)); err != nil || st != Absent {
			t.Errorf("status %v %v", st, err)
		}
	})
}

var _ note.Signer = (*Signer)(nil)

func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://carefund.example.org":        "carefund.example.org/log",
		"https://Carefund.example.org:8443/x": "carefund.example.org:8443/log",
		"http://127.0.0.1:8080/":              "127.0.0.1:8080/log",
	} {
		if got, err := Origin(in); err != nil || got != want {
			t.Errorf("Origin(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := Origin("not a url"); err == nil {
		t.Error("Origin of no host")
	}
}

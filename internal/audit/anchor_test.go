package audit

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/translog"
)

// logHead runs LogHead in its own transaction.
func logHead(t *testing.T, db *store.DB) (Anchor, bool) {
	t.Helper()
	var a Anchor
	var logged bool
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		a, logged, err = LogHead(context.Background(), tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, logged
}

// R-STAFF-1 (issue 17): the head is logged once per seq, however often the
// job runs (every transaction of the test runs twice, so a retried run is
// covered too), and the record parses and carries only seq and hash.
func TestLogHeadOncePerHead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if a, logged := logHead(t, db); logged || a.Seq != 0 {
			t.Fatalf("empty chain: logged %v head %+v", logged, a)
		}
		es := appendTen(t, db)
		if a, logged := logHead(t, db); !logged || a.Seq != 10 || a.Hash != es[9].Hash {
			t.Fatalf("first run: logged %v head %+v", logged, a)
		}
		if _, logged := logHead(t, db); logged {
			t.Fatal("second run with the head unmoved logged it again")
		}
		appendAt(t, db, 10, view("staff:2", "user:11"))
		if a, logged := logHead(t, db); !logged || a.Seq != 11 {
			t.Fatalf("after the head moved: logged %v head %+v", logged, a)
		}
		var recs []translog.LoggedRecord
		err := db.Read(ctx, func(tx *store.Tx) error {
			var err error
			recs, err = translog.Records(ctx, tx, translog.TypeAuditHead)
			return err
		})
		if err != nil || len(recs) != 2 {
			t.Fatalf("logged records %+v, %v; want 2", recs, err)
		}
		for i, r := range recs {
			want := []int64{10, 11}[i]
			if !r.IsPending() || r.Source != translog.AuditSource(want) || r.Audit.Seq != want || len(r.Audit.Hash) != 64 {
				t.Errorf("record %d: %+v", i, r)
			}
		}
		if s, err := Verify(ctx, db); err != nil || s.Anchors != 2 {
			t.Errorf("Verify = %+v, %v; want 2 anchors passed", s, err)
		}
	})
}

// R-STAFF-1 (issue 17): a chain rewritten from entry 4 on with every hash
// recomputed passes its own links, but misses the head logged at 10; one
// cut short and its head moved back misses it as gone; an anchor given by
// the caller is checked the same way.
func TestVerifyAgainstAnchors(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(t *testing.T, db *store.DB, es []Entry)
		anchors func(es []Entry) []Anchor
		seq     int64
		gone    bool
		from    string
	}{
		{"rewritten with every later hash recomputed", func(t *testing.T, db *store.DB, es []Entry) {
			rewrite(t, db, es, 3)
		}, nil, 10, false, "audit:10"},
		{"cut short and the head moved back", func(t *testing.T, db *store.DB, es []Entry) {
			storetest.Exec(t, db, "DELETE FROM audit_log WHERE seq > 8")
			storetest.Exec(t, db, "UPDATE audit_head SET seq = 8, hash = '"+es[7].Hash+"'")
		}, nil, 10, true, "audit:10"},
		{"a head noted elsewhere", func(t *testing.T, db *store.DB, es []Entry) {
			rewrite(t, db, es, 1)
		}, func(es []Entry) []Anchor { return []Anchor{{Seq: 3, Hash: es[2].Hash[:16], From: "the ticket"}} }, 3, false, "the ticket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				es := appendTen(t, db)
				logHead(t, db)
				var anchors []Anchor
				if tt.anchors != nil {
					anchors = tt.anchors(es)
				}
				if s, err := Verify(ctx, db, anchors...); err != nil || s.Anchors != 1+len(anchors) {
					t.Fatalf("before tampering: %+v, %v", s, err)
				}
				disableGuards(t, db)
				tt.tamper(t, db, es)
				_, err := Verify(ctx, db, anchors...)
				var ae *AnchorError
				if !errors.As(err, &ae) {
					t.Fatalf("Verify = %v, want an *AnchorError", err)
				}
				if ae.Anchor.Seq != tt.seq || (ae.Hash == "") != tt.gone || !strings.Contains(err.Error(), tt.from) {
					t.Errorf("Verify = %v (%+v); want entry %d, gone %v, from %q", err, ae, tt.seq, tt.gone, tt.from)
				}
			})
		})
	}
}

// rewrite changes entry es[i] and recomputes every hash from it on and the
// head, as an insider who can write the database would.
func rewrite(t *testing.T, db *store.DB, es []Entry, i int) {
	t.Helper()
	prev := es[i].PrevHash
	var stmts []string
	for k, e := range es[i:] {
		if k == 0 {
			e.Object = "user:999"
		}
		e.PrevHash = prev
		e.Hash = HashEntry(e)
		prev = e.Hash
		stmts = append(stmts, "UPDATE audit_log SET object = '"+e.Object+"', prev_hash = '"+e.PrevHash+"', hash = '"+e.Hash+"' WHERE seq = "+strconv.FormatInt(e.Seq, 10))
	}
	stmts = append(stmts, "UPDATE audit_head SET hash = '"+prev+"'")
	storetest.Exec(t, db, stmts...)
}

func TestParseAnchor(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"10:" + h, true},
		{"10:" + h[:16], true},
		{" 1:" + h[:20] + " ", true},
		{"10:" + h[:15], false},
		{"10:" + h + "a", false},
		{"10:" + strings.ToUpper(h), false},
		{"0:" + h, false},
		{"-1:" + h, false},
		{"010:" + h, false},
		{"+10:" + h, false},
		{h, false},
		{"", false},
		{"10:" + h[:16] + "g", false},
	} {
		a, err := ParseAnchor(tt.in, "x")
		if (err == nil) != tt.ok {
			t.Errorf("ParseAnchor(%q) = %+v, %v; want ok %v", tt.in, a, err, tt.ok)
		}
	}
}

// FuzzParseAnchor: --audit-head is outside input. Whatever it accepts
// writes back as it came (trimmed) and carries a hash an anchor can match.
func FuzzParseAnchor(f *testing.F) {
	for _, s := range []string{"10:" + strings.Repeat("0", 64), "1:0123456789abcdef", "x", ":", "9:", "18446744073709551616:0123456789abcdef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAnchor(s, "fuzz")
		if err != nil {
			return
		}
		if a.Seq < 1 || len(a.Hash) < MinAnchorHex || len(a.Hash) > 64 || a.From != "fuzz" {
			t.Fatalf("ParseAnchor(%q) = %+v", s, a)
		}
		if got := strconv.FormatInt(a.Seq, 10) + ":" + a.Hash; got != strings.TrimSpace(s) {
			t.Fatalf("ParseAnchor(%q) reads back as %q", s, got)
		}
		if !a.matches(a.Hash + strings.Repeat("0", 64-len(a.Hash))) {
			t.Fatalf("ParseAnchor(%q) matches no hash", s)
		}
	})
}

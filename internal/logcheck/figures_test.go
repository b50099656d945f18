package logcheck_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/logcheck"
	"github.com/carefund/carefund/internal/translog"
)

// TestFigures: every figure is read from the ledger records the way the
// request's page reads it from the ledger (R-DISC-1), and the identity
// raised + recovered = fees + paid out + refunded + refunding + to charity +
// held holds for a request whose money moved only by those kinds.
func TestFigures(t *testing.T) {
	entries := []struct {
		kind     string
		postings []translog.Posting
		reverses int64
	}{
		{"donation", move("psp:wechat", "request:4", 50000), 0},
		{"donation", move("psp:wechat", "request:4", 20000), 0},
		// A fee by whatever kind touches income:fees; a reversal counts
		// as the kind it undoes, here a donation in the other tally.
		{"channel_fee", move("request:4", "income:fees", 100), 0},
		{"donation", move("psp:wechat", "request:4", 900), 0},
		{"reversal", move("request:4", "psp:wechat", 900), 4},
		{"payout", move("request:4", "payable:payout:3", 30000), 0},
		{"payout_return", move("payable:payout:3", "request:4", 1000), 0},
		{"recovery_receivable", move("receivable:recovery:4", "request:4", 2500), 0},
		{"refund", move("request:4", "payable:refund:12", 20000), 0},
		{"refund_paid", move("payable:refund:12", "psp:wechat", 15000), 0},
		{"refund_to_charity", move("payable:refund:12", "charity:payable", 3000), 0},
		{"donation", move("psp:wechat", "request:5", 700), 0},
	}
	// Split over two tallies merged, as the bundles are.
	a, b := logcheck.NewTally(), logcheck.NewTally()
	for i, e := range entries {
		l := &translog.Ledger{Entry: int64(i + 1), Kind: e.kind, Reverses: e.reverses, Postings: e.postings}
		if i%2 == 0 {
			a.Add(l)
		} else {
			b.Add(l)
		}
	}
	a.Merge(b)
	got, problems := a.Figures()
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	want4 := logcheck.Money{Raised: 70000, Fees: 100, PaidOut: 29000, Recovered: 2500,
		Refunded: 15000, ToCharity: 3000, Refunding: 2000, Held: 70000 - 100 - 29000 + 2500 - 20000}
	if got[4] != want4 {
		t.Errorf("request 4: %+v, want %+v", got[4], want4)
	}
	if !got[4].Balanced() {
		t.Errorf("request 4's figures do not add up: %+v", got[4])
	}
	if want5 := (logcheck.Money{Raised: 700, Held: 700}); got[5] != want5 {
		t.Errorf("request 5: %+v, want %+v", got[5], want5)
	}
	if d := logcheck.CompareMoney(4, want4, logcheck.Money{}); len(d) != 8 || !strings.Contains(d[0], "request 4: raised is ¥700.00 in the log but ¥0.00") {
		t.Errorf("CompareMoney named %q", d)
	}
	// A run that two requests refund is named.
	c := logcheck.NewTally()
	c.Add(&translog.Ledger{Kind: "refund", Postings: move("request:1", "payable:refund:9", 5)})
	c.Add(&translog.Ledger{Kind: "refund", Postings: move("request:2", "payable:refund:9", 5)})
	if _, p := c.Figures(); len(p) != 1 || !strings.Contains(p[0], "refund run 9 is refunded from both request 1 and request 2") {
		t.Errorf("problems %q", p)
	}
}

// TestTilePath: paths are tlog-tiles', and only those parse.
func TestTilePath(t *testing.T) {
	for _, c := range []struct {
		tile tlog.Tile
		path string
	}{
		{tlog.Tile{H: 8, L: 0, N: 0, W: 256}, "tile/0/000"},
		{tlog.Tile{H: 8, L: 1, N: 1234067, W: 256}, "tile/1/x001/x234/067"},
		{tlog.Tile{H: 8, L: -1, N: 3, W: 17}, "tile/entries/003.p/17"},
		{tlog.Tile{H: 8, L: 2, N: 1000, W: 255}, "tile/2/x001/000.p/255"},
	} {
		if p := logcheck.TilePath(c.tile); p != c.path {
			t.Errorf("TilePath(%+v) = %s, want %s", c.tile, p, c.path)
		}
		if got, ok := logcheck.ParseTilePath(c.path); !ok || got != c.tile {
			t.Errorf("ParseTilePath(%s) = %+v, %v", c.path, got, ok)
		}
	}
	for _, bad := range []string{"tile/0/0", "tile/0/000.p/256", "tile/0/000.p/0", "tile/0/x000/001", "tile/data/000", "tile/0/001.p/05", "tile/00/000", "tile/0/y001/000", "tile/8/0/000"} {
		if got, ok := logcheck.ParseTilePath(bad); ok {
			t.Errorf("ParseTilePath(%s) = %+v, want refused", bad, got)
		}
	}
}

// FuzzParseTilePath: a path parses only if it is the one TilePath writes.
func FuzzParseTilePath(f *testing.F) {
	f.Add("tile/1/x001/x234/067.p/8")
	f.Add("tile/entries/000")
	f.Fuzz(func(t *testing.T, p string) {
		if tile, ok := logcheck.ParseTilePath(p); ok && logcheck.TilePath(tile) != p {
			t.Errorf("ParseTilePath(%q) = %+v, written %q", p, tile, logcheck.TilePath(tile))
		}
	})
}

// FuzzParseReceiptExtra: only json.Marshal's form of the receipt data
// parses.
func FuzzParseReceiptExtra(f *testing.F) {
	f.Add([]byte(`{"key":"k","salt":"c2FsdA==","entry":"e30="}`))
	f.Add([]byte(`{"KEY":"k","salt":"","entry":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := logcheck.ParseReceiptExtra(b)
		if err != nil {
			return
		}
		if again, _ := json.Marshal(x); !bytes.Equal(again, b) {
			t.Errorf("ParseReceiptExtra(%q) accepted a form json.Marshal writes as %q", b, again)
		}
	})
}

// FuzzSplitBundle: an entry bundle splits only into entries that make it
// up again.
func FuzzSplitBundle(f *testing.F) {
	f.Add([]byte("\x00\x02{}\x00\x00"), 2)
	f.Add([]byte("\x00\x05{}"), 1)
	f.Fuzz(func(t *testing.T, b []byte, want int) {
		if want < 0 || want > 256 {
			return
		}
		entries, err := logcheck.SplitBundle(b, want)
		if err != nil {
			return
		}
		var again []byte
		for _, e := range entries {
			again = binary.BigEndian.AppendUint16(again, uint16(len(e)))
			again = append(again, e...)
		}
		if !bytes.Equal(again, b) || len(entries) != want {
			t.Errorf("SplitBundle(%q, %d) = %q", b, want, entries)
		}
	})
}

package logcheck_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/carefund/carefund/internal/logcheck"
	"github.com/carefund/carefund/internal/logcheck/logchecktest"
	"github.com/carefund/carefund/internal/translog"
)

// record encodes r, failing the test if it cannot.
func record(t testing.TB, r translog.Record) []byte {
	t.Helper()
	if r.At == 0 {
		r.At = 1_765_000_000
	}
	b, err := r.Data()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ledger is a ledger record of entry id.
func ledger(t testing.TB, id int64, kind string, postings ...translog.Posting) []byte {
	t.Helper()
	return record(t, translog.Record{Type: translog.TypeLedger, Source: translog.LedgerSource(id),
		Ledger: &translog.Ledger{Entry: id, Kind: kind, Postings: postings,
			Commitment: translog.Commit([]byte("salt"), fmt.Sprintf("key-%d", id))}})
}

// move is a posting pair: amount from credit to debit.
func move(debit, credit string, amount int64) []translog.Posting {
	return []translog.Posting{{Account: debit, Amount: amount}, {Account: credit, Amount: -amount}}
}

func requestVersion(t testing.TB, id int64, v int) []byte {
	return record(t, translog.Record{Type: translog.TypeRequestVersion, Source: fmt.Sprintf("request:%d:v%d", id, v),
		Request: &translog.Request{ID: id, Version: v, SHA256: strings.Repeat("ab", 32)}})
}

func auditHead(t testing.TB, seq int64) []byte {
	return record(t, translog.Record{Type: translog.TypeAuditHead, Source: fmt.Sprintf("audit:%d", seq),
		Audit: &translog.Audit{Seq: seq, Hash: strings.Repeat("cd", 32)}})
}

// The figures of the fixture's requests, worked out by hand.
var (
	money1 = logcheck.Money{Raised: 17000, PaidOut: 8000, Held: 9000}
	money2 = logcheck.Money{Raised: 7000, Refunded: 4000, ToCharity: 1000, Refunding: 2000}
)

// fixture is a log of 300 entries (a full entry bundle and a partial one):
// three requests published, donations to two, a payout from request 1, a
// refund run of request 2 partly paid back and partly given to charity,
// and audit heads; the pages show the right figures.
func fixture(t testing.TB) *logchecktest.Log {
	t.Helper()
	l := logchecktest.New()
	t.Cleanup(l.Close)
	l.Append(requestVersion(t, 1, 1), requestVersion(t, 2, 1), requestVersion(t, 3, 1), requestVersion(t, 1, 2))
	l.Append(
		ledger(t, 1, "donation", move("psp:wechat", "request:1", 10000)...),
		ledger(t, 2, "donation", move("psp:wechat", "request:1", 5000)...),
		ledger(t, 3, "donation", move("psp:wechat", "request:2", 3000)...),
		ledger(t, 4, "donation", move("psp:wechat", "request:1", 2000)...),
		ledger(t, 5, "donation", move("psp:wechat", "request:2", 4000)...),
		ledger(t, 6, "settlement", move("bank:custody", "psp:wechat", 24000)...),
		ledger(t, 7, "payout", move("request:1", "payable:payout:1", 8000)...),
		ledger(t, 8, "payout_paid", move("payable:payout:1", "bank:custody", 8000)...),
		ledger(t, 9, "refund", move("request:2", "payable:refund:7", 7000)...),
		ledger(t, 10, "refund_paid", move("payable:refund:7", "bank:custody", 4000)...),
		ledger(t, 11, "refund_to_charity", move("payable:refund:7", "charity:payable", 1000)...),
	)
	for seq := int64(1); l.Size() < 300; seq++ {
		l.Append(auditHead(t, seq))
	}
	l.SetPage(1, money1)
	l.SetPage(2, money2)
	return l
}

func verify(t testing.TB, l *logchecktest.Log, state string, witnesses ...string) (logcheck.Result, error) {
	t.Helper()
	return logcheck.Verify(context.Background(), logcheck.Options{URL: l.URL(), Key: l.VKey, StatePath: state,
		Witnesses: witnesses, HTTP: l.Client(), Concurrency: 3})
}

// TestLogVerifyPasses: an honest log verifies, its figures match its pages,
// and the checkpoint is remembered for the next run, which checks that the
// log only grew.
func TestLogVerifyPasses(t *testing.T) {
	l := fixture(t)
	state := filepath.Join(t.TempDir(), "state.json")
	w := l.AddWitness("witness.example/w1")
	res, err := verify(t, l, state, w)
	if err != nil {
		t.Fatalf("Verify: %v\n%s", err, strings.Join(res.Problems, "\n"))
	}
	if res.Size != 300 || res.Previous != -1 || res.Requests != 2 || res.Unpublished != 1 || res.Types["ledger"] != 11 || len(res.Cosigners) != 1 {
		t.Errorf("result %+v", res)
	}
	st, ok, err := logcheck.LoadState(state)
	if err != nil || !ok || st.Size != 300 || st.Origin != l.Origin || st.Key != l.VKey {
		t.Fatalf("state %+v, %v, %v", st, ok, err)
	}
	// It grows by another partial bundle and more.
	for seq := int64(1000); l.Size() < 700; seq++ {
		l.Append(auditHead(t, seq))
	}
	if res, err = verify(t, l, state, w); err != nil {
		t.Fatalf("second Verify: %v\n%s", err, strings.Join(res.Problems, "\n"))
	}
	if res.Previous != 300 || res.Size != 700 {
		t.Errorf("second run: previous %d, size %d", res.Previous, res.Size)
	}
	// An empty log verifies too.
	e := logchecktest.New()
	defer e.Close()
	if res, err := verify(t, e, ""); err != nil || res.Size != 0 {
		t.Errorf("empty log: %+v, %v", res, err)
	}
}

// TestLogVerifyTrustOnFirstUse: without a key the log's own is fetched and
// said to be, and remembered; a later run with another key is refused.
func TestLogVerifyTrustOnFirstUse(t *testing.T) {
	l := fixture(t)
	state := filepath.Join(t.TempDir(), "state.json")
	res, err := logcheck.Verify(context.Background(), logcheck.Options{URL: l.URL(), StatePath: state, HTTP: l.Client()})
	if err != nil || !res.KeyFetched || res.Key != l.VKey {
		t.Fatalf("first use: %+v, %v", res, err)
	}
	res, err = logcheck.Verify(context.Background(), logcheck.Options{URL: l.URL(), StatePath: state, HTTP: l.Client()})
	if err != nil || res.KeyFetched {
		t.Fatalf("second use: key fetched %v, %v", res.KeyFetched, err)
	}
	_, other, _ := note.GenerateKey(rand.Reader, l.Origin)
	_, err = logcheck.Verify(context.Background(), logcheck.Options{URL: l.URL(), Key: other, StatePath: state, HTTP: l.Client()})
	if err == nil || !strings.Contains(err.Error(), "not the key") {
		t.Errorf("another key than the remembered one: %v", err)
	}
}

// TestLogVerifyDetectsTampering: each way of altering the log or its pages
// is detected and named (R-DISC-1, R-FUND-1: the public figures are the
// ledger's; the log holds the platform to them).
func TestLogVerifyDetectsTampering(t *testing.T) {
	flip := func(path string, at int) func(string, []byte) []byte {
		return func(p string, b []byte) []byte {
			if p != path {
				return b
			}
			b = append([]byte(nil), b...)
			b[at] ^= 1
			return b
		}
	}
	cases := []struct {
		name string
		// remember runs a first, honest audit that remembers the
		// checkpoint.
		remember bool
		tamper   func(t *testing.T, l *logchecktest.Log)
		want     string
	}{
		{"a level-0 hash tile altered", false, func(t *testing.T, l *logchecktest.Log) {
			l.Tamper(flip("/log/tile/0/000", 100))
		}, "hash tile tile/0/000 is not the hashes of the entries in tile/entries/000: the tile was altered"},
		{"a partial hash tile altered", false, func(t *testing.T, l *logchecktest.Log) {
			l.Tamper(flip("/log/tile/0/001.p/44", 5))
		}, "hash tile tile/0/001.p/44 is not the hashes"},
		{"a level-1 hash tile altered", false, func(t *testing.T, l *logchecktest.Log) {
			l.Tamper(flip("/log/tile/1/000.p/1", 0))
		}, "hash tile tile/1/000.p/1 is not the hashes of the entries below it"},
		{"a hash tile on the consistency proof's path altered", true, func(t *testing.T, l *logchecktest.Log) {
			l.Append(auditHead(t, 5000))
			l.Tamper(flip("/log/tile/0/001.p/45", 3))
		}, "cannot prove from the log's tiles that checkpoint 301 extends the remembered checkpoint 300"},
		{"an entry bundle altered", false, func(t *testing.T, l *logchecktest.Log) {
			l.Tamper(func(p string, b []byte) []byte {
				if p != "/log/tile/entries/000" {
					return b
				}
				return []byte(strings.Replace(string(b), `"amount":10000`, `"amount":10001`, 1))
			})
		}, "entry bundle tile/entries/000 does not hash to the hash tile tile/0/000: this bundle was altered"},
		{"an entry bundle cut short", false, func(t *testing.T, l *logchecktest.Log) {
			l.Tamper(func(p string, b []byte) []byte {
				if p != "/log/tile/entries/001.p/44" {
					return b
				}
				return b[:len(b)-1]
			})
		}, "entry bundle tile/entries/001.p/44: entry 43 is truncated"},
		{"an entry rewritten and the tree re-signed", true, func(t *testing.T, l *logchecktest.Log) {
			l.Rewrite(4, ledger(t, 1, "donation", move("psp:wechat", "request:1", 1000)...))
			l.Append(auditHead(t, 5000))
		}, "fork: checkpoint 301 does not extend the remembered checkpoint 300"},
		{"the same size signed with another root", true, func(t *testing.T, l *logchecktest.Log) {
			l.Rewrite(4, ledger(t, 1, "donation", move("psp:wechat", "request:1", 1000)...))
		}, "fork: the checkpoint of 300 entries has root"},
		{"the log rolled back", true, func(t *testing.T, l *logchecktest.Log) {
			l.Truncate(299)
		}, "fork: the checkpoint has 299 entries, fewer than the 300"},
		{"a checkpoint signed by another key", false, func(t *testing.T, l *logchecktest.Log) {
			skey, _, _ := note.GenerateKey(rand.Reader, l.Origin)
			l.SetKey(skey)
		}, "checkpoint is not signed by the log key "},
		{"a checkpoint for another origin", false, func(t *testing.T, l *logchecktest.Log) {
			l.SetOrigin("elsewhere.example/log")
		}, `checkpoint is for the log "elsewhere.example/log"`},
		{"a witness that did not cosign", false, nil, "checkpoint is not cosigned by the witness witness.example/absent"},
		{"a page figure differing from the log", false, func(t *testing.T, l *logchecktest.Log) {
			m := money2
			m.Refunded, m.Held = 3900, 100
			l.SetPage(2, m)
		}, "request 2: refunded is ¥40.00 in the log but ¥39.00 on its public page"},
		{"a page without figures", false, func(t *testing.T, l *logchecktest.Log) {
			l.SetPage(1, nil)
		}, "request 1: its public page shows no money figures"},
		{"a request with money but no page", false, func(t *testing.T, l *logchecktest.Log) {
			l.Append(ledger(t, 100, "donation", move("psp:wechat", "request:9", 100)...))
		}, "request 9: the log holds its money (raised ¥1.00, held ¥1.00) but it has no public page"},
		{"an event logged twice", false, func(t *testing.T, l *logchecktest.Log) {
			l.Append(ledger(t, 3, "donation", move("psp:wechat", "request:2", 3000)...))
			l.SetPage(2, logcheck.Money{Raised: 10000, Refunded: 4000, ToCharity: 1000, Refunding: 2000, Held: 3000})
		}, `entries 6 and 300 both record "ledger:3": an event logged twice`},
		{"a ledger entry that does not balance", false, func(t *testing.T, l *logchecktest.Log) {
			l.Append([]byte(`{"v":1,"type":"ledger","source":"ledger:77","at":1,"ledger":{"entry":77,"kind":"donation","postings":[{"account":"psp:wechat","amount":100},{"account":"request:1","amount":-99}],"commitment":"x"}}`))
		}, "entry 300: translog: malformed record: type \"ledger\" does not match its body (ledger entry 77's postings sum to ¥0.01, not zero)"},
		{"a refund payable no refund names", false, func(t *testing.T, l *logchecktest.Log) {
			l.Append(ledger(t, 100, "refund_paid", move("payable:refund:99", "bank:custody", 100)...))
		}, "payable:refund:99 moves but no refund entry names its request"},
		{"a request whose figures do not add up", false, func(t *testing.T, l *logchecktest.Log) {
			l.Append(ledger(t, 100, "reversal", move("request:1", "psp:wechat", 100)...))
			m := money1
			m.Held -= 100
			l.SetPage(1, m)
		}, "request 1: in the log, raised ¥170.00 + recovered ¥0.00 is not"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := fixture(t)
			state := filepath.Join(t.TempDir(), "state.json")
			if c.remember {
				if res, err := verify(t, l, state); err != nil {
					t.Fatalf("honest run: %v %v", err, res.Problems)
				}
			}
			var witnesses []string
			if c.tamper != nil {
				c.tamper(t, l)
			} else {
				_, w := logchecktest.NewWitness("witness.example/absent")
				witnesses = append(witnesses, w)
			}
			before, _, _ := logcheck.LoadState(state)
			res, err := verify(t, l, state, witnesses...)
			if !errors.Is(err, logcheck.ErrAudit) {
				t.Fatalf("Verify = %v, want an audit failure", err)
			}
			all := strings.Join(append(res.Problems, err.Error()), "\n")
			if !strings.Contains(all, c.want) {
				t.Errorf("problems:\n%s\nwant one naming %q", all, c.want)
			}
			// A failed audit remembers nothing new.
			if after, _, _ := logcheck.LoadState(state); after != before {
				t.Errorf("state changed by a failed audit: %+v", after)
			}
		})
	}
}

// TestLogVerifyOlderCheckpoint: a checkpoint older than the log (served
// from a cache) verifies from the full tiles that replaced its partial
// ones, as tlog-tiles allows; and a remembered checkpoint newer than the one
// served is a rollback.
func TestLogVerifyOlderCheckpoint(t *testing.T) {
	l := fixture(t)
	state := filepath.Join(t.TempDir(), "state.json")
	l.Append(auditHead(t, 5000))
	if res, err := verify(t, l, state); err != nil {
		t.Fatalf("honest run: %v %v", err, res.Problems)
	}
	for seq := int64(6000); l.Size() < 520; seq++ {
		l.Append(auditHead(t, seq))
	}
	old := l.Checkpoint() // 520 entries: tile/0/002.p/8 is partial
	for seq := int64(7000); l.Size() < 800; seq++ {
		l.Append(auditHead(t, seq))
	}
	l.ServeCheckpoint(old)
	res, err := verify(t, l, state)
	if err != nil || res.Size != 520 || res.Previous != 301 {
		t.Fatalf("older checkpoint: %v %v, size %d", err, res.Problems, res.Size)
	}
	// The log now serves a checkpoint older than the remembered one.
	l.ServeCheckpoint(nil)
	if _, err := verify(t, l, state); err != nil {
		t.Fatal(err)
	}
	l.ServeCheckpoint(old)
	if _, err := verify(t, l, state); !errors.Is(err, logcheck.ErrAudit) || !strings.Contains(err.Error(), "fork: the checkpoint has 520 entries, fewer than the 800") {
		t.Errorf("a checkpoint older than the remembered one: %v", err)
	}
}

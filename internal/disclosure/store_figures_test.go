package disclosure

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-DISC-1, R-RPT-1: the figures and the public ledger are read from the
// ledger: a reversed donation is no longer raised, a fee is whatever an
// entry credits to income:fees, a recovery comes back in; the lines are
// the postings on the request's own accounts, with the other accounts by
// class only; another request's entries are not among them.
func TestReadFiguresAndLines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := ledger.New(db, ledger.Options{})
		t.Cleanup(l.Close)
		post := func(e ledger.Entry) ledger.Posted {
			t.Helper()
			p, err := l.Post(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		post(ledger.Transfer("t:d1", "donation", "psp:sandbox", "request:5", 300_00))
		wrong := post(ledger.Transfer("t:d2", "donation", "psp:sandbox", "request:5", 50_00))
		post(ledger.Transfer("t:other", "donation", "psp:sandbox", "request:6", 70_00))
		post(ledger.Transfer("t:fee", "service", "request:5", "income:fees", 2_00))
		post(ledger.Transfer("t:recv", "recovery_receivable", "receivable:recovery:5", "request:5", 10_00))
		post(ledger.Transfer("t:recovered", "recovery", "bank:custody", "receivable:recovery:5", 10_00))
		if _, err := l.Reverse(ctx, wrong.ID, "t:undo", "posted to the wrong request"); err != nil {
			t.Fatal(err)
		}
		var (
			f     Figures
			lines []Line
			some  []Line
		)
		if err := db.Read(ctx, func(tx *store.Tx) (err error) {
			if f, err = readFigures(ctx, tx, 5); err != nil {
				return err
			}
			if lines, err = readLines(ctx, tx, 5, true); err != nil {
				return err
			}
			some, err = readLines(ctx, tx, 5, false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := Figures{Raised: 300_00, Fees: 2_00, Recovered: 10_00, Held: 308_00}
		if f != want || !f.Balanced() {
			t.Errorf("figures %+v, want %+v", f, want)
		}
		type row struct {
			kind, account string
			amount        int64
			in            bool
			counterparty  string
		}
		var got []row
		for _, l := range lines {
			got = append(got, row{l.Kind, l.Account, int64(l.Amount), l.In, strings.Join(l.Counterparty, " ")})
		}
		wantRows := []row{
			{"donation", "request", 300_00, true, "psp"},
			{"donation", "request", 50_00, true, "psp"},
			{"service", "request", 2_00, false, "income:fees"},
			{"recovery_receivable", "receivable:recovery", 10_00, true, "request"},
			{"recovery_receivable", "request", 10_00, true, "receivable:recovery"},
			{"recovery", "receivable:recovery", 10_00, false, "bank:custody"},
			{"reversal", "request", 50_00, false, "psp"},
		}
		if !slices.Equal(got, wantRows) {
			t.Errorf("lines:\n got %+v\nwant %+v", got, wantRows)
		}
		if len(some) != len(lines)-2 {
			t.Errorf("without donations: %d lines of %d", len(some), len(lines))
		}
	})
}

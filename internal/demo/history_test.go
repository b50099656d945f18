package demo

import (
	"context"
	"testing"

	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/report"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-DISC-3, R-DISC-4: after the demonstration load the reports list the
// half-years of its earlier history, 2025-h2 and 2026-h1, and each one's
// figures are that history's: the request filed and published, the money
// raised and how many gave, the complaint received; each report balances,
// and the console offers the 2025 annual report.
func TestDemoHistoryReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// The platform's report service, as the pages use it: with the
		// complaint statistics wired in.
		p, err := platform.New(ctx, platform.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		if _, err := Load(ctx, db, p.Sealer, p.Vault, p.Donations); err != nil {
			t.Fatal(err)
		}
		svc := p.Reports
		hs, err := svc.Index(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		for _, h := range hs {
			listed[h.String()] = true
		}
		type want struct {
			received, published, complaints int
		}
		for name, w := range map[string]want{"2025-h2": {1, 1, 1}, "2026-h1": {0, 0, 0}} {
			if !listed[name] {
				t.Errorf("the reports' index %v leaves out %s", hs, name)
				continue
			}
			h, err := report.ParseHalfYear(name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := svc.HalfYear(ctx, h, report.By{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			raised, donors := historyRaised(h.Start(), h.End())
			if raised == 0 || r.Money.Raised != raised || r.Money.Donors != donors {
				t.Errorf("%s: raised %s from %d donations, want %s from %d", name, r.Money.Raised, r.Money.Donors, raised, donors)
			}
			if r.Money.Held != raised || r.Money.PaidOut != 0 || r.Money.Fees != 0 {
				t.Errorf("%s: held %s, paid out %s, fees %s; want %s held", name, r.Money.Held, r.Money.PaidOut, r.Money.Fees, raised)
			}
			if r.Requests.Received != w.received || r.Requests.Published != w.published {
				t.Errorf("%s: requests %+v, want %d received and %d published", name, r.Requests, w.received, w.published)
			}
			if r.Complaints.Received != w.complaints || r.Complaints.Open != 0 {
				t.Errorf("%s: complaints %+v, want %d received, none open", name, r.Complaints, w.complaints)
			}
			if !r.Balanced() {
				t.Errorf("%s does not balance: %+v", name, r.Money)
			}
		}
		// The request is closed at its target by the last gift, in 2026-h1.
		var state string
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT r.state FROM requests r JOIN donations d ON d.request_id = r.id
				WHERE d.transaction_id = 'demo-history-0'`).Scan(&state)
		}); err != nil || state != "closed" {
			t.Errorf("the history's request is %q (%v), want closed", state, err)
		}
		a, err := svc.AnnualStates(ctx, report.By{})
		if err != nil {
			t.Fatal(err)
		}
		has2025 := false
		for _, y := range a.Years {
			has2025 = has2025 || y.Year == 2025
		}
		if !has2025 {
			t.Errorf("the console's annual reports %+v leave out 2025", a.Years)
		}
	})
}

package donation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// verifyState is a database in a sound state with something of everything
// Verify checks: donations by a share link and without, a request closed at
// its target and a payment that came after, an unpaid order, a quarantined
// payment, and a second request still fundraising with nothing yet.
type verifyState struct {
	*fixture
	token  string // a share link of f.req
	share  int64  // its id
	unpaid Order  // an order of other, never paid
	other  int64  // a second fundraising request
}

func newVerifyState(t *testing.T, db *store.DB) *verifyState {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, db)
	s := &verifyState{fixture: f}
	var err error
	if s.token, err = f.s.NewShare(ctx, f.req, f.donor); err != nil {
		t.Fatal(err)
	}
	f.read(func(ctx context.Context, tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT id FROM shares WHERE token = $1", s.token).Scan(&s.share)
	})
	for _, amount := range []string{"10", "25.5"} {
		in := f.input(amount)
		in.ShareToken = s.token
		f.confirm(f.paid(f.order(in)))
	}
	f.confirm(f.paid(f.order(f.input("7"))))
	late := f.order(f.input("50"))
	if out := f.confirm(f.paid(f.order(f.input("299957.50")))); !out.ClosedNow {
		t.Fatalf("the donation reaching the target: %+v", out)
	}
	if out := f.confirm(f.paid(late)); !out.AfterClose {
		t.Fatalf("the late payment: %+v", out)
	}
	s.other = f.fundraising()
	f.req = s.other
	s.unpaid = f.order(f.input("3"))
	wrong := f.paid(f.order(f.input("4")))
	wrong.Amount++
	if out := f.confirm(wrong); !out.Quarantined {
		t.Fatalf("a payment of the wrong amount: %+v", out)
	}
	return s
}

// R-DON-1, R-FUND-1: Verify passes a sound state, and says what it checked.
func TestVerifyPassesSoundState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newVerifyState(t, db)
		s, err := Verify(context.Background(), db)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		want := Summary{Donations: 5, AfterClose: 1, PaidOrders: 5, Raised: target, Requests: 1, Shares: 1}
		if s != want {
			t.Errorf("summary %+v, want %+v", s, want)
		}
	})
}

// stray writes a donation behind the service's back, for request other, as
// sound as the triggers let it be unless change makes it otherwise: its
// order marked paid, its entry posted, its row inserted, the totals added to.
type stray struct {
	key, kind     string // the entry's key and kind
	debit, credit string // the entry's accounts
	entryAmount   money.Fen
	rowAmount     money.Fen
	orderUnpaid   bool
	shareID       int64 // the row's share, 0 for none
	noTotals      bool
}

func (s *verifyState) stray(change func(*stray)) {
	s.t.Helper()
	ctx := context.Background()
	o := s.order(s.input("6"))
	txID := fmt.Sprintf("stray%d", o.ID)
	st := stray{key: LedgerKey("sandbox", txID), kind: "donation", debit: "psp:sandbox", credit: requestAccount(s.other),
		entryAmount: o.Amount, rowAmount: o.Amount}
	change(&st)
	posted, err := s.s.Ledger.Post(ctx, ledger.Transfer(st.key, st.kind, st.debit, st.credit, st.entryAmount))
	if err != nil {
		s.t.Fatal(err)
	}
	s.write(func(ctx context.Context, tx *store.Tx) error {
		if !st.orderUnpaid {
			if _, err := tx.ExecContext(ctx, "UPDATE donation_orders SET state = 'paid', paid_at = $1 WHERE id = $2",
				today.UnixMicro(), o.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO donations (order_id, request_id, amount_fen, entry_id, provider,
			transaction_id, anonymous, message_flagged, share_id, after_close, paid_at, created_at)
			VALUES ($1, $2, $3, $4, 'sandbox', $5, 0, 0, $6, 0, $7, $7)`,
			o.ID, s.other, int64(st.rowAmount), posted.ID, txID, nullID(st.shareID), today.UnixMicro()); err != nil {
			return err
		}
		if st.noTotals {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO request_totals (request_id, raised_fen, donations) VALUES ($1, $2, 1)
			ON CONFLICT (request_id) DO UPDATE SET raised_fen = request_totals.raised_fen + excluded.raised_fen,
			donations = request_totals.donations + 1`, s.other, int64(st.rowAmount))
		return err
	})
}

// R-DON-1, R-FUND-1: each way the donations, the ledger, the orders and the
// totals can disagree, made by writing behind the service's back where the
// database's triggers allow it, is caught and named. (Two donations of one
// order, payment or entry cannot be written at all: the schema's UNIQUE
// constraints refuse them, so that check guards only a database restored
// from elsewhere.)
func TestVerifyCatches(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(s *verifyState)
		want    string
	}{
		{"EntryWithoutDonation", func(s *verifyState) {
			if _, err := s.s.Ledger.Post(context.Background(), ledger.Transfer(LedgerKey("sandbox", "stray-1"), "donation",
				"psp:sandbox", requestAccount(s.other), 1_00)); err != nil {
				s.t.Fatal(err)
			}
		}, InvEntryDonation},
		{"PaymentKeyOnAnotherKind", func(s *verifyState) {
			if _, err := s.s.Ledger.Post(context.Background(), ledger.Transfer(LedgerKey("sandbox", "stray-2"), "adjustment",
				"psp:sandbox", requestAccount(s.other), 1_00)); err != nil {
				s.t.Fatal(err)
			}
		}, InvEntryDonation},
		{"TotalsOfAnotherRequest", func(s *verifyState) {
			storetest.Exec(s.t, s.db, fmt.Sprintf("INSERT INTO request_totals (request_id, raised_fen, donations) VALUES (%d, 3, 1)", s.other))
		}, InvTotals},
		{"TotalsOffByOne", func(s *verifyState) {
			storetest.Exec(s.t, s.db, "UPDATE request_totals SET donations = donations + 1")
		}, InvTotals},
		{"TotalsMissing", func(s *verifyState) { s.stray(func(st *stray) { st.noTotals = true }) }, InvTotals},
		{"PaidOrderWithoutDonation", func(s *verifyState) {
			storetest.Exec(s.t, s.db, fmt.Sprintf("UPDATE donation_orders SET state = 'paid', paid_at = 1 WHERE id = %d", s.unpaid.ID))
		}, InvOrderPaid},
		{"DonationOfUnpaidOrder", func(s *verifyState) { s.stray(func(st *stray) { st.orderUnpaid = true }) }, InvDonationOrder},
		{"DonationOtherThanOrder", func(s *verifyState) {
			s.stray(func(st *stray) { st.rowAmount++; st.entryAmount++ })
		}, InvDonationOrder},
		{"EntryUnderAnotherKey", func(s *verifyState) { s.stray(func(st *stray) { st.key = "adjust-1" }) }, InvDonationEntry},
		{"EntryOfAnotherKind", func(s *verifyState) { s.stray(func(st *stray) { st.kind = "adjustment" }) }, InvDonationEntry},
		{"EntryOfAnotherAmount", func(s *verifyState) { s.stray(func(st *stray) { st.entryAmount++ }) }, InvDonationEntry},
		{"EntryToAnotherRequest", func(s *verifyState) {
			s.stray(func(st *stray) { st.credit = requestAccount(s.other + 1000) })
		}, InvDonationEntry},
		{"EntryFromAnotherProvider", func(s *verifyState) { s.stray(func(st *stray) { st.debit = "psp:other" }) }, InvDonationEntry},
		{"DonationAlsoQuarantined", func(s *verifyState) {
			storetest.Exec(s.t, s.db, `INSERT INTO donation_quarantine (provider, transaction_id, order_no, reason, amount_fen,
				merchant, received_at) SELECT d.provider, d.transaction_id, o.order_no, 'already_paid', d.amount_fen, 'm', 0
				FROM donations d JOIN donation_orders o ON o.id = d.order_id WHERE d.amount_fen = 700`)
		}, InvQuarantine},
		{"ShareCountsOff", func(s *verifyState) {
			storetest.Exec(s.t, s.db, "UPDATE share_counts SET raised_fen = raised_fen + 1")
		}, InvShareCounts},
		{"DonationByAnotherRequestsShare", func(s *verifyState) {
			s.stray(func(st *stray) { st.shareID = s.share })
		}, InvShareRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				s := newVerifyState(t, db)
				if _, err := Verify(context.Background(), db); err != nil {
					t.Fatalf("before the corruption: %v", err)
				}
				tt.corrupt(s)
				_, err := Verify(context.Background(), db)
				t.Log(err)
				var named []string
				for _, v := range violations(err) {
					named = append(named, v.Invariant)
					if len(v.Cases) == 0 {
						t.Errorf("%q names no case", v.Invariant)
					}
				}
				if !slices.Contains(named, tt.want) {
					t.Errorf("Verify: %v\nwant a violation of %q", err, tt.want)
				}
			})
		})
	}
}

// violations unpacks what Verify returned; it fails on any other error.
func violations(err error) []*Violation {
	var out []*Violation
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		if v, ok := e.(*Violation); ok {
			out = append(out, v)
		}
	}
	return out
}

// R-DON-1: Verify names the first few places an invariant is broken, and
// says there are more.
func TestVerifyNamesTheFirstFew(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newVerifyState(t, db)
		for i := range verifyCases + 2 {
			if _, err := s.s.Ledger.Post(context.Background(), ledger.Transfer(LedgerKey("sandbox", fmt.Sprintf("stray-%d", i)),
				"donation", "psp:sandbox", requestAccount(s.other), 1_00)); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Verify(context.Background(), db)
		vs := violations(err)
		if len(vs) != 1 || vs[0].Invariant != InvEntryDonation || len(vs[0].Cases) != verifyCases || !vs[0].More {
			t.Errorf("Verify: %v", err)
		}
		if !errors.As(err, new(*Violation)) {
			t.Errorf("%T is not a *Violation", err)
		}
	})
}

// Entries of kind donation under keys no payment makes (the benchmarks')
// are counted, not held to a donation row.
func TestVerifyCountsUnkeyedEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newVerifyState(t, db)
		if _, err := s.s.Ledger.Post(context.Background(), ledger.Transfer("bench-1", "donation", "psp:bench",
			"request:bench-1", 1_00)); err != nil {
			t.Fatal(err)
		}
		sum, err := Verify(context.Background(), db)
		if err != nil || sum.Unkeyed != 1 {
			t.Errorf("Verify: %+v, %v; want 1 unkeyed entry and no error", sum, err)
		}
	})
}

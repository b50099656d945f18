package bank

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// monday is a Monday morning, 10:00 in China.
var monday = time.Date(2026, 12, 7, 10, 0, 0, 0, Zone)

func testVault() *vault.Vault {
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	return vault.New(keys)
}

func transfer(id string, amount money.Fen) Transfer {
	return Transfer{ID: id, Amount: amount, Remittance: "筹款 CF-1 第1批",
		Payee: iso20022.Party{Name: "张三", Account: iso20022.Account{ID: "6222021234567890123"}, Bank: iso20022.Agent{Name: "中国工商银行", CNAPS: "102100099996"}}}
}

func newSandbox(t *testing.T, db *store.DB) *Sandbox {
	t.Helper()
	sb := NewSandbox(db, NewClock(monday))
	if err := sb.Credit(context.Background(), Credit{Reference: "CFST-sandbox-20261206", Amount: 10_000_000, From: "沙箱支付"}); err != nil {
		t.Fatal(err)
	}
	return sb
}

func TestHabitOf(t *testing.T) {
	for amount, want := range map[money.Fen]Habit{100: HabitPay, 12301: HabitClosed, 2: HabitNameMismatch, 503: HabitReturn, 104: HabitLate, 99: HabitPay} {
		if got := HabitOf(Transfer{Amount: amount}); got != want {
			t.Errorf("HabitOf(%d) = %s, want %s", amount, got, want)
		}
	}
}

func TestSchedule(t *testing.T) {
	friday := time.Date(2026, 12, 11, 17, 0, 0, 0, Zone) // after the cut-off
	nextMonday := time.Date(2026, 12, 14, 9, 0, 0, 0, Zone)
	cases := []struct {
		name string
		h    Habit
		at   time.Time
		want []Event
	}{
		{"paid soon", HabitPay, monday, []Event{{Pending, "", monday}, {Paid, "", monday.Add(Processing)}}},
		{"after the cut-off", HabitPay, friday, []Event{{Pending, "", friday}, {Paid, "", nextMonday}}},
		{"closed", HabitClosed, monday, []Event{{Pending, "", monday}, {Rejected, ReasonAccountClosed, monday.Add(Processing)}}},
		{"late", HabitLate, monday, []Event{{Pending, "", monday}, {Paid, "", time.Date(2026, 12, 8, 9, 0, 0, 0, Zone)}}},
		{"returned", HabitReturn, monday, []Event{{Pending, "", monday}, {Paid, "", monday.Add(Processing)},
			{Returned, ReasonAccountClosed, time.Date(2026, 12, 10, 10, 0, 0, 0, Zone)}}},
	}
	for _, c := range cases {
		if got := Schedule(c.h, c.at); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Schedule = %v, want %v", c.name, got, c.want)
		}
	}
}

// statuses returns the last status of each transfer the outcomes name.
func statuses(outs []Outcome) map[string]Outcome {
	m := map[string]Outcome{}
	for _, o := range outs {
		m[o.TransferID] = o
	}
	return m
}

func TestSandbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sb := newSandbox(t, db)
		ts := []Transfer{transfer("CFPO1A1", 100_00), transfer("CFPO2A1", 200_01), transfer("CFPO3A1", 300_02),
			transfer("CFPO4A1", 400_03), transfer("CFPO5A1", 500_04)}
		if err := sb.Send(ctx, ts); err != nil {
			t.Fatal(err)
		}
		// Send only records: nothing is paid yet.
		outs, cur, err := sb.Outcomes(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			if o.Status != Pending {
				t.Errorf("at once: %s is %s, want pending", o.TransferID, o.Status)
			}
		}
		// A second copy of a transfer, even a different one, changes nothing.
		again := transfer("CFPO1A1", 999_00)
		if err := sb.Send(ctx, []Transfer{again, ts[1]}); err != nil {
			t.Fatal(err)
		}
		sb.Advance(time.Hour)
		outs, cur, err = sb.Outcomes(ctx, cur)
		if err != nil {
			t.Fatal(err)
		}
		got := statuses(outs)
		want := map[string]Status{"CFPO1A1": Paid, "CFPO2A1": Rejected, "CFPO3A1": Rejected, "CFPO4A1": Paid}
		for id, st := range want {
			if got[id].Status != st {
				t.Errorf("after an hour: %s is %v, want %s", id, got[id], st)
			}
		}
		if r := got["CFPO2A1"].Reason; r != ReasonAccountClosed {
			t.Errorf("CFPO2A1 reason %q, want %s", r, ReasonAccountClosed)
		}
		if r := got["CFPO3A1"].Reason; r != ReasonNameMismatch {
			t.Errorf("CFPO3A1 reason %q, want %s", r, ReasonNameMismatch)
		}
		if _, ok := got["CFPO5A1"]; ok {
			t.Errorf("the late transfer moved before the next working day: %v", got["CFPO5A1"])
		}
		sb.Advance(4 * 24 * time.Hour) // Friday: the late one paid Tuesday, the return on Thursday
		outs, _, err = sb.Outcomes(ctx, cur)
		if err != nil {
			t.Fatal(err)
		}
		got = statuses(outs)
		if got["CFPO5A1"].Status != Paid || got["CFPO4A1"].Status != Returned {
			t.Errorf("by Friday: %v, want CFPO5A1 paid and CFPO4A1 returned", got)
		}
		for i := 1; i < len(outs); i++ {
			if outs[i].Seq <= outs[i-1].Seq {
				t.Errorf("outcomes out of order: %v", outs)
			}
		}

		// Monday's statement holds the credit and the two payments of
		// that day.
		st, err := sb.Statement(ctx, monday)
		if err != nil {
			t.Fatal(err)
		}
		if st.Opening.Amount != 0 || st.Closing.Amount != 10_000_000-100_00-400_03 || len(st.Entries) != 3 {
			t.Errorf("Monday's statement: opening %s, closing %s, %d lines", st.Opening.Amount, st.Closing.Amount, len(st.Entries))
		}
		thursday := monday.AddDate(0, 0, 3)
		st, err = sb.Statement(ctx, thursday)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Entries) != 1 || !st.Entries[0].Reversal || st.Entries[0].EndToEndID != "CFPO4A1" || st.Entries[0].Direction != iso20022.Credit {
			t.Errorf("Thursday's statement should hold the return as a reversal credit: %+v", st.Entries)
		}
		// It reads back from its camt.053 as it is.
		var buf bytes.Buffer
		if err := sb.WriteStatement(ctx, &buf, thursday); err != nil {
			t.Fatal(err)
		}
		back, err := iso20022.ParseCamt053(&buf)
		if err != nil || !reflect.DeepEqual(back, st) {
			t.Errorf("the camt.053 of the statement reads back as %+v, %v; want %+v", back, err, st)
		}
		if _, err := sb.Statement(ctx, sb.Now()); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("today's statement: %v, want NotFound", err)
		}
		// A credit again is nothing new; under another amount it is refused.
		if err := sb.Credit(ctx, Credit{Reference: "CFST-sandbox-20261206", Amount: 10_000_000}); err != nil {
			t.Errorf("the same credit again: %v", err)
		}
		if err := sb.Credit(ctx, Credit{Reference: "CFST-sandbox-20261206", Amount: 1}); !errors.Is(err, ErrConflict) {
			t.Errorf("the same reference with another amount: %v, want ErrConflict", err)
		}
	})
}

func TestSandboxInsufficientFunds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sb := NewSandbox(db, NewClock(monday))
		if err := sb.Credit(ctx, Credit{Reference: "C1", Amount: 150_00}); err != nil {
			t.Fatal(err)
		}
		if err := sb.Send(ctx, []Transfer{transfer("A", 100_00), transfer("B", 100_00)}); err != nil {
			t.Fatal(err)
		}
		sb.Advance(time.Hour)
		outs, _, err := sb.Outcomes(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		got := statuses(outs)
		if got["A"].Status != Paid || got["B"].Status != Rejected || got["B"].Reason != ReasonInsufficientFunds {
			t.Errorf("got %v, want A paid and B rejected AM04", got)
		}
	})
}

// fakeSettle is the payout side in these tests: it counts what it applied.
type fakeSettle struct {
	applied map[string][]Status
	fail    string
}

func (f *fakeSettle) apply(o Outcome) error {
	if o.TransferID == f.fail {
		return fmt.Errorf("settle %s failed", o.TransferID)
	}
	if f.applied == nil {
		f.applied = map[string][]Status{}
	}
	f.applied[o.TransferID] = append(f.applied[o.TransferID], o.Status)
	return nil
}

func TestOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sb := newSandbox(t, db)
		s := &Service{DB: db, Bank: sb, Vault: testVault(), Batch: 2}
		ts := []Transfer{transfer("CFPO1A1", 100_00), transfer("CFPO2A1", 200_01), transfer("CFPO3A1", 300_03)}
		if err := s.Submit(ctx, ts); err != nil {
			t.Fatal(err)
		}
		// Submitting again is idempotent; another content under one ID is refused.
		if err := s.Submit(ctx, ts[:1]); err != nil {
			t.Errorf("submitting the same transfer again: %v", err)
		}
		if err := s.Submit(ctx, []Transfer{transfer("CFPO1A1", 100_01)}); !errors.Is(err, ErrConflict) {
			t.Errorf("another transfer under a recorded ID: %v, want ErrConflict", err)
		}
		if err := s.Submit(ctx, []Transfer{{ID: "bad id", Amount: 1}}); !errors.Is(err, ErrInvalid) {
			t.Errorf("an invalid transfer: %v, want ErrInvalid", err)
		}
		// R-PII-1: the payee's name and account are sealed, the account
		// only masked in the clear.
		err := db.Read(ctx, func(tx *store.Tx) error {
			return store.Each(ctx, tx, func(rows *sql.Rows) error {
				var masked, remittance string
				var sealed []byte
				if err := rows.Scan(&masked, &remittance, &sealed); err != nil {
					return err
				}
				for _, plain := range []string{"6222021234567890123", "张三"} {
					if strings.Contains(masked+remittance, plain) || bytes.Contains(sealed, []byte(plain)) {
						t.Errorf("bank_transfers holds %q in the clear", plain)
					}
				}
				if strings.Contains(masked, "34567890") {
					t.Errorf("account %q is not masked", masked)
				}
				return nil
			}, "SELECT account_masked, remittance, payee_sealed FROM bank_transfers")
		})
		if err != nil {
			t.Fatal(err)
		}
		if sent, err := s.Dispatch(ctx); err != nil || sent != 3 {
			t.Fatalf("Dispatch = %d, %v; want 3 sent", sent, err)
		}
		if sent, err := s.Dispatch(ctx); err != nil || sent != 0 {
			t.Fatalf("Dispatch again = %d, %v; want nothing left to send", sent, err)
		}
		sb.Advance(5 * 24 * time.Hour)
		f := &fakeSettle{fail: "CFPO2A1"}
		if _, err := s.Poll(ctx, f.apply); err == nil {
			t.Fatal("Poll with a failing apply returned no error")
		}
		f.fail = ""
		if _, err := s.Poll(ctx, f.apply); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Poll(ctx, f.apply); err != nil {
			t.Fatal(err)
		}
		want := map[string][]Status{"CFPO1A1": {Pending, Paid}, "CFPO2A1": {Pending, Rejected}, "CFPO3A1": {Pending, Paid, Returned}}
		if !reflect.DeepEqual(f.applied, want) {
			t.Errorf("applied %v, want each outcome once: %v", f.applied, want)
		}
		states, err := s.Transfers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range states {
			if w := want[st.ID]; !st.Sent || st.Status != w[len(w)-1] {
				t.Errorf("transfer %+v, want sent and %s", st, w[len(w)-1])
			}
		}
	})
}

// strayBank reports an outcome for a transfer nobody submitted.
type strayBank struct{ *Sandbox }

func (b strayBank) Outcomes(ctx context.Context, after string) ([]Outcome, string, error) {
	if after != "" {
		return nil, after, nil
	}
	return []Outcome{{TransferID: "CFPO99A1", Status: Paid, At: monday, Seq: 1}}, "1", nil
}

func TestPollQuarantinesUnknownTransfers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &Service{DB: db, Bank: strayBank{NewSandbox(db, NewClock(monday))}, Vault: testVault()}
		f := &fakeSettle{}
		if n, err := s.Poll(ctx, f.apply); err != nil || n != 0 || len(f.applied) != 0 {
			t.Fatalf("Poll = %d, %v, applied %v; want nothing applied", n, err, f.applied)
		}
		q, err := s.Quarantined(ctx)
		if err != nil || len(q) != 1 || q[0].TransferID != "CFPO99A1" {
			t.Errorf("Quarantined = %v, %v; want the stray outcome kept", q, err)
		}
	})
}

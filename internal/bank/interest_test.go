package bank

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func TestInterestDays(t *testing.T) {
	from := time.Date(2026, 12, 7, 10, 0, 0, 0, Zone)
	got := InterestDays(from, from.AddDate(1, 0, 0))
	want := []string{"2026-12-21", "2027-03-21", "2027-06-21", "2027-09-21"}
	if len(got) != len(want) {
		t.Fatalf("InterestDays = %v, want %v", got, want)
	}
	for i, d := range got {
		if d.In(Zone).Format(time.DateOnly) != want[i] || d.In(Zone).Hour() != 6 {
			t.Errorf("day %d = %s, want %s 06:00", i, d.In(Zone), want[i])
		}
	}
	if n := len(InterestDays(from, from.AddDate(500, 0, 0))); n != 400 {
		t.Errorf("a clock jumped five centuries books %d quarters at once, want the bound 400", n)
	}
	for _, tt := range []struct{ balance, want money.Fen }{{0, 0}, {-5, 0}, {100_000_00, 87_50}, {1, 0}} {
		if got := Interest(tt.balance); got != tt.want {
			t.Errorf("Interest(%s) = %s, want %s", tt.balance, got, tt.want)
		}
	}
}

// TestSandboxInterest: the sandbox bank credits the quarter's interest on
// the 21st of its last month, once however often it books, as a line with
// ISO's interest code and no end-to-end id, which survives a camt.053
// round trip; and nobody else may book a credit under its reference.
// R-CHAR-1.
func TestSandboxInterest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sb := newSandbox(t, db)
		if err := sb.Credit(ctx, Credit{Reference: InterestPrefix + "1", Amount: 1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("a credit under the interest reference: %v, want ErrInvalid", err)
		}
		sb.Advance(time.Date(2026, 12, 22, 9, 0, 0, 0, Zone).Sub(sb.Now()))
		var st iso20022.Statement
		for range 3 {
			var err error
			if st, err = sb.Statement(ctx, time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
		}
		if len(st.Entries) != 1 || !st.Entries[0].Interest() || st.Entries[0].EndToEndID != "" ||
			st.Entries[0].Amount != Interest(10_000_000) {
			t.Fatalf("statement of the 21st: %+v, want one interest line of %s", st.Entries, Interest(10_000_000))
		}
		var buf bytes.Buffer
		if err := iso20022.WriteCamt053(&buf, st, sb.Now()); err != nil {
			t.Fatal(err)
		}
		back, err := iso20022.ParseCamt053(&buf)
		if err != nil || len(back.Entries) != 1 || !back.Entries[0].Interest() || back.Entries[0].TxCode != iso20022.InterestCode {
			t.Fatalf("the interest line read back: %+v %v", back.Entries, err)
		}
		sb.Advance(24 * time.Hour)
		next, err := sb.Statement(ctx, time.Date(2026, 12, 22, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if len(next.Entries) != 0 || next.Closing.Amount != st.Closing.Amount {
			t.Errorf("the 22nd: %+v, closing %s; want nothing booked again", next.Entries, next.Closing.Amount)
		}
	})
}

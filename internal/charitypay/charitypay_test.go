package charitypay

import (
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"pgregory.net/rapid"
)

// TestCheckCreditCode: a recipient's unified social credit code has a
// valid GB 32100-2015 check character and is a civil-affairs registration
// of a social organisation, a social service institution or a foundation.
// R-CHAR-1.
func TestCheckCreditCode(t *testing.T) {
	for _, tt := range []struct {
		in, want, key string
	}{
		{in: "5310000050001234X6", want: "5310000050001234X6"},
		{in: "53 1100 0050 0056 7807", want: "531100005000567807"},
		{in: "52310000500099991u", want: "52310000500099991U"},
		{in: "5310000050001234X7", key: "credit.check"},
		{in: "91110000100000008J", key: "charitypay.credit_type"},
		{in: "531000005000123", key: "credit.length"},
		{in: "", key: "credit.empty"},
	} {
		got, err := CheckCreditCode(tt.in)
		if tt.key == "" {
			if err != nil || got != tt.want {
				t.Errorf("CheckCreditCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if e := apperr.As(err); e == nil || (e.Key != tt.key && !(tt.key == "payeeid.credit_check" && e.Code == apperr.Invalid)) {
			t.Errorf("CheckCreditCode(%q) = %q, %v; want key %s", tt.in, got, err, tt.key)
		}
	}
}

// FuzzCheckCreditCode: whatever is typed, an accepted code is 18
// characters of authority 5 and a charity type, and checking it again
// gives it back.
func FuzzCheckCreditCode(f *testing.F) {
	for _, s := range []string{"5310000050001234X6", "531100005000567807", "91110000100000008J", "５３１", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := CheckCreditCode(s)
		if err != nil {
			return
		}
		if len(got) != 18 || got[0] != '5' || got[1] < '1' || got[1] > '3' {
			t.Fatalf("CheckCreditCode(%q) accepted %q", s, got)
		}
		if again, err := CheckCreditCode(got); err != nil || again != got {
			t.Fatalf("CheckCreditCode(%q) = %q, %v: not stable", got, again, err)
		}
	})
}

// TestCheckProposal: a transfer is no more than charity:payable less what
// is in flight, made of sources that each have that much left and add up
// to it. R-CHAR-1.
func TestCheckProposal(t *testing.T) {
	a := Available{Payable: 100_00, InFlight: 30_00, BySource: map[string]money.Fen{
		SourceKey(SourceInterest, "2026-12"): 60_00, SourceKey(SourceRefund, "4"): 40_00}}
	ok := Proposal{RecipientID: 1, Amount: 70_00, Note: "Q4 interest and run 4",
		Sources: []Source{{Kind: SourceInterest, Period: "2026-12", Amount: 50_00}, {Kind: SourceRefund, Period: "4", RequestID: 9, Amount: 20_00}}}
	if _, err := CheckProposal(ok, a); err != nil {
		t.Fatalf("a good proposal: %v", err)
	}
	for name, tt := range map[string]struct {
		mut  func(*Proposal)
		code apperr.Code
	}{
		"over the free balance":  {func(p *Proposal) { p.Amount, p.Sources[0].Amount = 71_00, 51_00 }, apperr.Conflict},
		"over a source":          {func(p *Proposal) { p.Sources[1].Amount, p.Sources[0].Amount = 41_00, 29_00 }, apperr.Conflict},
		"sources do not add up":  {func(p *Proposal) { p.Sources[0].Amount = 49_00 }, apperr.Invalid},
		"no sources":             {func(p *Proposal) { p.Sources = nil }, apperr.Invalid},
		"zero":                   {func(p *Proposal) { p.Amount = 0 }, apperr.Invalid},
		"bad month":              {func(p *Proposal) { p.Sources[0].Period = "2026-13" }, apperr.Invalid},
		"refund without request": {func(p *Proposal) { p.Sources[1].RequestID = 0 }, apperr.Invalid},
		"no note":                {func(p *Proposal) { p.Note = " " }, apperr.Invalid},
		"unknown source":         {func(p *Proposal) { p.Sources[0].Kind = "fees" }, apperr.Invalid},
	} {
		p := ok
		p.Sources = append([]Source(nil), ok.Sources...)
		tt.mut(&p)
		if _, err := CheckProposal(p, a); apperr.CodeOf(err) != tt.code {
			t.Errorf("%s: %v, want code %s", name, err, tt.code)
		}
	}
}

func TestDecide(t *testing.T) {
	for _, tt := range []struct {
		s      State
		status string
		want   Step
	}{
		{Paying, "paid", StepPay}, {Paid, "paid", StepNone}, {Paying, "rejected", StepReject},
		{Paid, "rejected", StepRefuse}, {Paid, "returned", StepReturn}, {Paying, "returned", StepPayFirst},
		{Returned, "returned", StepNone}, {Approved, "paid", StepRefuse}, {Rejected, "paid", StepRefuse},
	} {
		if got := Decide(tt.s, tt.status); got != tt.want {
			t.Errorf("Decide(%s, %s) = %d, want %d", tt.s, tt.status, got, tt.want)
		}
	}
	for _, s := range []string{"CFCT1", "CFCT42"} {
		if id, ok := ParseBankTransferID(s); !ok || BankTransferID(id) != s {
			t.Errorf("ParseBankTransferID(%q) = %d, %v", s, id, ok)
		}
	}
	for _, s := range []string{"CFCT", "CFCT0", "CFCT01", "CFPO1A1", "CFCT-1", "CFCTx"} {
		if _, ok := ParseBankTransferID(s); ok {
			t.Errorf("ParseBankTransferID(%q) accepted", s)
		}
	}
}

// TestCheckProposalProperty: whatever is proposed against whatever is
// available, an accepted proposal is exactly its sources, none more than
// it has left, and the whole no more than the free balance: charity money
// is never promised twice. R-CHAR-1.
func TestCheckProposalProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		periods := []string{"2026-09", "2026-12", "4", "5"}
		a := Available{BySource: map[string]money.Fen{}}
		a.Payable = money.Fen(rapid.Int64Range(0, 10_000).Draw(t, "payable"))
		a.InFlight = money.Fen(rapid.Int64Range(0, int64(a.Payable)).Draw(t, "inFlight"))
		for i, p := range periods {
			kind := SourceInterest
			if i >= 2 {
				kind = SourceRefund
			}
			a.BySource[SourceKey(kind, p)] = money.Fen(rapid.Int64Range(-10, 5_000).Draw(t, "left"+p))
		}
		n := rapid.IntRange(0, 5).Draw(t, "n")
		p := Proposal{RecipientID: 1, Note: "n"}
		for range n {
			i := rapid.IntRange(0, len(periods)-1).Draw(t, "source")
			s := Source{Kind: SourceInterest, Period: periods[i], Amount: money.Fen(rapid.Int64Range(-1, 5_000).Draw(t, "amount"))}
			if i >= 2 {
				s.Kind, s.RequestID = SourceRefund, 9
			}
			p.Sources = append(p.Sources, s)
			p.Amount += s.Amount
		}
		if rapid.Bool().Draw(t, "skew") {
			p.Amount += money.Fen(rapid.Int64Range(-3, 3).Draw(t, "by"))
		}
		got, err := CheckProposal(p, a)
		if err != nil {
			return
		}
		var sum money.Fen
		for _, s := range got.Sources {
			if s.Amount <= 0 || s.Amount > a.BySource[SourceKey(s.Kind, s.Period)] {
				t.Fatalf("accepted source %+v with %s left", s, a.BySource[SourceKey(s.Kind, s.Period)])
			}
			sum += s.Amount
		}
		if sum != got.Amount || got.Amount <= 0 || got.Amount > a.Free() {
			t.Fatalf("accepted %s of sources %s against %s free", got.Amount, sum, a.Free())
		}
	})
}

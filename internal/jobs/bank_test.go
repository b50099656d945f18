package jobs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// fakePayouts is the payout side: approved payouts become paying, and
// settle once per outcome.
type fakePayouts struct {
	mu          sync.Mutex
	state       map[int64]string
	amount      map[int64]money.Fen
	settled     map[string][]bank.Status
	failSending int // fail this many Sending calls
}

func (f *fakePayouts) Ready(_ context.Context, limit int) ([]BankInstruction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []BankInstruction
	for id := int64(1); id <= int64(len(f.state)) && len(out) < limit; id++ {
		if f.state[id] == "approved" {
			out = append(out, BankInstruction{PayoutID: id, Transfer: bank.Transfer{
				ID: fmt.Sprintf("CFPO%dA1", id), Amount: f.amount[id],
				Payee: iso20022.Party{Name: "李四", Account: iso20022.Account{ID: "6222021234567890123"}, Bank: iso20022.Agent{Name: "中国银行"}}}})
		}
	}
	return out, nil
}

func (f *fakePayouts) Sending(_ context.Context, id int64, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failSending > 0 {
		f.failSending--
		return errors.New("the server died")
	}
	if f.state[id] == "approved" {
		f.state[id] = "paying"
	}
	return nil
}

func (f *fakePayouts) Settle(_ context.Context, transferID string, o bank.Outcome) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settled[transferID] = append(f.settled[transferID], o.Status)
	return nil
}

func TestBankJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := &keyring.Keys{}
		rand.Read(keys.Master[:])
		sb := bank.NewSandbox(db, bank.NewClock(time.Date(2026, 12, 7, 10, 0, 0, 0, bank.Zone)))
		if err := sb.Credit(ctx, bank.Credit{Reference: "CFST-1", Amount: 1_000_000_00}); err != nil {
			t.Fatal(err)
		}
		b := &bank.Service{DB: db, Bank: sb, Vault: vault.New(keys)}
		f := &fakePayouts{state: map[int64]string{1: "approved", 2: "approved", 3: "approved"},
			amount: map[int64]money.Fen{1: 100_00, 2: 200_01, 3: 300_00}, settled: map[string][]bank.Status{}, failSending: 1}
		// The first run dies marking payout 1 paying: it stays approved,
		// and the next run sends it without sending it twice.
		if _, err := DispatchPayouts(ctx, f, b, 10); err == nil {
			t.Fatal("a failing Sending was not reported")
		}
		if sent, err := DispatchPayouts(ctx, f, b, 10); err != nil || sent != 0 {
			t.Fatalf("second run: %d sent, %v; want nothing new to send", sent, err)
		}
		sb.Advance(time.Hour)
		if _, err := PollPayouts(ctx, f, b); err != nil {
			t.Fatal(err)
		}
		want := map[string][]bank.Status{"CFPO1A1": {bank.Paid}, "CFPO2A1": {bank.Rejected}, "CFPO3A1": {bank.Paid}}
		if !reflect.DeepEqual(f.settled, want) {
			t.Errorf("settled %v, want %v", f.settled, want)
		}
		if _, err := PollPayouts(ctx, f, b); err != nil || !reflect.DeepEqual(f.settled, want) {
			t.Errorf("polling again settled more: %v, %v", f.settled, err)
		}
		if jobs := BankJobs(f, b, time.Minute); len(jobs) != 2 || jobs[0].Name != BankDispatchJob || jobs[1].Name != BankPollJob {
			t.Errorf("BankJobs = %v", jobs)
		}
	})
}

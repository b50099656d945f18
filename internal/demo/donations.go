package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// metaDonations records that the demonstration donations were made.
const metaDonations = "demo_donations_loaded_at"

// DonorPhone returns the phone number of the k-th demonstration donor (k
// from 1), in the 170 0000 range after the publishers'.
func DonorPhone(k int) string { return Phone(donorSeq + k) }

// donorSeq puts the donors' phone numbers after the publishers'.
const donorSeq = 500

// donors is how many demonstration donors sign in to give; the others give
// without an account.
const donors = 12

// The demonstration payments go through the sandbox provider, as a donor's
// would: our merchant id there is "sandbox".
const (
	demoProvider = "sandbox"
	demoMerchant = "sandbox"
)

// bigGift is the most one of the donations that take the "target reached"
// request to its target gives: a workplace's collection, say.
const bigGift = 20_000_00

// amounts are what demonstration donors give, in turn.
var amounts = []money.Fen{20_00, 50_00, 100_00, 200_00, 50_00, 30_00, 500_00, 100_00, 20_00, 66_00, 10_00, 200_00}

// messages are the demonstration donors' public messages, left on some
// donations.
var messages = []string{
	"加油，一定会好起来的！",
	"一点心意，祝早日康复。",
	"同是父母，感同身受，挺住！",
	"老乡，坚持住，大家都在。",
	"愿平安健康。",
	"转发了，希望更多人看到。",
}

// loadDonations makes the demonstration donations through the real path:
// an order as the donation form places it, and its payment confirmed as
// the sandbox's notification would (R-DON-1), so the ledger holds every
// one and verifies. Each request still fundraising gets 5 to 40 donations,
// a few through share links; the request whose spec says so is taken to
// its target by them, which closes it (R-PUB-4). Orders and payments have
// fixed keys (client token, transaction id), so running it again after a
// failure adds nothing twice.
func loadDonations(ctx context.Context, db *store.DB, v *vault.Vault, svc *donation.Service) (bool, error) {
	var done bool
	if err := db.Read(ctx, func(tx *store.Tx) (err error) { done, err = hasMeta(ctx, tx, metaDonations); return err }); err != nil || done {
		return false, err
	}
	// The demonstration payments are the sandbox's, whatever provider the
	// platform is configured with.
	s := *svc
	s.Merchant = map[string]string{demoProvider: demoMerchant}
	accounts := &account.Service{Vault: v}
	cs := campaign.Store{Vault: v}
	var targets []target
	var people []int64
	err := db.Write(ctx, func(tx *store.Tx) error {
		targets, people = nil, nil
		for k := 1; k <= donors; k++ {
			u, err := accounts.EnsureUser(ctx, tx, DonorPhone(k))
			if err != nil {
				return err
			}
			people = append(people, u.ID)
		}
		for i, sp := range specs {
			if sp.state != campaign.Fundraising && !sp.byDonations {
				continue
			}
			u, err := accounts.EnsureUser(ctx, tx, Phone(i+1))
			if err != nil {
				return err
			}
			reqs, err := cs.ListByPublisher(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			for _, r := range reqs {
				if r.State == campaign.Fundraising {
					targets = append(targets, target{n: i + 1, id: r.ID, spec: sp, amount: r.Filing.Target})
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	// One request after the other: donations to different requests at once
	// contend on PostgreSQL (the shares and orders they write share index
	// pages, which serializable isolation treats as conflicts), and a busy
	// machine could exhaust the retries; the demo gains nothing from it.
	for _, tg := range targets {
		if err := donateTo(ctx, db, &s, tg, people); err != nil {
			return false, err
		}
	}
	err = db.Write(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, metaDonations, tx.Now.Format(time.RFC3339)) })
	return err == nil, err
}

// target is a demonstration request to give to.
type target struct {
	n      int // the spec's number, from 1
	id     int64
	spec   spec
	amount money.Fen
}

// donateTo makes request tg's donations, in order.
func donateTo(ctx context.Context, db *store.DB, s *donation.Service, tg target, people []int64) error {
	hi := s.Max
	if hi <= 0 {
		hi = donation.DefaultMax
	}
	// Two donors share the request; the first share brings a few of the
	// donations.
	var shares []string
	for k := range 2 {
		sharer := people[(tg.n+k)%len(people)]
		token, fresh, err := shareOf(ctx, db, s, tg.id, sharer)
		if err != nil {
			return err
		}
		if fresh {
			for range 3 + tg.n%5 + 4*(1-k) {
				if err := s.Visit(ctx, token); err != nil {
					return err
				}
			}
		}
		shares = append(shares, token)
	}
	count := 5 + (tg.n*13)%36 // 5 to 40
	give := func(i int, amount money.Fen) (donation.Outcome, error) {
		in := donation.OrderInput{RequestID: tg.id, Amount: amount.String(), Provider: demoProvider,
			ClientToken: "demo-" + strconv.Itoa(tg.n) + "-" + strconv.Itoa(i)}
		switch {
		case i%4 == 1:
			in.Anonymous = true
		case i%3 == 0:
			in.DonorUserID = people[(tg.n+i)%len(people)]
		}
		if i%5 == 2 {
			in.Message = messages[(tg.n+i)%len(messages)]
		}
		if i%6 == 3 {
			in.ShareToken = shares[0]
		} else if i%11 == 7 {
			in.ShareToken = shares[1]
		}
		o, err := s.CreateOrder(ctx, in)
		if err != nil {
			return donation.Outcome{}, fmt.Errorf("demo donation %d to request %d: %w", i, tg.id, err)
		}
		out, err := s.Confirm(ctx, payment.Payment{Provider: demoProvider, OrderID: o.OrderNo,
			TransactionID: "demo-" + strconv.Itoa(tg.n) + "-" + strconv.Itoa(i), Merchant: demoMerchant,
			Amount: o.Amount, State: payment.Paid, PaidAt: o.CreatedAt})
		if err == nil && out.Quarantined {
			err = fmt.Errorf("demo donation %d to request %d was quarantined", i, tg.id)
		}
		return out, err
	}
	for i := range count {
		if _, err := give(i, min(amounts[(tg.n+i)%len(amounts)], hi)); err != nil {
			return err
		}
	}
	if !tg.spec.byDonations {
		return nil
	}
	// The rest of the target in large gifts; the one that reaches it closes
	// the channel.
	for i := count; ; i++ {
		var raised money.Fen
		if err := db.Read(ctx, func(tx *store.Tx) (err error) { raised, _, err = donation.Totals(ctx, tx, tg.id); return err }); err != nil {
			return err
		}
		if raised >= tg.amount {
			return nil
		}
		out, err := give(i, min(tg.amount-raised, bigGift, hi))
		if err != nil {
			return err
		}
		if out.ClosedNow || out.AfterClose {
			return nil
		}
	}
}

// shareOf returns the share link of request id by sharer, made now (fresh)
// unless one exists.
func shareOf(ctx context.Context, db *store.DB, s *donation.Service, id, sharer int64) (token string, fresh bool, err error) {
	err = db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT token FROM shares WHERE request_id = $1 AND sharer_user_id = $2 ORDER BY id LIMIT 1",
			id, sharer).Scan(&token)
	})
	if err == nil {
		return token, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", false, err
	}
	token, err = s.NewShare(ctx, id, sharer)
	return token, err == nil, err
}

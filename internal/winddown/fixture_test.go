package winddown

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// t0 is the drill's first day, 10:00 in China.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, Zone)

// fixture is a wind-down service on a fresh database with a real ledger,
// the real approvals, the real refund service paying back through the
// sandbox provider (its book in the database), and admins and finance.
type fixture struct {
	t          testing.TB
	ctx        context.Context
	db         *store.DB
	s          *Service
	l          *ledger.Ledger
	refunds    *refund.Service
	sb         *payment.Sandbox
	v          *vault.Vault
	cs         campaign.Store
	mu         sync.Mutex
	now        time.Time
	n          int
	publisher  int64
	adm1, adm2 staff.Staff
	fin        staff.Staff
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	f := &fixture{t: t, ctx: context.Background(), db: db, now: t0}
	db.SetClock(f.clock)
	f.l = ledger.New(db, ledger.Options{})
	t.Cleanup(f.l.Close)
	f.v = vault.New(keys)
	f.cs = campaign.Store{Vault: f.v}
	f.sb = payment.NewSandbox(payment.SandboxConfig{Key: []byte(strings.Repeat("s", 32)), ManualDelivery: true,
		RefundBook: refund.SandboxBook{DB: db}, Now: f.clock})
	t.Cleanup(f.sb.Close)
	f.refunds = &refund.Service{DB: db, Ledger: f.l, Providers: map[string]payment.Provider{"sandbox": f.sb},
		Options: refund.Options{RatePerSecond: 1e6, Workers: 8, Page: 100, Chunk: 37}, Now: f.clock}
	f.s = &Service{DB: db, Campaigns: f.cs, Approvals: staff.NewApprovals(), Refunds: f.refunds, Now: f.clock}
	f.s.Approvals.Register(staff.KindWindDown, f.s.Executor())
	f.publisher = f.user("publisher")
	f.adm1, f.adm2 = f.staff("adm1", staff.Admin), f.staff("adm2", staff.Admin)
	f.fin = f.staff("fin1", staff.Finance)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// at moves the clock to day d of the drill, at 10:00.
func (f *fixture) at(d int) {
	f.mu.Lock()
	f.now = t0.AddDate(0, 0, d)
	f.mu.Unlock()
}

func (f *fixture) write(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	if err := f.db.Write(f.ctx, func(tx *store.Tx) error { return fn(f.ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) read(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	if err := f.db.Read(f.ctx, func(tx *store.Tx) error { return fn(f.ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) user(name string) int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		id, err = campaigntest.User(ctx, tx, f.v, name)
		return err
	})
	return id
}

func (f *fixture) staff(name string, role staff.Role) staff.Staff {
	f.t.Helper()
	var s staff.Staff
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		s, _, err = staff.Create(ctx, tx, stafftest.Sealer(f.t), name, role, "correct horse battery")
		return err
	})
	return s
}

// fundraising creates a request raising money.
func (f *fixture) fundraising() int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		id, err = campaigntest.Fundraising(ctx, tx, f.cs, f.publisher, campaigntest.Filing(), 0)
		return err
	})
	return id
}

// close closes request id's channel for reason.
func (f *fixture) close(id int64, reason campaign.CloseReason) {
	f.t.Helper()
	f.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := f.cs.Close(ctx, tx, id, campaign.Closing{Reason: reason}, "", "staff:1")
		return err
	})
}

// donate records a paid donation of amount to request req as the donation
// service does: an order paid at the sandbox, its ledger entry psp:sandbox
// → request:R, and the donation row (after_close when the channel had
// closed).
func (f *fixture) donate(req int64, amount money.Fen, afterClose bool) {
	f.t.Helper()
	f.n++
	order := fmt.Sprintf("ord%021d", f.n)
	if _, err := f.sb.Create(f.ctx, payment.Order{ID: order, Amount: amount, Description: "gift", NotifyURL: "http://x/n"}); err != nil {
		f.t.Fatal(err)
	}
	p, err := f.sb.Pay(f.ctx, order)
	if err != nil {
		f.t.Fatal(err)
	}
	posted, err := f.l.Post(f.ctx, ledger.Transfer("sandbox:"+p.TransactionID, "donation", "psp:sandbox", refund.RequestAccount(req), amount))
	if err != nil {
		f.t.Fatal(err)
	}
	after := 0
	if afterClose {
		after = 1
	}
	donor := f.user("donor" + strconv.Itoa(f.n))
	f.write(func(ctx context.Context, tx *store.Tx) error {
		now := tx.Now.UnixMicro()
		var oid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO donation_orders (order_no, request_id, amount_fen, donor_user_id,
			anonymous, message_flagged, provider, client_token, state, created_at, expires_at, paid_at)
			VALUES ($1, $2, $3, $4, 0, 0, 'sandbox', $1, 'paid', $5, $5, $5) RETURNING id`,
			order, req, int64(amount), donor, now).Scan(&oid); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO donations (order_id, request_id, amount_fen, entry_id, provider,
			transaction_id, donor_user_id, anonymous, message_flagged, after_close, paid_at, created_at)
			VALUES ($1, $2, $3, $4, 'sandbox', $5, $6, 0, 0, $7, $8, $8)`,
			oid, req, int64(amount), posted.ID, p.TransactionID, donor, after, now)
		return err
	})
}

// approvePayout records a payout of amount for request req approved by
// four eyes and not yet executed by the bank, as package payout leaves it:
// the row, approved, and its entry request:R → payable:payout:X. It
// returns the payout's id.
func (f *fixture) approvePayout(req int64, amount money.Fen) int64 {
	f.t.Helper()
	f.n++
	tok := make([]byte, 16)
	rand.Read(tok)
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) error {
		key, err := f.v.NewKey(ctx, tx)
		if err != nil {
			return err
		}
		h := hex.EncodeToString(append(tok, tok...))
		return tx.QueryRowContext(ctx, `INSERT INTO payouts (request_id, applicant_user_id, idem_key, content_index, state, mode,
			amount_fen, purpose, payee_kind, bank_name, batch, key_id, seal_token, payee_sealed, account_index, account_masked,
			attempts, created_at)
			VALUES ($1, $2, $3, $4, 'in_review', 'direct', $5, '化疗费用', 'requester', '建设银行', 0, $6, $7, $8, $4, '6222********0128',
			0, $9) RETURNING id`,
			req, f.publisher, "k"+strconv.Itoa(f.n), h, int64(amount), key.ID, hex.EncodeToString(tok), []byte{1},
			tx.Now.UnixMicro()).Scan(&id)
	})
	approve, err := f.l.Post(f.ctx, ledger.Transfer(fmt.Sprintf("test:payout:%d:approve", id), "payout",
		refund.RequestAccount(req), payable(id), amount))
	if err != nil {
		f.t.Fatal(err)
	}
	f.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE payouts SET state = 'approved', approve_entry_id = $2, approved_at = $3 WHERE id = $1`,
			id, approve.ID, tx.Now.UnixMicro())
		return err
	})
	return id
}

// payPayout records the bank's execution of payout id: payable:payout:X →
// bank:custody.
func (f *fixture) payPayout(id int64, amount money.Fen) {
	f.t.Helper()
	if _, err := f.l.Post(f.ctx, ledger.Transfer(fmt.Sprintf("test:payout:%d:paid", id), "payout", payable(id), "bank:custody", amount)); err != nil {
		f.t.Fatal(err)
	}
	f.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE payouts SET state = 'paid', transfer_id = $2, paid_at = $3 WHERE id = $1`,
			id, "T"+strconv.FormatInt(id, 10), tx.Now.UnixMicro())
		return err
	})
}

func payable(id int64) string { return "payable:payout:" + strconv.FormatInt(id, 10) }

func (f *fixture) balance(name string) money.Fen {
	f.t.Helper()
	b, err := f.l.Balance(f.ctx, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	f.read(func(ctx context.Context, tx *store.Tx) error { return tx.QueryRowContext(ctx, query, args...).Scan(&n) })
	return n
}

func (f *fixture) state(id int64) campaign.State {
	f.t.Helper()
	var st campaign.State
	f.read(func(ctx context.Context, tx *store.Tx) (err error) {
		st, err = f.cs.State(ctx, tx, id)
		return err
	})
	return st
}

// fund tops the sandbox's refund balance up to what is due, as the
// platform's funding job does from custody.
func (f *fixture) fund(ref string) {
	f.t.Helper()
	due, err := f.refunds.Due(f.ctx, "sandbox")
	if err != nil {
		f.t.Fatal(err)
	}
	bal, err := f.sb.RefundBalance(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	if due > bal {
		if err := f.sb.Fund(f.ctx, ref, due-bal); err != nil {
			f.t.Fatal(err)
		}
	}
}

// refundJobs runs the refund jobs as the server does (after-close runs,
// funding, dispatch, poll) until nothing more is sent at this clock;
// bounded by count.
func (f *fixture) refundJobs(day int) {
	f.t.Helper()
	if _, err := f.refunds.RefundAfterClose(f.ctx); err != nil {
		f.t.Fatal(err)
	}
	for i := range 50 {
		f.fund(fmt.Sprintf("WD%dx%d", day, i))
		res, err := f.refunds.Dispatch(f.ctx, 1000)
		if err != nil {
			f.t.Fatal(err)
		}
		n, err := f.refunds.Poll(f.ctx, 1000)
		if err != nil {
			f.t.Fatal(err)
		}
		if res.Sent == 0 && n == 0 {
			return
		}
	}
}

func (f *fixture) advance() Advanced {
	f.t.Helper()
	a, err := f.s.Advance(f.ctx)
	if err != nil {
		f.t.Fatalf("Advance: %v", err)
	}
	return a
}

func rec(s staff.Staff, action string) audit.Record {
	return audit.Record{Actor: s.Actor(), Action: action, Object: "platform", Result: audit.ResultOK, Source: "192.0.2.1"}
}

func proposal() Proposal {
	return Proposal{Reason: "民政部撤销本平台的指定", Notice: "本平台的个人求助网络服务平台指定已被撤销，自即日起停止筹款。",
		WithdrawnOn: "2026-03-01", MinistryRef: "民函〔2026〕12号"}
}

func describe(err error) string {
	if err == nil {
		return ""
	}
	e := apperr.As(err)
	if e == nil {
		return "not an apperr: " + err.Error()
	}
	s := string(e.Code)
	if e.Key != "" {
		s += " " + e.Key
	}
	for _, f := range e.Fields {
		s += " " + f.Field + ":" + f.Key
	}
	return s
}

func wantErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := describe(err); got != want {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

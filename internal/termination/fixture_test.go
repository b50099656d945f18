package termination

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// fakeRefunder records the runs it is asked to start; the same key returns
// the same run, as the refund service does.
type fakeRefunder struct {
	mu    sync.Mutex
	calls []RefundInput
	fail  error
}

func (f *fakeRefunder) StartRun(_ context.Context, in RefundInput) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return "", f.fail
	}
	f.calls = append(f.calls, in)
	return "run-" + in.Key, nil
}

func (f *fakeRefunder) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// fakeIdentities is the publishers' verified identities.
type fakeIdentities map[int64]string

func (f fakeIdentities) VerifiedIdentity(_ context.Context, _ *store.Tx, userID int64) (account.Identity, error) {
	if n, ok := f[userID]; ok {
		return account.Identity{UserID: userID, Verified: true, Name: "张三", Number: n}, nil
	}
	return account.Identity{}, apperr.New(apperr.NotFound, "")
}

// fixture is a termination service on a fresh database with a real ledger
// and the real approvals, one fundraising request with donations, and
// staff of every role that matters.
type fixture struct {
	t                    *testing.T
	db                   *store.DB
	s                    *Service
	refunder             *fakeRefunder
	publisher, req       int64
	rev1, rev2, adm1     staff.Staff
	adm2, fin            staff.Staff
	now                  time.Time
	n                    int
	publisherID, patient string
}

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, campaignZone)

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	l := ledger.New(db, ledger.Options{})
	t.Cleanup(l.Close)
	f := &fixture{t: t, db: db, now: t0, refunder: &fakeRefunder{}}
	db.SetClock(func() time.Time { return f.now })
	v := vault.New(keys)
	f.s = &Service{DB: db, Ledger: l, Vault: v, Campaigns: campaign.Store{Vault: v}, Approvals: staff.NewApprovals(),
		Refunder: f.refunder, Now: func() time.Time { return f.now }}
	f.s.Approvals.Register(staff.KindTermination, f.s.Executor())
	f.s.Approvals.Register(staff.KindBlacklist, blacklist.Executor())
	f.publisher = f.user("publisher")
	f.publisherID = f.idNumber()
	f.s.Identities = fakeIdentities{f.publisher: f.publisherID}
	f.patient = f.idNumber()
	fl := campaigntest.Filing()
	fl.PatientID = f.patient
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		f.req, err = campaigntest.Fundraising(ctx, tx, f.s.Campaigns, f.publisher, fl, 0)
		return err
	})
	f.rev1, f.rev2 = f.staff("rev1", staff.Reviewer), f.staff("rev2", staff.Reviewer)
	f.adm1, f.adm2 = f.staff("adm1", staff.Admin), f.staff("adm2", staff.Admin)
	f.fin = f.staff("fin1", staff.Finance)
	return f
}

func (f *fixture) write(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.db.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) read(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.db.Read(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) user(name string) int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		id, err = campaigntest.User(ctx, tx, f.s.Vault, name)
		return err
	})
	return id
}

func (f *fixture) idNumber() string {
	f.t.Helper()
	f.n++
	first17 := fmt.Sprintf("110105198001%02d%03d", (f.n/1000)%28+1, f.n%1000)
	c, err := idcard.CheckChar(first17)
	if err != nil {
		f.t.Fatal(err)
	}
	return first17 + string(c)
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

// relate records staff member s as related to user u (review's conflicts).
func (f *fixture) relate(s staff.Staff, u int64) {
	f.t.Helper()
	f.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO review_conflicts (staff_id, user_id, note, added_by, added_at)
			VALUES ($1, $2, 'test', 'staff:1', $3)`, s.ID, u, tx.Now.UnixMicro())
		return err
	})
}

// fund posts a donation of amount to the request.
func (f *fixture) fund(amount money.Fen) {
	f.t.Helper()
	f.n++
	if _, err := f.s.Ledger.Post(context.Background(), ledger.Transfer(fmt.Sprintf("test:donation:%d", f.n), "donation",
		"psp:sandbox", RequestAccount(f.req), amount)); err != nil {
		f.t.Fatal(err)
	}
}

// paid records a payout of amount paid by the bank, as package payout
// does: its two ledger entries and its row, paid.
func (f *fixture) paid(amount money.Fen) {
	f.t.Helper()
	f.n++
	ctx := context.Background()
	approve, err := f.s.Ledger.Post(ctx, ledger.Transfer(fmt.Sprintf("test:payout:approve:%d", f.n), "payout",
		RequestAccount(f.req), fmt.Sprintf("payable:payout:t%d", f.n), amount))
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.s.Ledger.Post(ctx, ledger.Transfer(fmt.Sprintf("test:payout:paid:%d", f.n), "payout",
		fmt.Sprintf("payable:payout:t%d", f.n), "bank:custody", amount)); err != nil {
		f.t.Fatal(err)
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	f.write(func(ctx context.Context, tx *store.Tx) error {
		key, err := f.s.Vault.NewKey(ctx, tx)
		if err != nil {
			return err
		}
		h := hex.EncodeToString(append(tok, tok...))
		_, err = tx.ExecContext(ctx, `INSERT INTO payouts (request_id, applicant_user_id, idem_key, content_index, state, mode,
			amount_fen, purpose, payee_kind, bank_name, batch, key_id, seal_token, payee_sealed, account_index, account_masked,
			approve_entry_id, attempts, transfer_id, created_at, approved_at, paid_at)
			VALUES ($1, $2, $3, $4, 'paid', 'direct', $5, '化疗费用', 'requester', '建设银行', 0, $6, $7, $8, $4, '6222********0128',
			$9, 1, $10, $11, $11, $11)`,
			f.req, f.publisher, "k"+strconv.Itoa(f.n), h, int64(amount), key.ID, hex.EncodeToString(tok), []byte{1},
			approve.ID, "T"+strconv.Itoa(f.n), tx.Now.UnixMicro())
		return err
	})
}

func (f *fixture) balance(name string) money.Fen {
	f.t.Helper()
	b, err := f.s.Ledger.Balance(context.Background(), name)
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

func (f *fixture) state() campaign.State {
	f.t.Helper()
	var st campaign.State
	f.read(func(ctx context.Context, tx *store.Tx) (err error) {
		st, err = f.s.Campaigns.State(ctx, tx, f.req)
		return err
	})
	return st
}

func rec(s staff.Staff, action string) audit.Record {
	return audit.Record{Actor: s.Actor(), Action: action, Object: "request", Result: audit.ResultOK, Source: "192.0.2.1"}
}

func (f *fixture) suspend() {
	f.t.Helper()
	if _, err := f.s.Suspend(context.Background(), rec(f.rev1, "request.suspend"), f.rev1,
		SuspendInput{RequestID: f.req, Notice: "平台核查中，暂停筹款", Reason: "举报：隐瞒房产"}); err != nil {
		f.t.Fatalf("Suspend: %s", describe(err))
	}
}

func (f *fixture) proposal() Proposal {
	return Proposal{RequestID: f.req, Reason: "核实发现隐瞒两套房产并虚报费用", PublicReason: "经核实，发起人隐瞒家庭财产",
		Findings: []Finding{Concealment, Fabrication}}
}

func (f *fixture) propose(by staff.Staff, evidence ...Upload) Termination {
	f.t.Helper()
	t, err := f.s.Propose(context.Background(), rec(by, "termination.propose"), by, f.proposal(), evidence)
	if err != nil {
		f.t.Fatalf("Propose: %s", describe(err))
	}
	return t
}

// pngFile is a small valid image.
func pngFile(t *testing.T) *bytes.Reader {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b.Bytes())
}

func (f *fixture) verify() {
	f.t.Helper()
	if _, err := ledger.Verify(context.Background(), f.db); err != nil {
		f.t.Fatalf("ledger.Verify: %v", err)
	}
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

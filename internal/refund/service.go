package refund

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// Options tunes the service; the zero value is the defaults.
type Options struct {
	// RatePerSecond is the most refund calls per second sent to one
	// provider (a token bucket); default 100.
	RatePerSecond float64
	// Schedule is how long after a closed or abnormal attempt the next one
	// goes out; DefaultSchedule when nil. After the last, charity.
	Schedule []time.Duration
	// PollAfter is how long a refund may stay processing before Poll asks
	// its provider; default 10 minutes.
	PollAfter time.Duration
	// ResendAfter is when a refund marked sending whose answer was never
	// recorded (a crash) is sent again, same number; default 1 minute.
	ResendAfter time.Duration
	// Backoff is the wait after a provider's ErrRateLimited or another
	// failed call; default 30 seconds.
	Backoff time.Duration
	// Senders is how many refunds Dispatch has with the providers at once
	// (each call waits for the rate limit first); default 8. More let the
	// ledger batch more outcome entries per commit when the rate is high.
	Senders int
	// Workers is how many refund entries are posted at once; default 2048
	// (enough to keep the ledger's batches full).
	Workers int
	// Page is how many refunds are read at once to be ledgered; default 5000.
	Page int
	// Chunk is how many refunds one INSERT writes; default 2000.
	Chunk int
	// NotifyURL returns the URL a provider posts its refund notifications
	// to; empty when nil.
	NotifyURL func(provider string) string
}

// Service holds the use cases of refunds, each one transaction or one
// ledger Post (a run: one transaction for its plan, then one entry per
// refund, batched by the ledger's group commit).
//
// Starting: StartRun (the contract other packages call), DonorRequest,
// DeclarePurposeEnded, StaffDeclarePurposeEnded, RefundAfterClose.
// Ledgering: Resume (the refund-ledger job). Execution: Dispatch, Settle,
// Poll, Notify, StaffToCharity. Reading: Refundable, Mine, Runs, Run,
// ByRequest.
type Service struct {
	DB        *store.DB
	Ledger    *ledger.Ledger
	Providers map[string]payment.Provider
	Options   Options
	// Now is the clock of the schedule; time.Now when nil.
	Now func() time.Time
	// Log receives what is refused or quarantined; discarded when nil.
	Log *slog.Logger

	once    sync.Once
	mu      sync.Mutex
	buckets map[string]*bucket
}

func (s *Service) init() {
	s.once.Do(func() {
		o := &s.Options
		if o.RatePerSecond <= 0 {
			o.RatePerSecond = 100
		}
		if o.Schedule == nil {
			o.Schedule = DefaultSchedule
		}
		if o.PollAfter <= 0 {
			o.PollAfter = 10 * time.Minute
		}
		if o.ResendAfter <= 0 {
			o.ResendAfter = time.Minute
		}
		if o.Backoff <= 0 {
			o.Backoff = 30 * time.Second
		}
		if o.Senders <= 0 {
			o.Senders = 8
		}
		if o.Workers <= 0 {
			o.Workers = 2048
		}
		if o.Page <= 0 {
			o.Page = 5000
		}
		if o.Chunk <= 0 {
			o.Chunk = 2000
		}
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
		s.buckets = map[string]*bucket{}
	})
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Refundable returns what a run of the request may give back now: the
// money request:R holds (approved payouts have already left it), less the
// outstanding recovery receivable, less refunds planned but not yet
// ledgered, less the after-close payments not yet refunded (their own run
// gives them back whole).
func (s *Service) Refundable(ctx context.Context, requestID int64) (money.Fen, error) {
	var r money.Fen
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		r, err = refundable(ctx, tx, requestID, false)
		return err
	})
	return r, err
}

// StartRun decides a run: in one transaction it checks the amount against
// what the request may give back, splits it (pro rata over the request's
// donations by what each can still get back, or whole for the donations a
// donor or after-close run names), and writes the run and its refunds;
// then it posts every refund's entry (Resume). The same Key returns the
// first run (Replayed), finishing its ledgering if a crash interrupted it.
//
// Errors: Invalid for a malformed input or an amount above what the
// donations can get back (KeyTooMuch); Conflict KeyInsufficient for more
// than the request can give back, KeyNothing when there is nothing to
// give back.
func (s *Service) StartRun(ctx context.Context, in RunInput) (Run, error) {
	s.init()
	if err := in.Validate(); err != nil {
		return Run{}, err
	}
	var run Run
	var replay bool
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		run, replay, err = s.plan(ctx, tx, in)
		return err
	})
	if err != nil {
		return Run{}, err
	}
	if run.State == RunLedgering {
		if err := s.ledgerRun(ctx, run.ID, run.RequestID); err != nil {
			return Run{}, err
		}
	}
	out, err := s.Run(ctx, run.ID)
	out.Replayed = replay
	return out, err
}

// plan writes a run and its refunds; it returns the run of the same key if
// there is one.
func (s *Service) plan(ctx context.Context, tx *store.Tx, in RunInput) (Run, bool, error) {
	if old, ok, err := runByKey(ctx, tx, in.Key); err != nil || ok {
		if ok && (old.RequestID != in.RequestID || old.Cause != in.Cause) {
			return Run{}, false, apperr.New(apperr.Conflict, KeyKeyReused)
		}
		return old, ok, err
	}
	if _, err := readRequest(ctx, tx, in.RequestID); err != nil {
		return Run{}, false, err
	}
	var sh []Share
	var err error
	switch in.Cause {
	case CauseDonor:
		sh, err = shares(ctx, tx, in.RequestID, false, in.DonationID)
	case CauseAfterClose:
		sh, err = shares(ctx, tx, in.RequestID, true, 0)
	default:
		sh, err = shares(ctx, tx, in.RequestID, false, 0)
	}
	if err != nil {
		return Run{}, false, err
	}
	var left money.Fen
	for _, x := range sh {
		left += x.Left()
	}
	may, err := refundable(ctx, tx, in.RequestID, in.Cause == CauseAfterClose)
	if err != nil {
		return Run{}, false, err
	}
	if in.Cause == CauseDonor && (len(sh) == 0 || sh[0].Refunded > 0) {
		// Another of the donor's requests came first (only once).
		return Run{}, false, apperr.New(apperr.Conflict, KeyAlready)
	}
	amount := in.Amount
	if amount == 0 {
		amount = min(left, may)
	}
	switch {
	case amount > left:
		return Run{}, false, apperr.New(apperr.Invalid, KeyTooMuch)
	case amount > may:
		return Run{}, false, apperr.New(apperr.Conflict, KeyInsufficient)
	case amount == 0:
		return Run{}, false, apperr.New(apperr.Conflict, KeyNothing)
	}
	var parts []money.Fen
	if in.Cause.ProRata() {
		parts, err = Split(amount, sh)
		if err != nil {
			return Run{}, false, apperr.Wrap(err, apperr.Invalid, KeyTooMuch)
		}
	} else {
		// Whole: each named donation gets what it can still get back, up
		// to the amount, in id order.
		parts = make([]money.Fen, len(sh))
		rest := amount
		for i, x := range sh {
			parts[i] = min(x.Left(), rest)
			rest -= parts[i]
		}
	}
	var n int64
	for _, p := range parts {
		if p > 0 {
			n++
		}
	}
	id, err := insertRun(ctx, tx, in, amount, n)
	if err != nil {
		return Run{}, false, err
	}
	if _, err := audit.Append(ctx, tx, audit.Record{Actor: in.Actor, Action: "refund.run.start",
		Object: "refund_run:" + strconv.FormatInt(id, 10), Result: audit.ResultOK,
		Detail: fmt.Sprintf("request %d, cause %s, %d fen to %d donations", in.RequestID, in.Cause, amount, n)}); err != nil {
		return Run{}, false, err
	}
	ids := make([]int64, 0, min(s.Options.Chunk, int(n)))
	amounts := make([]int64, 0, cap(ids))
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		err := insertRefunds(ctx, tx, id, in.RequestID, ids, amounts)
		ids, amounts = ids[:0], amounts[:0]
		return err
	}
	for i, p := range parts {
		if p == 0 {
			continue
		}
		ids, amounts = append(ids, sh[i].ID), append(amounts, int64(p))
		if len(ids) == s.Options.Chunk {
			if err := flush(); err != nil {
				return Run{}, false, err
			}
		}
	}
	if err := flush(); err != nil {
		return Run{}, false, err
	}
	run, err := runByID(ctx, tx, id)
	return run, false, err
}

// ledgerRun posts the entry of every refund of a run not yet posted, many
// at once so that the ledger's group commit batches them, then marks the
// run ledgered. A crash leaves it to Resume, which posts only what is
// missing; a replayed entry is harmless.
func (s *Service) ledgerRun(ctx context.Context, run, request int64) error {
	s.init()
	var after int64
	work := make(chan pending, s.Options.Workers)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	debit, credit := RequestAccount(request), PayableAccount(run)
	for range s.Options.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				_, err := s.Ledger.Post(ctx, ledger.Transfer(entryKey(p.id), "refund", debit, credit, p.amount))
				if err != nil {
					select {
					case errc <- fmt.Errorf("refund %d: %w", p.id, err):
					default:
					}
					cancel()
				}
			}
		}()
	}
	var readErr error
	for ctx.Err() == nil {
		var page []pending
		readErr = s.DB.Read(ctx, func(tx *store.Tx) (err error) {
			page, err = unposted(ctx, tx, run, after, s.Options.Page)
			return err
		})
		if readErr != nil || len(page) == 0 {
			break
		}
		for _, p := range page {
			select {
			case work <- p:
			case <-ctx.Done():
			}
		}
		after = page[len(page)-1].id
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	if readErr != nil {
		return readErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		ok, err := markLedgered(ctx, tx, run)
		if err == nil && !ok {
			err = apperr.New(apperr.Unavailable, "refund.ledgering")
		}
		return err
	})
}

// Resume finishes the runs left half-ledgered (a crash, a stopped
// process): the refund-ledger job. It returns how many it finished.
func (s *Service) Resume(ctx context.Context) (int, error) {
	s.init()
	var ids []int64
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		ids, err = ledgeringRuns(ctx, tx)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		r, err := s.Run(ctx, id)
		if err != nil {
			return n, err
		}
		if err := s.ledgerRun(ctx, id, r.RequestID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Run returns a run with its progress.
func (s *Service) Run(ctx context.Context, id int64) (Run, error) {
	var r Run
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if r, err = runByID(ctx, tx, id); err != nil {
			return err
		}
		r.Progress, err = progress(ctx, tx, id)
		return err
	})
	return r, err
}

// Runs lists runs, newest first, without their progress (Run has it).
func (s *Service) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	var rs []Run
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		rs, err = listRuns(ctx, tx, f)
		return err
	})
	return rs, err
}

// Mine returns the refunds of a donor's donations, newest first: for "my
// donations" and the receipt (refund state and amount per donation).
func (s *Service) Mine(ctx context.Context, userID int64) ([]Refund, error) {
	var rs []Refund
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		rs, err = mine(ctx, tx, userID)
		return err
	})
	return rs, err
}

// ByRequest returns a request's refund totals for its public figures.
func (s *Service) ByRequest(ctx context.Context, requestID int64) (Totals, error) {
	var t Totals
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		t, err = totals(ctx, tx, requestID)
		return err
	})
	return t, err
}

// DonorRequest is a donor's own refund request under policy P: the
// signed-in donor's own donation, in full, once, while none of the
// request's money was paid out or once it is terminated. key is the
// client's Idempotency-Key: asking again with it returns the first run.
// The refusals are DonorMay's.
func (s *Service) DonorRequest(ctx context.Context, userID, donationID int64, key string) (Run, error) {
	if key == "" || len(key) > 100 {
		return Run{}, apperr.New(apperr.Invalid, "refund.key_invalid", 100)
	}
	runKey := "donor:" + strconv.FormatInt(userID, 10) + ":" + key
	var in RunInput
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, ok, err := runByKey(ctx, tx, runKey); err != nil || ok {
			d, _ := readDonation(ctx, tx, donationID)
			in = RunInput{RequestID: d.RequestID, Cause: CauseDonor, DonationID: donationID}
			return err
		}
		d, err := readDonation(ctx, tx, donationID)
		if err != nil {
			return apperr.New(apperr.NotFound, KeyNotYours)
		}
		r, err := readRequest(ctx, tx, d.RequestID)
		if err != nil {
			return err
		}
		if err := DonorMay(userID, d, r); err != nil {
			return err
		}
		amount, err := DonorAmount(0, d)
		if err != nil {
			return err
		}
		in = RunInput{RequestID: d.RequestID, Cause: CauseDonor, Amount: amount, DonationID: donationID}
		return nil
	})
	if err != nil {
		s.init()
		s.Log.Info("refused a donor's refund request", "user", userID, "donation", donationID, "err", err)
		return Run{}, err
	}
	in.Actor = "user:" + strconv.FormatInt(userID, 10)
	in.Reason = "donor's request"
	in.Key = runKey
	return s.StartRun(ctx, in)
}

// DeclarePurposeEnded is the publisher's declaration that the purpose of
// their request was achieved or is gone (R-REF-1): the unspent balance is
// refunded pro rata. key is the client's Idempotency-Key.
func (s *Service) DeclarePurposeEnded(ctx context.Context, userID, requestID int64, key string) (Run, error) {
	return s.declare(ctx, userID, false, "user:"+strconv.FormatInt(userID, 10), requestID, "", key)
}

// StaffDeclarePurposeEnded is staff recording that a request's purpose was
// achieved or is gone (R-REF-1), with a reason; actor is "staff:<id>".
func (s *Service) StaffDeclarePurposeEnded(ctx context.Context, actor string, requestID int64, reason, key string) (Run, error) {
	return s.declare(ctx, 0, true, actor, requestID, reason, key)
}

func (s *Service) declare(ctx context.Context, userID int64, staff bool, actor string, requestID int64, reason, key string) (Run, error) {
	if key == "" || len(key) > 100 {
		return Run{}, apperr.New(apperr.Invalid, "refund.key_invalid", 100)
	}
	runKey := "purpose:" + strconv.FormatInt(requestID, 10) + ":" + key
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, ok, err := runByKey(ctx, tx, runKey); err != nil || ok {
			return err
		}
		r, err := readRequest(ctx, tx, requestID)
		if err != nil {
			if !staff {
				return apperr.New(apperr.NotFound, KeyNotPublisher)
			}
			return err
		}
		return PurposeEndedMay(userID, staff, r)
	})
	if err != nil {
		s.init()
		s.Log.Info("refused a declaration of a purpose's end", "actor", actor, "request", requestID, "err", err)
		return Run{}, err
	}
	if reason == "" {
		reason = "purpose achieved or gone"
	}
	return s.StartRun(ctx, RunInput{RequestID: requestID, Cause: CausePurposeEnded, Reason: reason, Actor: actor, Key: runKey})
}

// RefundAfterClose starts a run for every request with payments that
// arrived after its channel closed and are not yet refunded, each refunded
// whole (R-PUB-4). It returns the runs started.
func (s *Service) RefundAfterClose(ctx context.Context) ([]Run, error) {
	var reqs [][2]int64
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		reqs, err = afterCloseRequests(ctx, tx, 1000)
		return err
	}); err != nil {
		return nil, err
	}
	var runs []Run
	for _, r := range reqs {
		run, err := s.StartRun(ctx, RunInput{RequestID: r[0], Cause: CauseAfterClose, Actor: "system",
			Reason: "payment after the channel closed",
			Key:    "after_close:" + strconv.FormatInt(r[0], 10) + ":" + strconv.FormatInt(r[1], 10)})
		if hasKey(err, KeyNothing) {
			continue
		}
		if err != nil {
			return runs, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

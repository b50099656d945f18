package refund

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// The SQL of refunds, on *store.Tx. Times are Unix microseconds.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

const runColumns = `id, request_id, cause, amount_fen, refunds, state, actor, reason, created_at, ledgered_at, finished_at`

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var amount int64
	var created int64
	var ledgered, finished sql.NullInt64
	err := row.Scan(&r.ID, &r.RequestID, &r.Cause, &amount, &r.Refunds, &r.State, &r.Actor, &r.Reason, &created, &ledgered, &finished)
	r.Amount = money.Fen(amount)
	r.CreatedAt = time.UnixMicro(created).UTC()
	r.LedgeredAt, r.FinishedAt = fromMicros(ledgered), fromMicros(finished)
	return r, err
}

// runByKey returns the run started with key, if any.
func runByKey(ctx context.Context, tx *store.Tx, key string) (Run, bool, error) {
	r, err := scanRun(tx.QueryRowContext(ctx, "SELECT "+runColumns+" FROM refund_runs WHERE idem_key = $1", key))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	return r, err == nil, err
}

// runByID returns a run.
func runByID(ctx context.Context, tx *store.Tx, id int64) (Run, error) {
	r, err := scanRun(tx.QueryRowContext(ctx, "SELECT "+runColumns+" FROM refund_runs WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, apperr.New(apperr.NotFound, "refund.run_unknown")
	}
	return r, err
}

// readRequest reads what the policy knows of a request.
func readRequest(ctx context.Context, tx *store.Tx, id int64) (Request, error) {
	r := Request{ID: id}
	var reason sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT r.state, r.publisher_user_id, f.close_reason
		FROM requests r LEFT JOIN request_fundraising f ON f.request_id = r.id WHERE r.id = $1`, id).
		Scan(&r.State, &r.Publisher, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return Request{}, apperr.New(apperr.NotFound, "refund.request_unknown")
	}
	if err != nil {
		return Request{}, err
	}
	r.CloseReason = campaign.CloseReason(reason.String)
	var paidOut, open int
	err = tx.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN state IN ('approved', 'paying', 'paid') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state IN ('requested', 'in_review', 'needs_info', 'approved', 'paying') THEN 1 ELSE 0 END), 0)
		FROM payouts WHERE request_id = $1`, id).Scan(&paidOut, &open)
	r.PaidOut, r.PayoutOpen = paidOut > 0, open > 0
	return r, err
}

// readDonation reads what the policy knows of a donation.
func readDonation(ctx context.Context, tx *store.Tx, id int64) (Donation, error) {
	var d Donation
	var donor sql.NullInt64
	var amount, refunded int64
	var after int
	err := tx.QueryRowContext(ctx, `SELECT d.id, d.request_id, d.donor_user_id, d.amount_fen, d.after_close,
		(SELECT COALESCE(SUM(r.amount_fen), 0) FROM refunds r WHERE r.donation_id = d.id)
		FROM donations d WHERE d.id = $1`, id).Scan(&d.ID, &d.RequestID, &donor, &amount, &after, &refunded)
	if errors.Is(err, sql.ErrNoRows) {
		return Donation{}, apperr.New(apperr.NotFound, KeyNotYours)
	}
	d.DonorUserID, d.Amount, d.Refunded, d.AfterClose = donor.Int64, money.Fen(amount), money.Fen(refunded), after == 1
	return d, err
}

// balance returns an account's balance in its normal direction; zero for
// an account never posted to.
func balance(ctx context.Context, tx *store.Tx, name string) (money.Fen, error) {
	var b int64
	err := tx.QueryRowContext(ctx, "SELECT balance FROM ledger_accounts WHERE name = $1", name).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return money.Fen(b), err
}

// refundable is what a run of request may give back now: the balance of
// request:R (approved payouts have already left it for
// payable:payout:X) less the outstanding recovery receivable, less
// refunds planned but not yet ledgered, and less the after-close payments
// not yet refunded (which their own run gives back whole) unless
// withAfterClose.
func refundable(ctx context.Context, tx *store.Tx, request int64, withAfterClose bool) (money.Fen, error) {
	held, err := balance(ctx, tx, RequestAccount(request))
	if err != nil {
		return 0, err
	}
	recv, err := balance(ctx, tx, ReceivableAccount(request))
	if err != nil {
		return 0, err
	}
	var planned, after int64
	err = tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE request_id = $1 AND state = 'planned'`,
		request).Scan(&planned)
	if err != nil {
		return 0, err
	}
	if !withAfterClose {
		err = tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(d.amount_fen - (SELECT COALESCE(SUM(r.amount_fen), 0)
			FROM refunds r WHERE r.donation_id = d.id)), 0) FROM donations d WHERE d.request_id = $1 AND d.after_close = 1`,
			request).Scan(&after)
		if err != nil {
			return 0, err
		}
	}
	if recv < 0 {
		recv = 0
	}
	r := held - recv - money.Fen(planned) - money.Fen(after)
	if r < 0 {
		r = 0
	}
	return r, nil
}

// shares streams the donations a run spreads over, in id order, with what
// each has had back: the request's ordinary donations (pro rata), its
// after-close ones (afterClose), or one donation (only > 0).
func shares(ctx context.Context, tx *store.Tx, request int64, afterClose bool, only int64) ([]Share, error) {
	q := `SELECT d.id, d.amount_fen, COALESCE(SUM(r.amount_fen), 0)
		FROM donations d LEFT JOIN refunds r ON r.donation_id = d.id
		WHERE d.request_id = $1 AND d.after_close = $2 AND ($3 = 0 OR d.id = $3)
		GROUP BY d.id, d.amount_fen ORDER BY d.id`
	after := 0
	if afterClose {
		after = 1
	}
	var out []Share
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var s Share
		var gave, refunded int64
		if err := rows.Scan(&s.ID, &gave, &refunded); err != nil {
			return err
		}
		s.Gave, s.Refunded = money.Fen(gave), money.Fen(refunded)
		out = append(out, s)
		return nil
	}, q, request, after, only)
	return out, err
}

// insertRun writes a run and returns its id.
func insertRun(ctx context.Context, tx *store.Tx, in RunInput, amount money.Fen, n int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO refund_runs (request_id, cause, amount_fen, refunds, state, actor, reason,
		idem_key, created_at) VALUES ($1, $2, $3, $4, 'ledgering', $5, $6, $7, $8) RETURNING id`,
		in.RequestID, string(in.Cause), int64(amount), n, in.Actor, in.Reason, in.Key, micros(tx.Now)).Scan(&id)
	return id, err
}

// insertRefunds writes the refunds of a run for donations ids, amounts in
// the same order, in one statement, copying each donation's provider,
// order and transaction (R-DON-2).
func insertRefunds(ctx context.Context, tx *store.Tx, run, request int64, ids, amounts []int64) error {
	now := micros(tx.Now)
	if tx.Dialect == store.Postgres {
		_, err := tx.ExecContext(ctx, `INSERT INTO refunds (run_id, donation_id, request_id, provider, order_no,
			transaction_id, total_fen, amount_fen, state, attempt, out_refund_no, next_at, created_at, updated_at)
			SELECT $1::bigint, d.id, d.request_id, d.provider, o.order_no, d.transaction_id, d.amount_fen, j.amount, 'planned', 1,
				'CF' || $1::bigint::text || 'D' || d.id::text || 'A1', $2::bigint, $2::bigint, $2::bigint
			FROM unnest($3::bigint[], $4::bigint[]) AS j (id, amount)
			JOIN donations d ON d.id = j.id JOIN donation_orders o ON o.id = d.order_id
			WHERE d.request_id = $5 ORDER BY d.id`, run, now, ids, amounts, request)
		return err
	}
	b := make([]byte, 0, 20*len(ids)+2)
	b = append(b, '[')
	for i := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, ids[i], 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, amounts[i], 10)
		b = append(b, ']')
	}
	b = append(b, ']')
	_, err := tx.ExecContext(ctx, `INSERT INTO refunds (run_id, donation_id, request_id, provider, order_no,
		transaction_id, total_fen, amount_fen, state, attempt, out_refund_no, next_at, created_at, updated_at)
		SELECT $1, d.id, d.request_id, d.provider, o.order_no, d.transaction_id, d.amount_fen,
			json_extract(je.value, '$[1]'), 'planned', 1, 'CF' || $1 || 'D' || d.id || 'A1', $2, $2, $2
		FROM json_each($3) AS je CROSS JOIN donations d ON d.id = json_extract(je.value, '$[0]')
		CROSS JOIN donation_orders o ON o.id = d.order_id
		WHERE d.request_id = $4 ORDER BY d.id`, run, now, string(b), request)
	return err
}

// pending is a planned refund whose entry is to be posted.
type pending struct {
	id     int64
	amount money.Fen
}

// unposted returns up to limit planned refunds of a run after id after
// whose refund entry is not posted, in id order.
func unposted(ctx context.Context, tx *store.Tx, run, after int64, limit int) ([]pending, error) {
	q := `SELECT r.id, r.amount_fen FROM refunds r WHERE r.run_id = $1 AND r.state = 'planned' AND r.id > $2
		AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id)
		ORDER BY r.id LIMIT $3`
	if tx.Dialect == store.Postgres {
		q = `SELECT r.id, r.amount_fen FROM refunds r WHERE r.run_id = $1 AND r.state = 'planned' AND r.id > $2
		AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.idem_key = 'refund:' || r.id::text)
		ORDER BY r.id LIMIT $3`
	}
	return store.All(ctx, tx, func(rows *sql.Rows) (pending, error) {
		var p pending
		var a int64
		err := rows.Scan(&p.id, &a)
		p.amount = money.Fen(a)
		return p, err
	}, q, run, after, limit)
}

// markLedgered marks a run's planned refunds decided and the run ledgered,
// once every refund's entry is posted; it reports false (changing
// nothing) while one is missing.
func markLedgered(ctx context.Context, tx *store.Tx, run int64) (bool, error) {
	missing, err := unposted(ctx, tx, run, 0, 1)
	if err != nil || len(missing) > 0 {
		return false, err
	}
	now := micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE refunds SET state = 'decided', updated_at = $1, next_at = $1
		WHERE run_id = $2 AND state = 'planned'`, now, run); err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE refund_runs SET state = 'ledgered', ledgered_at = $1
		WHERE id = $2 AND state = 'ledgering'`, now, run)
	return err == nil, err
}

// ledgeringRuns returns the runs left half-ledgered.
func ledgeringRuns(ctx context.Context, tx *store.Tx) ([]int64, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var id int64
		return id, rows.Scan(&id)
	}, "SELECT id FROM refund_runs WHERE state = 'ledgering' ORDER BY id")
}

const refundColumns = `r.id, r.run_id, r.donation_id, r.request_id, u.cause, r.provider, r.amount_fen, r.state, r.attempt,
	r.out_refund_no, r.next_at, r.last_error, r.settled_at, r.account`

func scanRefund(row interface{ Scan(...any) error }) (Refund, error) {
	var f Refund
	var amount, next int64
	var lastErr, account sql.NullString
	var settled sql.NullInt64
	err := row.Scan(&f.ID, &f.RunID, &f.DonationID, &f.RequestID, &f.Cause, &f.Provider, &amount, &f.State, &f.Attempt,
		&f.RefundNo, &next, &lastErr, &settled, &account)
	f.Amount, f.NextAt = money.Fen(amount), time.UnixMicro(next).UTC()
	f.LastError, f.Account, f.SettledAt = lastErr.String, account.String, fromMicros(settled)
	return f, err
}

// sendItem is a refund to send, with what the provider needs.
type sendItem struct {
	Refund
	orderNo, transactionID string
	total                  money.Fen
}

// due returns up to limit refunds due to be sent at now: decided, or a
// closed or abnormal attempt's next, or one marked sending whose answer
// never came (sent again with the same number).
func due(ctx context.Context, tx *store.Tx, now time.Time, limit int) ([]sendItem, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (sendItem, error) {
		var it sendItem
		var f = &it.Refund
		var amount, next, total int64
		var lastErr, account sql.NullString
		var settled sql.NullInt64
		err := rows.Scan(&f.ID, &f.RunID, &f.DonationID, &f.RequestID, &f.Cause, &f.Provider, &amount, &f.State, &f.Attempt,
			&f.RefundNo, &next, &lastErr, &settled, &account, &it.orderNo, &it.transactionID, &total)
		f.Amount, f.NextAt, it.total = money.Fen(amount), time.UnixMicro(next).UTC(), money.Fen(total)
		return it, err
	}, `SELECT `+refundColumns+`, r.order_no, r.transaction_id, r.total_fen
		FROM refunds r JOIN refund_runs u ON u.id = r.run_id
		WHERE r.state IN ('decided', 'sending', 'retrying', 'abnormal') AND r.next_at <= $1
		ORDER BY r.next_at, r.id LIMIT $2`, micros(now), limit)
}

// markSending marks refunds sending before their provider is called, with
// when to send them again (same number) if no answer is recorded; the
// refunds no longer due (another node took them) are left out of the
// answer.
func markSending(ctx context.Context, tx *store.Tx, ids []int64, now, again time.Time) ([]int64, error) {
	var out []int64
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `UPDATE refunds SET state = 'sending', next_at = $1, updated_at = $2
			WHERE id = $3 AND state IN ('decided', 'sending', 'retrying', 'abnormal') AND next_at <= $2`,
			micros(again), micros(now), id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			out = append(out, id)
		}
	}
	return out, nil
}

// settleRow is a refund as Settle needs it.
type settleRow struct {
	Refund
	orderNo, transactionID string
}

// refundByNo returns the refund whose current number is no.
func refundByNo(ctx context.Context, tx *store.Tx, no string) (settleRow, bool, error) {
	var it settleRow
	f := &it.Refund
	var amount, next int64
	var lastErr, account sql.NullString
	var settled sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT `+refundColumns+`, r.order_no, r.transaction_id
		FROM refunds r JOIN refund_runs u ON u.id = r.run_id WHERE r.out_refund_no = $1`, no).
		Scan(&f.ID, &f.RunID, &f.DonationID, &f.RequestID, &f.Cause, &f.Provider, &amount, &f.State, &f.Attempt,
			&f.RefundNo, &next, &lastErr, &settled, &account, &it.orderNo, &it.transactionID)
	if errors.Is(err, sql.ErrNoRows) {
		return settleRow{}, false, nil
	}
	f.Amount, f.NextAt = money.Fen(amount), time.UnixMicro(next).UTC()
	f.LastError, f.Account, f.SettledAt = lastErr.String, account.String, fromMicros(settled)
	return it, err == nil, err
}

// refundByRunDonation returns the refund of a donation in a run.
func refundByRunDonation(ctx context.Context, tx *store.Tx, run, donation int64) (Refund, bool, error) {
	f, err := scanRefund(tx.QueryRowContext(ctx, `SELECT `+refundColumns+`
		FROM refunds r JOIN refund_runs u ON u.id = r.run_id WHERE r.run_id = $1 AND r.donation_id = $2`, run, donation))
	if errors.Is(err, sql.ErrNoRows) {
		return Refund{}, false, nil
	}
	return f, err == nil, err
}

// refundByID returns a refund.
func refundByID(ctx context.Context, tx *store.Tx, id int64) (Refund, error) {
	f, err := scanRefund(tx.QueryRowContext(ctx, `SELECT `+refundColumns+`
		FROM refunds r JOIN refund_runs u ON u.id = r.run_id WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Refund{}, apperr.New(apperr.NotFound, KeyUnknownRefund)
	}
	return f, err
}

// setProcessing records that the provider accepted a refund.
func setProcessing(ctx context.Context, tx *store.Tx, id int64, providerID string, pollAt time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE refunds SET state = 'processing', provider_refund_id = COALESCE(NULLIF($1, ''), provider_refund_id),
		next_at = $2, updated_at = $3 WHERE id = $4 AND state IN ('decided', 'sending', 'processing')`,
		providerID, micros(pollAt), micros(tx.Now), id)
	return err
}

// setRetry schedules the next attempt of a refund under a new number.
func setRetry(ctx context.Context, tx *store.Tx, f Refund, state State, attempt int, at time.Time, lastErr string) error {
	_, err := tx.ExecContext(ctx, `UPDATE refunds SET state = $1, attempt = $2, out_refund_no = $3, next_at = $4,
		last_error = $5, updated_at = $6 WHERE id = $7 AND attempt = $8`,
		string(state), attempt, RefundNo(f.RunID, f.DonationID, attempt), micros(at), lastErr, micros(tx.Now), f.ID, f.Attempt)
	return err
}

// setError records a provider's refusal of a call, to try again at at.
func setError(ctx context.Context, tx *store.Tx, id int64, at time.Time, lastErr string) error {
	_, err := tx.ExecContext(ctx, `UPDATE refunds SET next_at = $1, last_error = $2, updated_at = $3
		WHERE id = $4 AND state NOT IN ('succeeded', 'to_charity')`, micros(at), lastErr, micros(tx.Now), id)
	return err
}

// setFinal records a refund paid (succeeded) or given to charity, in the
// transaction of its entry, and counts it in its run, finishing the run
// with its last refund.
func setFinal(ctx context.Context, tx *store.Tx, f Refund, state State, providerID, account string) error {
	now := micros(tx.Now)
	res, err := tx.ExecContext(ctx, `UPDATE refunds SET state = $1, provider_refund_id = COALESCE(NULLIF($2, ''), provider_refund_id),
		account = NULLIF($3, ''), settled_at = $4, updated_at = $4 WHERE id = $5 AND state NOT IN ('succeeded', 'to_charity')`,
		string(state), providerID, account, now, f.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "refund.already_settled")
	}
	q := `UPDATE refund_runs SET succeeded_count = succeeded_count + 1, succeeded_fen = succeeded_fen + $1 WHERE id = $2`
	if state == ToCharity {
		q = `UPDATE refund_runs SET charity_count = charity_count + 1, charity_fen = charity_fen + $1 WHERE id = $2`
	}
	if _, err := tx.ExecContext(ctx, q, int64(f.Amount), f.RunID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE refund_runs SET state = 'finished', finished_at = $1
		WHERE id = $2 AND state = 'ledgered' AND succeeded_count + charity_count = refunds`, now, f.RunID)
	return err
}

// quarantine keeps a provider's word that is not believed, once per
// distinct claim.
func quarantine(ctx context.Context, tx *store.Tx, provider, reason string, r payment.RefundResult) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO refund_quarantine (provider, refund_no, reason, state, amount_fen, order_no,
		transaction_id, provider_refund_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (provider, refund_no, reason, state, amount_fen, order_no, transaction_id) DO NOTHING`,
		provider, r.RefundID, reason, r.State, int64(r.Amount), r.OrderID, r.TransactionID, r.ProviderRefundID, micros(tx.Now))
	return err
}

// progress counts a run's refunds by state.
func progress(ctx context.Context, tx *store.Tx, run int64) (Progress, error) {
	var p Progress
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var st State
		var n, fen int64
		if err := rows.Scan(&st, &n, &fen); err != nil {
			return err
		}
		c := Count{N: n, Fen: money.Fen(fen)}
		add := func(x *Count) { x.N += c.N; x.Fen += c.Fen }
		add(&p.Planned)
		if st != Planned {
			add(&p.Ledgered)
		}
		switch st {
		case Sending, Processing:
			add(&p.Processing)
			add(&p.Sent)
		case Succeeded:
			add(&p.Succeeded)
			add(&p.Sent)
		case Retrying, Abnormal:
			add(&p.Retrying)
			add(&p.Sent)
		case ToCharity:
			add(&p.ToCharity)
			add(&p.Sent)
		}
		return nil
	}, `SELECT state, COUNT(*), COALESCE(SUM(amount_fen), 0) FROM refunds WHERE run_id = $1 GROUP BY state`, run)
	return p, err
}

// RunFilter selects runs.
type RunFilter struct {
	RequestID int64
	State     RunState
	// BeforeID pages backwards: runs with a smaller id; 0 from the newest.
	BeforeID int64
	Limit    int
}

func listRuns(ctx context.Context, tx *store.Tx, f RunFilter) ([]Run, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return store.All(ctx, tx, func(rows *sql.Rows) (Run, error) { return scanRun(rows) },
		`SELECT `+runColumns+` FROM refund_runs WHERE ($1 = 0 OR request_id = $1) AND ($2 = '' OR state = $2)
		AND ($3 = 0 OR id < $3) ORDER BY id DESC LIMIT $4`, f.RequestID, string(f.State), f.BeforeID, f.Limit)
}

// mine returns the refunds of a donor's donations, newest first.
func mine(ctx context.Context, tx *store.Tx, user int64) ([]Refund, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Refund, error) { return scanRefund(rows) },
		`SELECT `+refundColumns+` FROM refunds r JOIN refund_runs u ON u.id = r.run_id
		JOIN donations d ON d.id = r.donation_id WHERE d.donor_user_id = $1 ORDER BY r.id DESC LIMIT 1000`, user)
}

// Totals are a request's refunds as the public figures show them.
type Totals struct {
	// Refunded is what went back to donors; InFlight what was decided and
	// is on its way; ToCharity what could not be paid back.
	Refunded, InFlight, ToCharity money.Fen
	Donors                        int64 // donations refunded in full or part
}

func totals(ctx context.Context, tx *store.Tx, request int64) (Totals, error) {
	var t Totals
	var ok, fly, ch int64
	err := tx.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN state = 'succeeded' THEN amount_fen ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state NOT IN ('succeeded', 'to_charity', 'planned') THEN amount_fen ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'to_charity' THEN amount_fen ELSE 0 END), 0),
		COUNT(DISTINCT CASE WHEN state = 'succeeded' THEN donation_id END)
		FROM refunds WHERE request_id = $1`, request).Scan(&ok, &fly, &ch, &t.Donors)
	t.Refunded, t.InFlight, t.ToCharity = money.Fen(ok), money.Fen(fly), money.Fen(ch)
	return t, err
}

// afterCloseRequests returns the requests with an after-close payment not
// yet refunded, and for each the highest such donation id.
func afterCloseRequests(ctx context.Context, tx *store.Tx, limit int) ([][2]int64, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) ([2]int64, error) {
		var v [2]int64
		return v, rows.Scan(&v[0], &v[1])
	}, `SELECT d.request_id, MAX(d.id) FROM donations d WHERE d.after_close = 1
		AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.donation_id = d.id)
		GROUP BY d.request_id ORDER BY d.request_id LIMIT $1`, limit)
}

// pollDue returns up to limit refunds processing past their poll time.
func pollDue(ctx context.Context, tx *store.Tx, now time.Time, limit int) ([]Refund, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Refund, error) { return scanRefund(rows) },
		`SELECT `+refundColumns+` FROM refunds r JOIN refund_runs u ON u.id = r.run_id
		WHERE r.state = 'processing' AND r.next_at <= $1 ORDER BY r.next_at, r.id LIMIT $2`, micros(now), limit)
}

// resend makes a refund the provider does not know due again under the
// same number.
func resend(ctx context.Context, tx *store.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE refunds SET state = 'sending', next_at = $1, updated_at = $1
		WHERE id = $2 AND state = 'processing'`, micros(tx.Now), id)
	return err
}

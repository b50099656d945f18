// Package donation takes donations: a donor's order, its confirmation
// through the ledger exactly once when the payment provider says it was paid
// (R-DON-1), the closing of fundraising in the same transaction when a
// donation reaches the target (R-PUB-4), the quarantine of notifications
// that must not be credited, the running totals of a request, and share
// links with what each brought.
//
// The design is decision 0013: a verified payment is posted to the ledger
// as psp:<provider> → request:<id> under the key
// donation:<provider>:<transaction id>, and everything that must commit with
// it (the donation row, the order marked paid, the totals, the share's
// counts, the closing) is written by the entry's After hook, inside the
// ledger's batch transaction, so it costs no second sync. There is no fee or
// tip anywhere in an order or a donation (R-FEE-1): the whole amount goes to
// the request.
package donation

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/store"
)

// The default bounds of one donation.
const (
	DefaultMin money.Fen = 1_00
	DefaultMax money.Fen = 50_000_00
)

// MaxMessage bounds a donor's public message, in runes.
const MaxMessage = 200

// OrderTTL is how long an order can be paid. A payment that arrives later is
// still credited: the money was taken.
const OrderTTL = 2 * time.Hour

// The order states.
const (
	Created     = "created"
	Paid        = "paid"
	Quarantined = "quarantined"
)

// The reasons a verified notification is quarantined instead of credited.
const (
	UnknownOrder     = "unknown_order"
	AmountMismatch   = "amount_mismatch"
	MerchantMismatch = "merchant_mismatch"
	// RequestMismatch is for the query job, when the provider's answer is
	// about an order of another request than the one asked about.
	RequestMismatch = "request_mismatch"
	// AlreadyPaid: the order was paid before by another transaction (the
	// donor paid twice); the second payment is for finance staff to refund.
	AlreadyPaid = "already_paid"
)

// Message keys of the errors of this package.
const (
	KeyInvalid        = "donation.invalid"
	KeyClosed         = "donation.closed"
	KeyAmountMin      = "donation.amount_min"
	KeyAmountMax      = "donation.amount_max"
	KeyMessageTooLong = "donation.message_too_long"
	KeyMessageInvalid = "donation.message_invalid"
	KeyProvider       = "donation.provider_invalid"
	KeyClientToken    = "donation.client_token_invalid"
)

// Service takes donations. DB, Ledger and Campaigns are required; the
// ledger must write to DB.
type Service struct {
	DB        *store.DB
	Ledger    *ledger.Ledger
	Campaigns campaign.Store
	// Min and Max bound one donation; zero means DefaultMin and DefaultMax.
	Min, Max money.Fen
	// Orders, when set, writes orders in shared transactions (group
	// commit), so that a crowd of donors does not pay one disk sync each;
	// it must write to DB. Nil writes each order in its own transaction.
	Orders *store.Group
	// Merchant maps a provider's name to our merchant id at that provider:
	// a notification naming another merchant is quarantined. A provider
	// missing from the map has every notification quarantined.
	Merchant map[string]string
}

func (s *Service) bounds() (money.Fen, money.Fen) {
	lo, hi := s.Min, s.Max
	if lo <= 0 {
		lo = DefaultMin
	}
	if hi <= 0 {
		hi = DefaultMax
	}
	return lo, hi
}

// OrderInput is a donation form as submitted.
type OrderInput struct {
	RequestID int64
	// Amount is the amount as typed, parsed strictly by money.Parse.
	Amount string
	// DonorUserID is the signed-in donor, or 0. It is kept even when
	// Anonymous is set (R-DON-2).
	DonorUserID int64
	// Anonymous hides the donor from the public only.
	Anonymous bool
	// Message is an optional public message, at most MaxMessage runes.
	Message string
	// ShareToken is the ?s= of the link the donor came by, or "".
	ShareToken string
	// Provider is the payment provider's name ("sandbox", "wechatpay").
	Provider string
	// ClientToken is the one-time token of the form: the same token for the
	// same request returns the first order (a double click, R-DON-1).
	ClientToken string
}

// Order is a stored order.
type Order struct {
	ID        int64
	OrderNo   string
	RequestID int64
	Amount    money.Fen
	// DonorUserID is who placed it, or 0; never shown when Anonymous.
	DonorUserID    int64
	Anonymous      bool
	Message        string
	MessageFlagged bool
	// ShareID is the share link the donor came by, or 0.
	ShareID   int64
	State     string
	Provider  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateOrder validates and stores an order. Amount must parse (each
// money.Parse error is an Invalid field error on "amount" with the money
// package's key) and lie between Min and Max (KeyAmountMin, KeyAmountMax);
// the message is at most MaxMessage runes and may not reveal the patient's
// identity (campaign.KeyRevealsIdentity on "message"); a message the wording
// screen flags is kept, flagged for staff, not refused. The request must be
// fundraising: apperr.NotFound when it does not exist, apperr.Conflict
// KeyClosed otherwise. An unknown share token is ignored: a bad link must
// not stop a donation. There is no fee or tip to choose (R-FEE-1).
//
// The same ClientToken for the same request returns the first order,
// whatever else the second submission says (R-DON-1).
func (s *Service) CreateOrder(ctx context.Context, in OrderInput) (Order, error) {
	var errs []apperr.FieldError
	amount, err := money.Parse(in.Amount)
	lo, hi := s.bounds()
	switch {
	case err != nil:
		key := "money.syntax"
		if e := apperr.As(err); e != nil && e.Key != "" {
			key = e.Key
		}
		errs = append(errs, apperr.FieldError{Field: "amount", Key: key})
	case amount < lo:
		errs = append(errs, apperr.FieldError{Field: "amount", Key: KeyAmountMin, Args: []any{lo.String()}})
	case amount > hi:
		errs = append(errs, apperr.FieldError{Field: "amount", Key: KeyAmountMax, Args: []any{hi.String()}})
	}
	msg := strings.TrimSpace(in.Message)
	switch {
	case !utf8.ValidString(msg) || strings.ContainsFunc(msg, isControl):
		errs = append(errs, apperr.FieldError{Field: "message", Key: KeyMessageInvalid})
	case utf8.RuneCountInString(msg) > MaxMessage:
		errs = append(errs, apperr.FieldError{Field: "message", Key: KeyMessageTooLong, Args: []any{MaxMessage}})
	}
	if !validName(in.Provider) {
		errs = append(errs, apperr.FieldError{Field: "provider", Key: KeyProvider})
	}
	if in.ClientToken == "" || len(in.ClientToken) > 64 || !utf8.ValidString(in.ClientToken) {
		errs = append(errs, apperr.FieldError{Field: "client_token", Key: KeyClientToken})
	}
	if errs != nil {
		return Order{}, &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: errs}
	}
	flagged := false
	if msg != "" {
		v, err := screen.Wording{}.Check(screen.Subject{Texts: []string{msg}}, nil)
		if err != nil {
			return Order{}, err
		}
		flagged = v.Outcome != screen.Pass
	}

	if msg != "" {
		// Only a message needs the patient's identity, which is sealed:
		// orders without one never unseal the filing.
		var filing campaign.Filing
		err := s.DB.Read(ctx, func(tx *store.Tx) error {
			req, err := s.Campaigns.Get(ctx, tx, in.RequestID)
			filing = req.Filing
			return err
		})
		if err != nil {
			return Order{}, err
		}
		if campaign.RevealsIdentity(msg, filing) {
			return Order{}, &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid,
				Fields: []apperr.FieldError{{Field: "message", Key: campaign.KeyRevealsIdentity}}}
		}
	}

	var (
		o       Order
		refusal error
	)
	write := func(ctx context.Context, tx *store.Tx) error {
		// The function may run twice (its batch failed): start afresh.
		refusal = nil
		o = Order{OrderNo: randomString(24), RequestID: in.RequestID, Amount: amount, DonorUserID: in.DonorUserID,
			Anonymous: in.Anonymous, Message: msg, MessageFlagged: flagged, State: Created, Provider: in.Provider,
			CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(OrderTTL)}
		// One statement in the common case, inside the serial writer's
		// batch: stored only for a fundraising request, with the share of
		// the link if it is one of this request's, and not at all for a
		// client token used before (a double click).
		var share sql.NullInt64
		err := tx.QueryRowPrepared(ctx, `INSERT INTO donation_orders (order_no, request_id, amount_fen, donor_user_id,
			anonymous, message, message_flagged, share_id, provider, client_token, state, created_at, expires_at)
			SELECT CAST($1 AS TEXT), r.id, CAST($3 AS BIGINT), CAST($4 AS BIGINT), CAST($5 AS INTEGER),
				CAST($6 AS TEXT), CAST($7 AS INTEGER),
				(SELECT s.id FROM shares s WHERE s.token = CAST($8 AS TEXT) AND s.request_id = r.id),
				CAST($9 AS TEXT), CAST($10 AS TEXT), CAST($11 AS TEXT), CAST($12 AS BIGINT), CAST($13 AS BIGINT)
			FROM requests r WHERE r.id = $2 AND r.state = CAST($14 AS TEXT)
			ON CONFLICT (request_id, client_token) DO NOTHING RETURNING id, share_id`,
			o.OrderNo, o.RequestID, int64(o.Amount), nullID(o.DonorUserID), bit(o.Anonymous), nullString(msg),
			bit(flagged), in.ShareToken, o.Provider, in.ClientToken, Created, o.CreatedAt.UnixMicro(),
			o.ExpiresAt.UnixMicro(), string(campaign.Fundraising)).Scan(&o.ID, &share)
		if err == nil {
			o.ShareID = share.Int64
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// Nothing stored: a double click returns the first order, before
		// anything else is judged; otherwise the request is not raising
		// money.
		first, err := scanOrder(tx.QueryRowPrepared(ctx, "SELECT "+orderColumns+
			" FROM donation_orders WHERE request_id = $1 AND client_token = $2", in.RequestID, in.ClientToken))
		if err == nil {
			o = first
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		o = Order{}
		var state campaign.State
		err = tx.QueryRowPrepared(ctx, "SELECT state FROM requests WHERE id = $1", in.RequestID).Scan(&state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			refusal = apperr.New(apperr.NotFound, "")
			return nil
		case err != nil:
			return err
		case state != campaign.Fundraising:
			refusal = apperr.New(apperr.Conflict, KeyClosed)
			return nil
		}
		return wrapf("the order of request %d was neither stored nor refused", in.RequestID)
	}
	if s.Orders != nil {
		err = s.Orders.Write(ctx, write)
	} else {
		err = s.DB.Write(ctx, func(tx *store.Tx) error { return write(ctx, tx) })
	}
	if err == nil {
		err = refusal
	}
	if err != nil {
		return Order{}, err
	}
	return o, nil
}

// Unpaid returns up to limit orders still unpaid whose expiry is at or
// before olderThan, oldest first, leaving out those given up already: the
// orders the query job asks the provider about before giving up on them.
func (s *Service) Unpaid(ctx context.Context, olderThan time.Time, limit int) ([]Order, error) {
	return s.unpaidAfter(ctx, olderThan, Order{}, limit)
}

// unpaidAfter is Unpaid for the orders after the order after in Unpaid's
// order (expiry, then id): the next page.
func (s *Service) unpaidAfter(ctx context.Context, olderThan time.Time, after Order, limit int) ([]Order, error) {
	if limit <= 0 {
		return nil, nil
	}
	afterExpiry := int64(-1)
	if after.ID != 0 {
		afterExpiry = after.ExpiresAt.UnixMicro()
	}
	var out []Order
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = store.All(ctx, tx, func(rows *sql.Rows) (Order, error) { return scanOrder(rows) },
			"SELECT "+orderColumns+` FROM donation_orders o
			WHERE state = $1 AND expires_at <= $2
			AND (expires_at > $4 OR expires_at = $4 AND id > $5)
			AND NOT EXISTS (SELECT 1 FROM donation_order_lapses l WHERE l.order_id = o.id)
			ORDER BY expires_at, id LIMIT $3`, Created, olderThan.UnixMicro(), limit, afterExpiry, after.ID)
		return err
	})
	return out, err
}

// OrderByNo returns the order with our order number no, or apperr.NotFound.
func OrderByNo(ctx context.Context, tx *store.Tx, no string) (Order, error) {
	o, err := scanOrder(tx.QueryRowContext(ctx, "SELECT "+orderColumns+" FROM donation_orders WHERE order_no = $1", no))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	return o, err
}

const orderColumns = `id, order_no, request_id, amount_fen, donor_user_id, anonymous, message, message_flagged, share_id,
	state, provider, created_at, expires_at`

type scanner interface{ Scan(...any) error }

func scanOrder(sc scanner) (Order, error) {
	var o Order
	var amount, anon, flagged, created, expires int64
	var donor, share sql.NullInt64
	var msg sql.NullString
	if err := sc.Scan(&o.ID, &o.OrderNo, &o.RequestID, &amount, &donor, &anon, &msg, &flagged, &share, &o.State,
		&o.Provider, &created, &expires); err != nil {
		return Order{}, err
	}
	o.Amount = money.Fen(amount)
	o.DonorUserID = donor.Int64
	o.ShareID = share.Int64
	o.Anonymous, o.MessageFlagged = anon == 1, flagged == 1
	o.Message = msg.String
	o.CreatedAt = time.UnixMicro(created).UTC()
	o.ExpiresAt = time.UnixMicro(expires).UTC()
	return o, nil
}

// Totals returns what request requestID raised before its channel closed,
// and from how many donations: zero before the first.
func Totals(ctx context.Context, tx *store.Tx, requestID int64) (raised money.Fen, donations int, err error) {
	var r int64
	err = tx.QueryRowContext(ctx, "SELECT raised_fen, donations FROM request_totals WHERE request_id = $1",
		requestID).Scan(&r, &donations)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return money.Fen(r), donations, err
}

// alphabet is what order numbers and share tokens are made of: letters and
// digits, which every provider accepts in an order number.
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns n characters of alphabet from crypto/rand, without
// bias: bytes of 248 or more (4 × 62) are drawn again.
func randomString(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if b < 248 && len(out) < n {
				out = append(out, alphabet[b%62])
			}
		}
	}
	return string(out)
}

// validName reports whether a provider name can be part of a ledger
// account name (psp:<provider>).
func validName(p string) bool {
	if p == "" || len(p) > 32 {
		return false
	}
	_, err := ledger.Classify("psp:" + p)
	return err == nil
}

func isControl(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }

func bit(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func requestAccount(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

func wrapf(format string, args ...any) error { return fmt.Errorf("donation: "+format, args...) }

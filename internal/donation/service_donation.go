package donation

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
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
//
// CreateOrder asks for no agreement to the rules: it is for orders that no
// donor places through a form (the demo's, tests' fixtures). A donor's order
// goes through Place, which requires it (R-RULES-2).
func (s *Service) CreateOrder(ctx context.Context, in OrderInput) (Order, error) {
	return s.createOrder(ctx, in, nil)
}

// maxAgreed bounds the versions one order agrees to: a form shows three.
const maxAgreed = 20

// donorSubject names a signed-in donor in the consents, or "" for one
// without an account.
func donorSubject(user int64) string {
	if user == 0 {
		return ""
	}
	return "user:" + strconv.FormatInt(user, 10)
}

// createOrder is CreateOrder, with the donor's agreement checked and
// recorded in the order's transaction when ag is not nil (Place).
func (s *Service) createOrder(ctx context.Context, in OrderInput, ag *Agreement) (Order, error) {
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
	if ag != nil && len(ag.Rules) > maxAgreed {
		errs = append(errs, apperr.FieldError{Field: FieldAgree, Key: "rules.changed"})
	} else if ag != nil && in.DonorUserID == 0 && len(ag.Rules) == 0 {
		// A donor without an account has agreed to nothing before: with
		// nothing ticked, the answer is known without the database.
		errs = append(errs, apperr.FieldError{Field: FieldAgree, Key: "rules.consent_required"})
	}
	if errs != nil {
		return Order{}, &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: errs}
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
		if ag != nil {
			// R-RULES-2: every document covered, by what this form agreed
			// to or, for a signed-in donor, by an earlier consent.
			missing, err := rules.Uncovered(ctx, tx, donorSubject(in.DonorUserID), ag.Rules, ConsentKinds...)
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				// A double click whose first order went through returns
				// it, as below; otherwise nothing is stored.
				first, err := scanOrder(tx.QueryRowPrepared(ctx, "SELECT "+orderColumns+
					" FROM donation_orders WHERE request_id = $1 AND client_token = $2", in.RequestID, in.ClientToken))
				if err == nil {
					o = first
					return nil
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				key := "rules.changed"
				if len(ag.Rules) == 0 {
					key = "rules.consent_required"
				}
				o = Order{}
				refusal = &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid,
					Fields: []apperr.FieldError{{Field: FieldAgree, Key: key}}}
				return nil
			}
		}
		// R-CONT-1: the message passes the content screen. An illegal
		// one is refused and recorded, with no order; a held one is
		// stored but shown once staff clear it.
		flagged := false
		orderNo := randomString(24)
		if msg != "" {
			act, err := content.Screen(ctx, tx, msg)
			if err != nil {
				return err
			}
			if act == content.ActionRefuse {
				if _, err := content.Check(ctx, tx, content.Candidate{Place: content.PlaceDonationMessage, Ref: orderNo, Text: msg}); err != nil {
					return err
				}
				o = Order{}
				refusal = content.Refusal("message")
				return nil
			}
			flagged = act == content.ActionHold
		}
		o = Order{OrderNo: orderNo, RequestID: in.RequestID, Amount: amount, DonorUserID: in.DonorUserID,
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
			if flagged {
				if _, err := content.Check(ctx, tx, content.Candidate{Place: content.PlaceDonationMessage, Ref: o.OrderNo, Text: msg}); err != nil {
					return err
				}
			}
			if ag != nil && len(ag.Rules) > 0 {
				// In the order's transaction: against the donor, or
				// against the order for a donor without an account.
				subject := donorSubject(in.DonorUserID)
				if subject == "" {
					subject = "order:" + o.OrderNo
				}
				return rules.RecordCovered(ctx, tx, subject, ag.Rules, ag.Source, ConsentKinds...)
			}
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

// heldAskedFor is how long after its expiry a held order is still asked
// about: past the provider's resend schedule (WeChat Pay's ends after about
// 24 hours), so a genuine payment whose notifications all failed is found.
const heldAskedFor = 48 * time.Hour

// Unpaid returns up to limit orders still unpaid whose expiry is at or
// before olderThan, oldest first, leaving out those given up already: the
// orders the query job asks the provider about before giving up on them.
// An order held because a conflicting copy of a notification named it
// first is unpaid too: its genuine payment may never be notified again, so
// the provider is asked about it like any other, for heldAskedFor after its
// expiry (a provider resends a notification for about a day).
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
			WHERE (state = $1 OR state = $6 AND expires_at > $7) AND expires_at <= $2
			AND (expires_at > $4 OR expires_at = $4 AND id > $5)
			AND NOT EXISTS (SELECT 1 FROM donation_order_lapses l WHERE l.order_id = o.id)
			ORDER BY expires_at, id LIMIT $3`, Created, olderThan.UnixMicro(), limit, afterExpiry, after.ID, Quarantined,
			olderThan.Add(-heldAskedFor).UnixMicro())
		return err
	})
	return out, err
}

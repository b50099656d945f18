package donation

import (
	"context"
	"fmt"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// Place stores a donor's order (CreateOrder, with its errors) and places
// it with its provider, one of providers, and returns how to pay it. A
// signed-in donor is recorded even when anonymous to the public
// (R-DON-2). Placing the same order again (the same client token) returns
// the same checkout, so a double click, or a retry after the provider did
// not answer, is safe (R-DON-1). A provider that cannot be reached is
// apperr.Unavailable KeyProviderUnavailable, its cause wrapped for the log.
//
// The donor must have agreed to the rules in force (R-RULES-2): the
// Agreement covers every one of ConsentKinds, or a signed-in donor agreed to
// the rest before; otherwise the order is refused with an Invalid field
// error on FieldAgree ("rules.consent_required" when nothing was agreed,
// "rules.changed" when a version shown was replaced) and nothing is stored.
// The agreement is recorded in the order's own transaction: against the
// donor ("user:N") when signed in, else against the order ("order:NO").
func (s *Service) Place(ctx context.Context, providers map[string]payment.Provider, in PlaceInput) (Placed, error) {
	o, err := s.createOrder(ctx, in.OrderInput, &in.Agreement)
	if err != nil {
		return Placed{}, err
	}
	if o.State != Created {
		// A double click on an order already settled: nothing more to pay;
		// say what became of it.
		rc, err := s.Receipt(ctx, o.OrderNo)
		if err != nil {
			return Placed{}, err
		}
		return Placed{Order: o, State: rc.State}, nil
	}
	p, ok := providers[o.Provider]
	if !ok {
		return Placed{}, apperr.New(apperr.Unavailable, "error.unavailable")
	}
	co, err := p.Create(ctx, payment.Order{ID: o.OrderNo, Amount: o.Amount,
		Description: "carefund #" + strconv.FormatInt(o.RequestID, 10), NotifyURL: in.NotifyURL(o.Provider),
		ReturnURL: in.ReturnURL(o.OrderNo), ClientIP: in.ClientIP, ExpiresAt: o.ExpiresAt,
		PayerRef: in.PayerRef, Native: in.Native})
	if err != nil {
		return Placed{}, apperr.Wrap(fmt.Errorf("placing order %s with %s: %w", o.OrderNo, o.Provider, err),
			apperr.Unavailable, KeyProviderUnavailable)
	}
	return Placed{Order: o, Checkout: co, State: StatePending}, nil
}

// Receipt returns the order with our order number no and what became of
// it; apperr.NotFound for a number that is not one of ours.
func (s *Service) Receipt(ctx context.Context, no string) (Receipt, error) {
	if !payment.ValidOrderID(no) {
		return Receipt{}, apperr.New(apperr.NotFound, "")
	}
	var rc Receipt
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		rc, err = ReceiptByOrder(ctx, tx, no)
		return err
	})
	return rc, err
}

// ReceiptPage returns order no with what became of it and the title of its
// request's newest published version ("" when it has none), for the
// thank-you page.
func (s *Service) ReceiptPage(ctx context.Context, no string) (Receipt, string, error) {
	if !payment.ValidOrderID(no) {
		return Receipt{}, "", apperr.New(apperr.NotFound, "")
	}
	var (
		rc    Receipt
		title string
	)
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if rc, err = ReceiptByOrder(ctx, tx, no); err != nil {
			return err
		}
		title, err = s.requestTitle(ctx, tx, rc.RequestID)
		return err
	})
	return rc, title, err
}

// ByDonor returns the newest limit orders of donor userID, each with what
// became of it, and the titles of their requests by request id.
func (s *Service) ByDonor(ctx context.Context, userID int64, limit int) ([]Receipt, map[int64]string, error) {
	var (
		rcs    []Receipt
		titles map[int64]string
	)
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		titles = map[int64]string{}
		if rcs, err = ReceiptsByDonor(ctx, tx, userID, limit); err != nil {
			return err
		}
		for _, rc := range rcs {
			if _, ok := titles[rc.RequestID]; ok {
				continue
			}
			if titles[rc.RequestID], err = s.requestTitle(ctx, tx, rc.RequestID); err != nil {
				return err
			}
		}
		return nil
	})
	return rcs, titles, err
}

// requestTitle returns the title of request id's newest published version,
// or "" when it has none.
func (s *Service) requestTitle(ctx context.Context, tx *store.Tx, id int64) (string, error) {
	v, err := s.Campaigns.LatestVersion(ctx, tx, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return "", nil
	}
	return v.Published.Title, err
}

package refund

import (
	"context"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// What donors and publishers see of refunds: the state of the refunds of
// each donation with whether its donor may still ask for one (policy P),
// and the publisher's view of what a declaration of the purpose's end
// would give back, with the progress of the request's runs.

// DonorState is what a donor sees of a donation's refunds, in one word.
type DonorState string

// The donor's words for a donation's refunds.
const (
	DonorNone      DonorState = "none"       // never refunded
	DonorAsked     DonorState = "asked"      // decided, not yet sent to the provider
	DonorOnItsWay  DonorState = "on_its_way" // sent; the provider's word is awaited (or a retry)
	DonorRefunded  DonorState = "refunded"   // paid back by the original route
	DonorToCharity DonorState = "to_charity" // could not be paid back: given to charity (R-CHAR-1)
)

// DonorStateOf is the donor's word for a refund in state st.
func DonorStateOf(st State) DonorState {
	switch st {
	case Planned, Decided:
		return DonorAsked
	case Sending, Processing, Retrying, Abnormal:
		return DonorOnItsWay
	case Succeeded:
		return DonorRefunded
	case ToCharity:
		return DonorToCharity
	}
	return DonorNone
}

// DonationRefunds is what a donor sees of the refunds of one donation.
type DonationRefunds struct {
	DonationID int64
	// State is the newest refund's, or DonorNone.
	State DonorState
	// Amount is what every refund of the donation gives back; Refunded
	// what was paid back, ToCharity what went to charity instead.
	Amount, Refunded, ToCharity money.Fen
	// SettledAt and Account are the newest paid refund's: when, and where
	// the money went, in the provider's words ("招商银行信用卡0403").
	SettledAt time.Time
	Account   string
	// MayAsk says the signed-in donor may ask for a refund of it now
	// (policy P); otherwise Refusal is the key of the reason, "" when
	// there is nothing to explain (not signed in, not paid).
	MayAsk  bool
	Refusal string
}

// ForDonations returns what the donor userID (0: nobody signed in) sees of
// the refunds of each donation named, by donation id: the refunds' state,
// and whether userID may ask for one now under policy P (DonorMay). A
// donation that does not exist is left out.
func (s *Service) ForDonations(ctx context.Context, userID int64, donationIDs []int64) (map[int64]DonationRefunds, error) {
	out := make(map[int64]DonationRefunds, len(donationIDs))
	if len(donationIDs) == 0 {
		return out, nil
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		clear(out)
		rs, err := refundsOfDonations(ctx, tx, donationIDs)
		if err != nil {
			return err
		}
		reqs := map[int64]Request{}
		for _, id := range donationIDs {
			d, err := readDonation(ctx, tx, id)
			if apperr.CodeOf(err) == apperr.NotFound {
				continue
			}
			if err != nil {
				return err
			}
			v := DonationRefunds{DonationID: id, State: DonorNone}
			// rs is newest first.
			for _, f := range rs[id] {
				if v.State == DonorNone {
					v.State = DonorStateOf(f.State)
				}
				v.Amount += f.Amount
				switch f.State {
				case Succeeded:
					v.Refunded += f.Amount
					if v.SettledAt.IsZero() {
						v.SettledAt, v.Account = f.SettledAt, f.Account
					}
				case ToCharity:
					v.ToCharity += f.Amount
				}
			}
			if userID > 0 && d.DonorUserID == userID {
				r, ok := reqs[d.RequestID]
				if !ok {
					if r, err = readRequest(ctx, tx, d.RequestID); err != nil {
						return err
					}
					reqs[d.RequestID] = r
				}
				if err := DonorMay(userID, d, r); err != nil {
					if e := apperr.As(err); e != nil {
						v.Refusal = e.Key
					}
				} else {
					v.MayAsk = true
				}
			}
			out[id] = v
		}
		return nil
	})
	return out, err
}

// DonorAsk is what the donor's confirmation step shows: the donation's
// request and what a refund would give back.
type DonorAsk struct {
	DonationID, RequestID int64
	Amount                money.Fen
}

// DonorCheck says whether the donor userID may ask for a refund of
// donation donationID now, and what it would give back: the amount, or
// the refusal DonorRequest would answer (policy P), with the request when
// the donation is theirs. It is the confirmation step's reading;
// DonorRequest decides.
func (s *Service) DonorCheck(ctx context.Context, userID, donationID int64) (DonorAsk, error) {
	ask := DonorAsk{DonationID: donationID}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		d, err := readDonation(ctx, tx, donationID)
		if err != nil {
			return apperr.New(apperr.NotFound, KeyNotYours)
		}
		if d.DonorUserID != userID || userID <= 0 {
			return apperr.New(apperr.NotFound, KeyNotYours)
		}
		ask.RequestID = d.RequestID
		r, err := readRequest(ctx, tx, d.RequestID)
		if err != nil {
			return err
		}
		if err := DonorMay(userID, d, r); err != nil {
			return err
		}
		ask.Amount, err = DonorAmount(0, d)
		return err
	})
	return ask, err
}

// PublisherView is what the publisher's request page shows of refunds
// (R-REF-1): whether the rest may be given back now, how much to how many
// donors, and the request's runs with their progress.
type PublisherView struct {
	// MayEnd says the publisher may declare the purpose ended now: the
	// request closed as purpose achieved or gone, no payout under way, and
	// something to give back. Refusal is the reason's key otherwise ("" when
	// the request is not closed at all).
	MayEnd     bool
	Refusal    string
	Refundable money.Fen
	// Donors counts the donations that would get something back.
	Donors int64
	Runs   []Run
}

// ForPublisher returns the publisher's view of a request's refunds; a
// request that is not userID's is NotFound.
func (s *Service) ForPublisher(ctx context.Context, userID, requestID int64) (PublisherView, error) {
	var v PublisherView
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		v = PublisherView{}
		r, err := readRequest(ctx, tx, requestID)
		if err != nil || r.Publisher != userID {
			return apperr.New(apperr.NotFound, KeyNotPublisher)
		}
		if v.Refundable, err = refundable(ctx, tx, requestID, false); err != nil {
			return err
		}
		sh, err := shares(ctx, tx, requestID, false, 0)
		if err != nil {
			return err
		}
		if v.Refundable > 0 {
			var total money.Fen
			for _, x := range sh {
				total += x.Left()
			}
			if v.Refundable > total {
				v.Refundable = total
			}
			parts, err := Split(v.Refundable, sh)
			if err != nil {
				return err
			}
			for _, p := range parts {
				if p > 0 {
					v.Donors++
				}
			}
		}
		switch err := PurposeEndedMay(userID, false, r); {
		case err != nil:
			if e := apperr.As(err); e != nil {
				v.Refusal = e.Key
			}
		case v.Refundable == 0:
			v.Refusal = KeyNothing
		default:
			v.MayEnd = true
		}
		runs, err := listRuns(ctx, tx, RunFilter{RequestID: requestID, Limit: 20})
		if err != nil {
			return err
		}
		for _, run := range runs {
			if run.Cause == CauseDonor {
				// One donor's own refund: theirs, not the publisher's.
				continue
			}
			if run.Progress, err = progress(ctx, tx, run.ID); err != nil {
				return err
			}
			v.Runs = append(v.Runs, run)
		}
		return nil
	})
	return v, err
}

// RunKeyOf is the run key a client's Idempotency-Key makes for the
// donor userID: DonorRequest's, for tests and callers that look a run up.
func RunKeyOf(userID int64, key string) string {
	return "donor:" + strconv.FormatInt(userID, 10) + ":" + key
}

// KeyInFull is the refusal of a donor's refund of less than the donation
// can get back: policy P refunds a donation in full.
const KeyInFull = "refund.in_full"

// DonorRefund is DonorRequest with the amount a client named (0: none):
// it must be what the donation can get back, as policy P refunds in full;
// more is refused as KeyTooMuch, less as KeyInFull, each on the field
// amount_fen. The same key returns the first run whatever the amount.
func (s *Service) DonorRefund(ctx context.Context, userID, donationID int64, amount money.Fen, key string) (Run, error) {
	if amount != 0 {
		var replay bool
		if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
			_, replay, err = runByKey(ctx, tx, RunKeyOf(userID, key))
			return err
		}); err != nil {
			return Run{}, err
		}
		if !replay {
			ask, err := s.DonorCheck(ctx, userID, donationID)
			if err != nil {
				return Run{}, err
			}
			switch {
			case amount > ask.Amount || amount < 0:
				return Run{}, &apperr.Error{Code: apperr.Invalid, Key: "refund.input_invalid",
					Fields: []apperr.FieldError{{Field: "amount_fen", Key: KeyTooMuch}}}
			case amount < ask.Amount:
				return Run{}, &apperr.Error{Code: apperr.Invalid, Key: "refund.input_invalid",
					Fields: []apperr.FieldError{{Field: "amount_fen", Key: KeyInFull}}}
			}
		}
	}
	return s.DonorRequest(ctx, userID, donationID, key)
}

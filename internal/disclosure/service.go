package disclosure

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// Service reads what the public may see, one transaction per use case.
// DB, Campaigns and Materials are required; Accounts masks the names of
// donors and sharers.
type Service struct {
	DB        *store.DB
	Campaigns campaign.Store
	Materials material.Store
	Accounts  *account.Service
}

// Request is what the public may know of one request.
type Request struct {
	ID    int64
	State campaign.State
	// Latest is the newest version; its Number is how many there are.
	Latest campaign.Version
	// All is every version, oldest first, when asked for.
	All []campaign.Version
	// Channel is nil until the channel opened (or closed unopened).
	Channel *campaign.Channel
	// Shown are the published materials; Updates the public updates.
	Shown   []material.Material
	Updates []campaign.Update
}

// ChannelAt is what the public is told of r's channel at now.
func (r Request) ChannelAt(now time.Time) Channel { return ChannelAt(r.State, r.Channel, now) }

// Published returns request id as the public sees it, with every version,
// for the versions page and the API: apperr.NotFound when it is not public.
func (s *Service) Published(ctx context.Context, id int64) (Request, error) {
	var r Request
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		r, err = s.read(ctx, tx, id, readAll)
		return err
	})
	return r, err
}

// What read reads besides the state and the newest version.
const (
	readAll     = 1 << iota // every version
	readChannel             // the channel
	readShown               // the published materials and the updates
	readPage    = readChannel | readShown
)

// read reads request id as the public sees it, or apperr.NotFound when it
// is not public. The state is read alone first, so that the filing, which
// holds the ID number, is not even unsealed for a public page; only the
// newest version is unsealed unless all are asked for.
func (s *Service) read(ctx context.Context, tx *store.Tx, id int64, what int) (Request, error) {
	if what&readAll != 0 {
		what |= readPage
	}
	r := Request{ID: id}
	var err error
	if r.State, err = s.Campaigns.State(ctx, tx, id); err != nil {
		return r, err
	}
	if !IsPublic(r.State) {
		return r, apperr.New(apperr.NotFound, "")
	}
	if r.Latest, err = s.Campaigns.LatestVersion(ctx, tx, id); err != nil {
		return r, err
	}
	if what&readAll != 0 {
		if r.All, err = s.Campaigns.Versions(ctx, tx, id); err != nil {
			return r, err
		}
	}
	if what&readChannel != 0 {
		ch, err := s.Campaigns.Fundraising(ctx, tx, id)
		switch {
		case err == nil:
			r.Channel = &ch
		case apperr.CodeOf(err) != apperr.NotFound:
			return r, err
		}
	}
	if what&readShown == 0 {
		return r, nil
	}
	shown, err := s.Materials.List(ctx, tx, id)
	if err != nil {
		return r, err
	}
	for _, m := range shown {
		if !m.PublishedAt.IsZero() {
			r.Shown = append(r.Shown, m)
		}
	}
	r.Updates, err = s.Campaigns.Updates(ctx, tx, id, true)
	return r, err
}

// Page is a request's public page: the request with its newest version,
// and, once its channel opened, what it raised, from how many donations,
// the newest donations with their donors' masked names, and the share
// link the page was opened by.
type Page struct {
	Request
	Raised  money.Fen
	Donors  int
	Recent  []donation.Public
	Names   map[int64]string // donor user id → masked phone number
	Share   donation.Share
	ByShare bool // the page was opened by a share link of this request
	// Figures are the request's money as the ledger has it (R-DISC-1).
	Figures Figures
	// Lines are the request's ledger lines but its donations, for the
	// timeline's refunds, gifts to charity and fees (R-DISC-2).
	Lines []Line
}

// Page reads the public page of request id, opened by share link
// shareToken ("" for none), in one transaction: it is the platform's
// busiest page, so it unseals only the newest version and the phone
// numbers of the (at most RecentDonations) donors it names. An unknown
// token, or one of another request, is ignored: a bad link must not stop
// anyone reading or giving.
func (s *Service) Page(ctx context.Context, id int64, shareToken string) (Page, error) {
	var p Page
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		p = Page{}
		if p.Request, err = s.read(ctx, tx, id, readPage); err != nil || p.Channel == nil {
			// Before its channel opens a request has no donations.
			return err
		}
		if p.Raised, p.Donors, err = donation.Totals(ctx, tx, id); err != nil {
			return err
		}
		if p.Figures, err = readFigures(ctx, tx, id); err != nil {
			return err
		}
		if p.Lines, err = readLines(ctx, tx, id, false); err != nil {
			return err
		}
		if p.Recent, err = donation.Recent(ctx, tx, id, RecentDonations); err != nil {
			return err
		}
		if p.Names, err = s.donorNames(ctx, tx, p.Recent); err != nil {
			return err
		}
		if shareToken != "" {
			p.Share, err = donation.ShareByToken(ctx, tx, shareToken)
			switch {
			case err == nil:
				p.ByShare = p.Share.RequestID == id
			case apperr.CodeOf(err) != apperr.NotFound:
				return err
			}
		}
		return nil
	})
	return p, err
}

// Money is a request's money trail as the ledger has it (R-DISC-1,
// R-RPT-1): its figures, how many donations it took, and its ledger lines.
type Money struct {
	Figures Figures
	Donors  int // the number of donations, as the page counts them
	Lines   []Line
}

// PublishedMoney returns request id as Published does, with its figures
// and donations count read in the same transaction, for the API: the
// figures then belong to the versions they are shown with.
func (s *Service) PublishedMoney(ctx context.Context, id int64) (Request, Money, error) {
	var (
		r Request
		m Money
	)
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		m = Money{}
		if r, err = s.read(ctx, tx, id, readAll); err != nil {
			return err
		}
		if m.Figures, err = readFigures(ctx, tx, id); err != nil {
			return err
		}
		_, m.Donors, err = donation.Totals(ctx, tx, id)
		return err
	})
	return r, m, err
}

// HeldMoney returns the money of a suspended or terminated request, whose
// page shows only its notice (R-REV-4): what it raised and where that went
// stays public (R-DISC-1, R-REF-2), so that anyone re-deriving the figures
// from the transparency log finds them. apperr.NotFound for any other
// request that is not public.
func (s *Service) HeldMoney(ctx context.Context, id int64) (campaign.State, Money, error) {
	var (
		st campaign.State
		m  Money
	)
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		m = Money{}
		if st, err = s.Campaigns.State(ctx, tx, id); err != nil {
			return err
		}
		if st != campaign.Suspended && st != campaign.Terminated {
			return apperr.New(apperr.NotFound, "")
		}
		if m.Figures, err = readFigures(ctx, tx, id); err != nil {
			return err
		}
		_, m.Donors, err = donation.Totals(ctx, tx, id)
		return err
	})
	return st, m, err
}

// Ledger returns the public ledger of request id (R-RPT-1): every posting
// on its own accounts, donations included, with its figures read in the
// same transaction, so that the lines add up to them; apperr.NotFound when
// the request is not public.
func (s *Service) Ledger(ctx context.Context, id int64) (Money, error) {
	var m Money
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		m = Money{}
		st, err := s.Campaigns.State(ctx, tx, id)
		if err != nil {
			return err
		}
		if !IsPublic(st) {
			return apperr.New(apperr.NotFound, "")
		}
		if m.Figures, err = readFigures(ctx, tx, id); err != nil {
			return err
		}
		if _, m.Donors, err = donation.Totals(ctx, tx, id); err != nil {
			return err
		}
		m.Lines, err = readLines(ctx, tx, id, true)
		return err
	})
	return m, err
}

// Figures returns a request's public figures, from the ledger
// (R-DISC-1).
func (s *Service) Figures(ctx context.Context, id int64) (Figures, error) {
	var f Figures
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		f, err = readFigures(ctx, tx, id)
		return err
	})
	return f, err
}

// Target is what the donation pages show of a request: its newest
// version, its channel, and what it has raised.
type Target struct {
	Request
	Raised money.Fen
	Donors int
}

// DonationTarget reads request id as donors see it, or apperr.NotFound
// when it is not public (unknown, in review, suspended, terminated).
func (s *Service) DonationTarget(ctx context.Context, id int64) (Target, error) {
	var t Target
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		t = Target{}
		if t.Request, err = s.read(ctx, tx, id, readChannel); err != nil {
			return err
		}
		t.Raised, t.Donors, err = donation.Totals(ctx, tx, id)
		return err
	})
	return t, err
}

// Listed returns the requests the API lists: published, those raising
// money first.
func (s *Service) Listed(ctx context.Context) ([]campaign.Card, error) {
	var cards []campaign.Card
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		cards, err = s.Campaigns.Listed(ctx, tx, ListedCards)
		return err
	})
	return cards, err
}

// Home returns the requests the home page lists, as Listed, with what each
// whose channel opened raised, read in the same transaction.
func (s *Service) Home(ctx context.Context) ([]campaign.Card, map[int64]money.Fen, error) {
	var (
		cards  []campaign.Card
		raised map[int64]money.Fen
	)
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if cards, err = s.Campaigns.Listed(ctx, tx, ListedCards); err != nil {
			return err
		}
		ids := make([]int64, 0, len(cards))
		for _, c := range cards {
			if HasRaised(c) {
				ids = append(ids, c.ID)
			}
		}
		raised, err = donation.RaisedOf(ctx, tx, ids)
		return err
	})
	return cards, raised, err
}

// Share records a share link of public request id by sharerUserID (0 when
// not signed in) and returns its token; apperr.NotFound when the request
// is not public. A share only counts: it never pays anyone (R-REF-3).
func (s *Service) Share(ctx context.Context, id, sharerUserID int64) (string, error) {
	token := donation.NewShareToken()
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		st, err := s.Campaigns.State(ctx, tx, id)
		if err != nil {
			return err
		}
		if !IsPublic(st) {
			return apperr.New(apperr.NotFound, "")
		}
		return donation.RecordShare(ctx, tx, token, id, sharerUserID)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Support is what a publisher's request raised and where it came from.
type Support struct {
	Raised  money.Fen
	Donors  int
	Sources donation.Sources
	// Names are the masked phone numbers of the signed-in sharers.
	Names map[int64]string
}

// SupportIn reads what request id, published by publisherID, raised and
// where it came from, inside the caller's transaction (the publisher's
// status page reads it with the rest of the request). The publisher's own
// number is not unsealed: their page says "your share".
func (s *Service) SupportIn(ctx context.Context, tx *store.Tx, id, publisherID int64) (Support, error) {
	var sup Support
	var err error
	if sup.Raised, sup.Donors, err = donation.Totals(ctx, tx, id); err != nil {
		return sup, err
	}
	if sup.Sources, err = donation.SourcesOf(ctx, tx, id); err != nil {
		return sup, err
	}
	sup.Names = map[int64]string{}
	for _, sh := range sup.Sources.Shares {
		if _, ok := sup.Names[sh.SharerUserID]; ok || sh.SharerUserID == 0 || sh.SharerUserID == publisherID {
			continue
		}
		if sup.Names[sh.SharerUserID], err = s.maskedUser(ctx, tx, sh.SharerUserID); err != nil {
			return sup, err
		}
	}
	return sup, nil
}

// donorNames returns the masked phone number of each signed-in donor of
// ds who did not ask to be anonymous (Recent leaves those out), as the
// account page masks it: 138****8000.
func (s *Service) donorNames(ctx context.Context, tx *store.Tx, ds []donation.Public) (map[int64]string, error) {
	names := map[int64]string{}
	for _, d := range ds {
		if d.DonorUserID == 0 {
			continue
		}
		if _, ok := names[d.DonorUserID]; ok {
			continue
		}
		name, err := s.maskedUser(ctx, tx, d.DonorUserID)
		if err != nil {
			return nil, err
		}
		names[d.DonorUserID] = name
	}
	return names, nil
}

// maskedUser returns user id's phone number masked, or "" for no such
// user.
func (s *Service) maskedUser(ctx context.Context, tx *store.Tx, id int64) (string, error) {
	u, err := s.Accounts.Get(ctx, tx, id)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		return "", nil
	case err != nil:
		return "", err
	}
	return idcard.MaskPhone(u.Phone), nil
}

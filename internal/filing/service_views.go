package filing

import (
	"context"
	"slices"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
)

// What the publisher's pages and the API read, each in one transaction.

// Mine returns the requests user filed.
func (s *Service) Mine(ctx context.Context, user int64) (Mine, error) {
	var out Mine
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		verified := false
		if _, err := s.Accounts.VerifiedIdentity(ctx, tx, user); err == nil {
			verified = true
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return err
		}
		reqs, err := s.Campaigns.ListByPublisher(ctx, tx, user)
		if err != nil {
			return err
		}
		out = Mine{Verified: verified, Requests: reqs}
		return nil
	})
	return out, err
}

// Get returns the publisher's request id, or apperr.NotFound.
func (s *Service) Get(ctx context.Context, user, id int64) (campaign.Request, error) {
	var out campaign.Request
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = s.own(ctx, tx, user, id)
		return err
	})
	return out, err
}

// Form returns the filing form of request id, whatever its state.
func (s *Service) Form(ctx context.Context, user, id int64) (Form, error) {
	var out Form
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		out, err = s.form(ctx, tx, req)
		return err
	})
	return out, err
}

// AmendForm returns the form that changes the published request id; it
// returns apperr.Conflict campaign.KeyNotEditable unless the request is
// campaign.Amendable.
func (s *Service) AmendForm(ctx context.Context, user, id int64) (Form, error) {
	var out Form
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if !campaign.Amendable(req.State) {
			return apperr.New(apperr.Conflict, campaign.KeyNotEditable)
		}
		out, err = s.form(ctx, tx, req)
		return err
	})
	return out, err
}

func (s *Service) form(ctx context.Context, tx *store.Tx, req campaign.Request) (Form, error) {
	out := Form{Request: req}
	ms, err := s.Materials.List(ctx, tx, req.ID)
	if err != nil {
		return Form{}, err
	}
	out.Materials = ms
	earlier, err := s.Campaigns.PublishedBefore(ctx, tx, req.PatientIndex, req.ID)
	if err != nil {
		return Form{}, err
	}
	out.Kinds = kindCounts(ms, material.Required(req.Filing.Relationship, req.Filing.Target, earlier))
	if req.State == campaign.NeedsInfo {
		ds, err := review.Decisions(ctx, tx, req.ID)
		if err != nil {
			return Form{}, err
		}
		for _, d := range slices.Backward(ds) {
			if d.Decision == review.NeedsInfo {
				out.Questions = d.Text
				break
			}
		}
	}
	for _, k := range account.ConsentKinds {
		v, err := rules.Current(ctx, tx, k)
		if err != nil {
			return Form{}, err
		}
		out.Rules = append(out.Rules, v)
	}
	return out, nil
}

// Status returns the page of the filed request id.
func (s *Service) Status(ctx context.Context, user, id int64) (Status, error) {
	var out Status
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		out, err = s.status(ctx, tx, req)
		return err
	})
	return out, err
}

func (s *Service) status(ctx context.Context, tx *store.Tx, req campaign.Request) (Status, error) {
	out := Status{Request: req}
	switch req.State {
	case campaign.Rejected:
		ds, err := review.Decisions(ctx, tx, req.ID)
		if err != nil {
			return Status{}, err
		}
		if n := len(ds); n > 0 && ds[n-1].Decision == review.Rejected {
			out.Rejection = &ds[n-1]
		}
	case campaign.Approved, campaign.Fundraising, campaign.Closed, campaign.Settling, campaign.Completed:
		ch, err := s.Campaigns.Fundraising(ctx, tx, req.ID)
		switch {
		case err == nil:
			out.Channel = &ch
			if out.Support, err = s.support(ctx, tx, req); err != nil {
				return Status{}, err
			}
		case apperr.CodeOf(err) != apperr.NotFound:
			return Status{}, err
		}
		if out.Updates, err = s.Campaigns.Updates(ctx, tx, req.ID, true); err != nil {
			return Status{}, err
		}
	}
	return out, nil
}

func (s *Service) support(ctx context.Context, tx *store.Tx, req campaign.Request) (*Support, error) {
	raised, donors, err := donation.Totals(ctx, tx, req.ID)
	if err != nil {
		return nil, err
	}
	src, err := donation.SourcesOf(ctx, tx, req.ID)
	if err != nil {
		return nil, err
	}
	out := &Support{Raised: raised, Donors: donors, Sources: src, Sharers: map[int64]string{}}
	for _, sh := range src.Shares {
		if sh.SharerUserID == 0 || sh.SharerUserID == req.PublisherUserID {
			continue
		}
		if _, ok := out.Sharers[sh.SharerUserID]; ok {
			continue
		}
		u, err := s.Accounts.Get(ctx, tx, sh.SharerUserID)
		switch {
		case apperr.CodeOf(err) == apperr.NotFound:
			out.Sharers[sh.SharerUserID] = ""
		case err != nil:
			return nil, err
		default:
			out.Sharers[sh.SharerUserID] = idcard.MaskPhone(u.Phone)
		}
	}
	return out, nil
}

// Page returns the page of request id.
func (s *Service) Page(ctx context.Context, user, id int64) (Page, error) {
	var out Page
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if campaign.Editable(req.State) {
			f, err := s.form(ctx, tx, req)
			out = Page{Form: &f}
			return err
		}
		st, err := s.status(ctx, tx, req)
		out = Page{Status: &st}
		return err
	})
	return out, err
}

// Submitted returns request id with the charitable organisations that
// could help too (R-REQ-7).
func (s *Service) Submitted(ctx context.Context, user, id int64) (campaign.Request, []charity.Org, error) {
	var req campaign.Request
	var orgs []charity.Org
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if req, err = s.own(ctx, tx, user, id); err != nil {
			return err
		}
		orgs, err = charity.Suggest(ctx, tx, req.Filing.Diagnosis, req.Filing.HospitalCity, charitiesSuggested)
		return err
	})
	return req, orgs, err
}

// Detail returns request id as the API shows it.
func (s *Service) Detail(ctx context.Context, user, id int64) (Detail, error) {
	var out Detail
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		d := Detail{Request: req}
		if d.Materials, err = s.Materials.List(ctx, tx, req.ID); err != nil {
			return err
		}
		earlier, err := s.Campaigns.PublishedBefore(ctx, tx, req.PatientIndex, req.ID)
		if err != nil {
			return err
		}
		d.Missing = missing(d.Materials, material.Required(req.Filing.Relationship, req.Filing.Target, earlier))
		if req.State == campaign.NeedsInfo || req.State == campaign.Rejected {
			ds, err := review.Decisions(ctx, tx, req.ID)
			if err != nil {
				return err
			}
			want := review.NeedsInfo
			if req.State == campaign.Rejected {
				want = review.Rejected
			}
			if n := len(ds); n > 0 && ds[n-1].Decision == want {
				if want == review.NeedsInfo {
					d.Questions = ds[n-1].Text
				} else {
					d.Reason = ds[n-1].Text
				}
			}
		}
		if req.State != campaign.Draft {
			if d.Charities, err = charity.Suggest(ctx, tx, req.Filing.Diagnosis, req.Filing.HospitalCity, charitiesSuggested); err != nil {
				return err
			}
		}
		out = d
		return nil
	})
	return out, err
}

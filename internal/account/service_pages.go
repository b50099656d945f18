package account

import (
	"context"
	"slices"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/store"
)

// profile reads user id's profile inside tx.
func (s *Service) profile(ctx context.Context, tx *store.Tx, id int64) (Profile, error) {
	u, err := s.Get(ctx, tx, id)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{User: u}
	ident, err := s.VerifiedIdentity(ctx, tx, id)
	switch {
	case err == nil:
		p.Identity = &ident
	case apperr.CodeOf(err) != apperr.NotFound:
		return Profile{}, err
	}
	return p, nil
}

// Profile returns user id's profile, or apperr.NotFound.
func (s *Service) Profile(ctx context.Context, id int64) (Profile, error) {
	var p Profile
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		p, err = s.profile(ctx, tx, id)
		return err
	})
	return p, err
}

// ViewProfile returns user id's profile to a member of staff, appending rec
// in the transaction that reads it: the view is in the audit log before
// anything is shown (R-PII-1).
func (s *Service) ViewProfile(ctx context.Context, rec audit.Record, id int64) (Profile, error) {
	var p Profile
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) (err error) {
		p, err = s.profile(ctx, tx, id)
		return err
	})
	return p, err
}

// Find returns the ID of the user with the phone number typed
// (FindByPhone), appending rec with the search: found or not, it is in the
// audit log.
func (s *Service) Find(ctx context.Context, rec audit.Record, phone string) (int64, error) {
	var id int64
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) (err error) {
		id, err = s.FindByPhone(ctx, tx, phone)
		return err
	})
	return id, err
}

// Overview returns user id's account page.
func (s *Service) Overview(ctx context.Context, id int64) (Overview, error) {
	var o Overview
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		p, err := s.profile(ctx, tx, id)
		if err != nil {
			return err
		}
		got := Overview{Profile: p}
		if got.Sessions, err = session.List(ctx, tx, session.User, id); err != nil {
			return err
		}
		if got.Consents, err = rules.Consents(ctx, tx, p.User.Actor()); err != nil {
			return err
		}
		if len(got.Consents) > 0 {
			needed, err := rules.Needed(ctx, tx, p.User.Actor(), ConsentKinds...)
			if err != nil {
				return err
			}
			// Only a document agreed to before can have changed: a donor
			// agreed to the donation terms only (donation.ConsentKinds)
			// and is not asked here about the publishing rules.
			for _, v := range needed {
				if slices.ContainsFunc(got.Consents, func(c rules.Consent) bool { return c.Kind == v.Kind }) {
					got.Changed = append(got.Changed, v)
				}
			}
		}
		o = got
		return nil
	})
	return o, err
}

// EndSession signs user id out of their session sessionID on another device.
// Another user's session is apperr.NotFound.
func (s *Service) EndSession(ctx context.Context, id, sessionID int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		return session.EndByID(ctx, tx, session.User, id, sessionID)
	})
}

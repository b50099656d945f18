package rules

import (
	"context"
	"slices"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
)

// Service holds the use cases of the rules documents, one transaction each:
// reading them in public, consenting to them, and keeping them in the staff
// console. Methods that take an audit.Record append it in the transaction
// that does the action.
type Service struct{ DB *store.DB }

// Current returns the version in force of each kind asked (all of Kinds when
// none are), in that order (R-RULES-1).
func (s *Service) Current(ctx context.Context, kinds ...Kind) ([]Version, error) {
	if len(kinds) == 0 {
		kinds = Kinds
	}
	var out []Version
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		list := make([]Version, 0, len(kinds))
		for _, k := range kinds {
			v, err := Current(ctx, tx, k)
			if err != nil {
				return err
			}
			list = append(list, v)
		}
		out = list
		return nil
	})
	return out, err
}

// Shown is a rules document as its public page shows it.
type Shown struct {
	Version   Version   // the version asked for
	CurrentID int64     // the version in force
	History   []Version // every version that was in force, for the links
}

// Show returns version id of kind, or the one in force when id is 0: every
// version that was ever in force stays readable. An unknown kind, an unknown
// id, an id of another kind and a version never in force are
// apperr.NotFound.
func (s *Service) Show(ctx context.Context, k Kind, id int64) (Shown, error) {
	if !slices.Contains(Kinds, k) {
		return Shown{}, apperr.New(apperr.NotFound, "")
	}
	var out Shown
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		current, err := Current(ctx, tx, k)
		if err != nil {
			return err
		}
		v := current
		if id != 0 {
			if v, err = Get(ctx, tx, id); err != nil {
				return err
			}
			if v.Kind != k || v.State == StateDraft || v.State == StateReported {
				return apperr.New(apperr.NotFound, "")
			}
		}
		history, err := History(ctx, tx, k)
		out = Shown{Version: v, CurrentID: current.ID, History: history}
		return err
	})
	return out, err
}

// Consent records that subject agreed to the versions (RecordConsent).
func (s *Service) Consent(ctx context.Context, subject string, versionIDs []int64, source string) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		return RecordConsent(ctx, tx, subject, versionIDs, source)
	})
}

// Desk is the console's view of the documents: the version in force of
// every kind and the pending version of those that have one.
type Desk struct {
	Current, Pending []Version
}

// Desk returns the versions in force and the pending ones, in the order of
// Kinds.
func (s *Service) Desk(ctx context.Context) (Desk, error) {
	var d Desk
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var got Desk
		for _, k := range Kinds {
			v, err := Current(ctx, tx, k)
			if err != nil {
				return err
			}
			got.Current = append(got.Current, v)
			p, ok, err := Pending(ctx, tx, k)
			if err != nil {
				return err
			}
			if ok {
				got.Pending = append(got.Pending, p)
			}
		}
		d = got
		return nil
	})
	return d, err
}

// Draft proposes a new version of k (Draft), recording rec with it. An
// unknown kind is apperr.Invalid on the field "kind".
func (s *Service) Draft(ctx context.Context, rec audit.Record, k Kind, major bool, title, body, summary map[i18n.Lang]string, by string) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		if !slices.Contains(Kinds, k) {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "kind", Key: "rules.kind_unknown"}}}
		}
		_, err := Draft(ctx, tx, k, major, title, body, summary, by)
		return err
	})
}

// RecordReport records that draft id was reported to the ministry
// (RecordReport, R-RULES-3), recording rec with it.
func (s *Service) RecordReport(ctx context.Context, rec audit.Record, id int64, reportedOn time.Time, ref, by string) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		_, err := RecordReport(ctx, tx, id, reportedOn, ref, by)
		return err
	})
}

// MakeEffective brings pending version id into force (MakeEffective),
// recording rec with it.
func (s *Service) MakeEffective(ctx context.Context, rec audit.Record, id int64, by string) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		_, err := MakeEffective(ctx, tx, id, by)
		return err
	})
}

// Standing returns where subject stands with the kinds (Standing): what a
// form asks to agree to, and what it shows as agreed already.
func (s *Service) Standing(ctx context.Context, subject string, kinds ...Kind) ([]Agreement, error) {
	var out []Agreement
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = Standing(ctx, tx, subject, kinds...)
		return err
	})
	return out, err
}

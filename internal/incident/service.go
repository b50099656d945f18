package incident

import (
	"context"
	"strconv"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/store"
)

// Service holds the use cases of personal-data incidents (R-PII-3), one
// transaction each. Every change appends the audit record it is given in the
// transaction that makes it.
type Service struct{ DB *store.DB }

// List returns every incident (List).
func (s *Service) List(ctx context.Context) ([]Incident, error) {
	var list []Incident
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		list, err = List(ctx, tx)
		return err
	})
	return list, err
}

// Get returns incident id (Get).
func (s *Service) Get(ctx context.Context, id int64) (Incident, error) {
	var in Incident
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		in, err = Get(ctx, tx, id)
		return err
	})
	return in, err
}

// Open opens an incident (Open). Its record names the incident, whose id
// Open makes, so rec's Object is set here and the record appended after.
func (s *Service) Open(ctx context.Context, rec audit.Record, in Input, by string) (Incident, error) {
	var opened Incident
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		o, err := Open(ctx, tx, in, by)
		if err != nil {
			return err
		}
		r := rec
		r.Object = "incident:" + strconv.FormatInt(o.ID, 10)
		if _, err := audit.Append(ctx, tx, r); err != nil {
			return err
		}
		opened = o
		return nil
	})
	return opened, err
}

// AddStep adds a step to incident id (AddStep), recording rec with it.
func (s *Service) AddStep(ctx context.Context, rec audit.Record, id int64, kind, text, by string) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		_, err := AddStep(ctx, tx, id, kind, text, by)
		return err
	})
}

// SetStatus moves incident id to status st (SetStatus), recording rec with
// it.
func (s *Service) SetStatus(ctx context.Context, rec audit.Record, id int64, st Status, by string) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		_, err := SetStatus(ctx, tx, id, st, by)
		return err
	})
}

// RecordNotice records a notice of incident id (RecordNotice), recording
// rec with it.
func (s *Service) RecordNotice(ctx context.Context, rec audit.Record, id int64, in NoticeInput, by string) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		_, err := RecordNotice(ctx, tx, id, in, by)
		return err
	})
}

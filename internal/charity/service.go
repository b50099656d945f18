package charity

import (
	"context"
	"strconv"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/store"
)

// Service keeps the charity referral list (R-REQ-7), one transaction per
// use case. Every change appends the audit record it is given in the
// transaction that makes it.
type Service struct{ DB *store.DB }

// List returns every organisation (List).
func (s *Service) List(ctx context.Context) ([]Org, error) {
	var orgs []Org
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		orgs, err = List(ctx, tx)
		return err
	})
	return orgs, err
}

// Create adds an organisation (Create). Its record names the new
// organisation, whose id Create makes, so rec's Object is set here and the
// record is appended after Create; on PostgreSQL an append racing another
// then fails the transaction, and DB.Write runs it again.
func (s *Service) Create(ctx context.Context, rec audit.Record, in Input) (Org, error) {
	var created Org
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		o, err := Create(ctx, tx, in)
		if err != nil {
			return err
		}
		r := rec
		r.Object = "charity:" + strconv.FormatInt(o.ID, 10)
		if _, err := audit.Append(ctx, tx, r); err != nil {
			return err
		}
		created = o
		return nil
	})
	return created, err
}

// Update changes organisation id (Update), recording rec with it.
func (s *Service) Update(ctx context.Context, rec audit.Record, id int64, in Input) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		_, err := Update(ctx, tx, id, in)
		return err
	})
}

// SetActive lists or unlists organisation id (SetActive), recording rec
// with it.
func (s *Service) SetActive(ctx context.Context, rec audit.Record, id int64, active bool) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error { return SetActive(ctx, tx, id, active) })
}

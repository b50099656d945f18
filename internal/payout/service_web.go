package payout

import (
	"context"
	"database/sql"
	"io"
	"slices"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// The documents of payouts, as the pages need them. Once a request is
// published its filing form takes no more uploads, yet a payout needs new
// ones: the relationship or guardianship proof of a payee (R-DISB-2), the
// batch's medical plan or expense list (R-DISB-3) and the receipts of a
// usage update (R-DISB-4). They are stored as the request's materials, like
// every other document, sealed, and reviewed by staff as before.

// DocumentKinds are the kinds of document a publisher adds for a payout.
var DocumentKinds = []material.Kind{material.Relationship, material.ExpenseList, material.Other}

// Documents lists the current materials of request requestID for its
// publisher or requester (else as Options refuses), to choose from.
func (s *Service) Documents(ctx context.Context, userID, requestID int64) ([]material.Material, error) {
	var out []material.Material
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		out = nil
		if _, err := s.actor(ctx, tx, userID, requestID); err != nil {
			return err
		}
		all, err := s.Materials.List(ctx, tx, requestID)
		if err != nil {
			return err
		}
		for _, m := range all {
			if !m.Withdrawn {
				out = append(out, m)
			}
		}
		return nil
	})
	return out, err
}

// AddDocument stores file as a document of kind (one of DocumentKinds, else
// apperr.Invalid on field "kind") of request requestID, for its publisher or
// requester. The file is checked, stripped and sealed as every material is.
// When file is an io.Seeker a second run of the transaction reads it again.
func (s *Service) AddDocument(ctx context.Context, userID, requestID int64, kind material.Kind, file io.Reader) (material.Material, error) {
	if !slices.Contains(DocumentKinds, kind) {
		return material.Material{}, invalid(apperr.FieldError{Field: "kind", Key: material.KeyKindInvalid})
	}
	var out material.Material
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := s.actor(ctx, tx, userID, requestID); err != nil {
			return err
		}
		m, err := s.Materials.Add(ctx, tx, requestID, kind, file, "file", userActor(userID))
		out = m
		return err
	})
	return out, err
}

// OpenDocument returns material mid, attached to payout id (by its
// application, an answer or a usage update), with its content, to finance
// officer viewer after appending rec: the record of the view of personal
// data (R-PII-1). The staff View refuses are refused; a material not
// attached to the payout is apperr.NotFound.
func (s *Service) OpenDocument(ctx context.Context, rec audit.Record, id, mid int64, viewer staff.Staff) (material.Material, []byte, error) {
	var m material.Material
	var content []byte
	err := s.write(ctx, rec, func(tx *store.Tx) error {
		r, _, err := s.step(ctx, tx, id, viewer, StepClaim)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM payout_materials WHERE payout_id = $1 AND material_id = $2",
			id, mid).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.NotFound, KeyUnknown)
		}
		m, content, err = s.Materials.Open(ctx, tx, r.RequestID, mid)
		return err
	})
	return m, content, err
}

// Attached lists the ids of the materials attached to payout id by its
// answers and usage updates (Payout.Materials holds the application's),
// for a finance officer's page; it reads no content.
func (s *Service) Attached(ctx context.Context, id int64) ([]int64, error) {
	var out []int64
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
			var m int64
			err := rows.Scan(&m)
			return m, err
		}, "SELECT DISTINCT material_id FROM payout_materials WHERE payout_id = $1 AND purpose <> 'application' ORDER BY material_id", id)
		return err
	})
	return out, err
}

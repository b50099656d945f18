package termination

import (
	"context"
	"io"
	"slices"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// Upload is one uploaded file and the form field it came from.
type Upload struct {
	Field string
	File  io.Reader
}

// viewer re-reads staff member by and refuses a role not in roles.
func viewer(ctx context.Context, tx *store.Tx, by staff.Staff, roles []staff.Role) (staff.Staff, error) {
	cur, err := staff.Get(ctx, tx, by.ID)
	if apperr.CodeOf(err) == apperr.NotFound || err == nil && (cur.Disabled || cur.Locked || !slices.Contains(roles, cur.Role)) {
		return staff.Staff{}, apperr.New(apperr.Forbidden, KeyRole)
	}
	return cur, err
}

// recovery reads the receivable's outstanding balance of termination t.
func (s *Service) recovery(ctx context.Context, t Termination) (Recovery, error) {
	if t.ReceivableEntry == 0 {
		return RecoveryOf(0, 0), nil
	}
	out, err := s.Ledger.Balance(ctx, ReceivableAccount(t.RequestID))
	if err != nil {
		return Recovery{}, err
	}
	return RecoveryOf(t.PaidOut, out), nil
}

// Board returns the terminations console page's content for viewer by.
func (s *Service) Board(ctx context.Context, by staff.Staff) (Board, error) {
	var b Board
	var all []Termination
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := viewer(ctx, tx, by, ViewRoles); err != nil {
			return err
		}
		var err error
		if b.Suspended, err = listSuspended(ctx, tx); err != nil {
			return err
		}
		all, err = listTerminations(ctx, tx, "p.status <> 'rejected'")
		return err
	})
	if err != nil {
		return Board{}, err
	}
	for _, t := range all {
		if t.Status == Proposed {
			b.Proposed = append(b.Proposed, t)
			continue
		}
		r, err := s.recovery(ctx, t)
		if err != nil {
			return Board{}, err
		}
		b.Terminated = append(b.Terminated, Row{Termination: t, Recovery: r})
	}
	return b, nil
}

// Detail returns termination id's page for viewer by: officers masked,
// documents without content.
func (s *Service) Detail(ctx context.Context, by staff.Staff, id int64) (Detail, error) {
	var d Detail
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := viewer(ctx, tx, by, ViewRoles); err != nil {
			return err
		}
		var err error
		if d.Termination, err = getTermination(ctx, tx, id); err != nil {
			return err
		}
		r, err := s.Campaigns.Get(ctx, tx, d.Termination.RequestID)
		if err != nil {
			return err
		}
		d.Title = r.Filing.Title
		docs, err := listDocuments(ctx, tx, id)
		if err != nil {
			return err
		}
		if d.Referrals, err = listReferrals(ctx, tx, id); err != nil {
			return err
		}
		d.Evidence = nil
		for _, doc := range docs {
			i := slices.IndexFunc(d.Referrals, func(r Referral) bool { return r.ID == doc.ReferralID })
			if i < 0 {
				d.Evidence = append(d.Evidence, doc)
			} else {
				d.Referrals[i].Documents = append(d.Referrals[i].Documents, doc)
			}
		}
		return nil
	})
	if err != nil {
		return Detail{}, err
	}
	d.Recovery, err = s.recovery(ctx, d.Termination)
	return d, err
}

// AddEvidence adds a document to termination id, proposed or approved (not
// rejected), as staff member by (ReferralRoles, not related), appending rec
// in the same transaction.
func (s *Service) AddEvidence(ctx context.Context, rec audit.Record, by staff.Staff, id int64, f Upload) (Document, error) {
	var d Document
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		t, err := getTermination(ctx, tx, id)
		if err != nil {
			return err
		}
		who, err := active(ctx, tx, by, t.RequestID, ReferralRoles)
		if err != nil {
			return err
		}
		if t.Status == Rejected {
			return apperr.New(apperr.Conflict, KeyDecided)
		}
		d, err = insertDocument(ctx, tx, s.Vault, id, 0, f.File, f.Field, who.ID)
		return err
	})
	return d, err
}

// AddReferral records a police referral of an approved termination
// (R-REF-2), the officer sealed (R-PII-1), with its documents, as staff
// member by (ReferralRoles, not related), appending rec with it. It returns
// apperr.Invalid with field errors, apperr.Conflict KeyNotTerminated for a
// termination not approved, and the refusals of active.
func (s *Service) AddReferral(ctx context.Context, rec audit.Record, by staff.Staff, in ReferralInput, files []Upload) (Referral, error) {
	in, err := CheckReferral(in, s.now().In(campaignZone))
	if err != nil {
		return Referral{}, err
	}
	var out Referral
	err = audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		t, err := getTermination(ctx, tx, in.TerminationID)
		if err != nil {
			return err
		}
		who, err := active(ctx, tx, by, t.RequestID, ReferralRoles)
		if err != nil {
			return err
		}
		if t.Status != Terminated {
			return apperr.New(apperr.Conflict, KeyNotTerminated)
		}
		if out, err = insertReferral(ctx, tx, s.Vault, in, who.ID); err != nil {
			return err
		}
		out.Documents = nil
		for _, f := range files {
			d, err := insertDocument(ctx, tx, s.Vault, t.ID, out.ID, f.File, f.Field, who.ID)
			if err != nil {
				return err
			}
			out.Documents = append(out.Documents, d)
		}
		return nil
	})
	return out, err
}

// RevealOfficer returns referral id's officer, unmasked, to staff member
// by (ReferralRoles, not related), after appending rec, the record of the
// view of personal data (R-PII-1, R-STAFF-1), in the same transaction.
func (s *Service) RevealOfficer(ctx context.Context, rec audit.Record, by staff.Staff, id int64) (string, error) {
	var plain string
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, o, err := officer(ctx, tx, s.Vault, id)
		if err != nil {
			return err
		}
		t, err := getTermination(ctx, tx, r.TerminationID)
		if err != nil {
			return err
		}
		if _, err := active(ctx, tx, by, t.RequestID, ReferralRoles); err != nil {
			return err
		}
		plain = o
		return nil
	})
	return plain, err
}

// OpenDocument returns document docID of termination id with its content
// to staff member by (ReferralRoles, not related), after appending rec in
// the same transaction: every opening is recorded (R-PII-1, R-STAFF-1).
func (s *Service) OpenDocument(ctx context.Context, rec audit.Record, by staff.Staff, id, docID int64) (Document, []byte, error) {
	var d Document
	var content []byte
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		t, err := getTermination(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := active(ctx, tx, by, t.RequestID, ReferralRoles); err != nil {
			return err
		}
		d, content, err = openDocument(ctx, tx, s.Vault, id, docID)
		return err
	})
	return d, content, err
}

// Public returns what request requestID's public page shows of its
// suspension or termination (R-REV-4, R-DISC-2); nothing for a request
// never suspended.
func (s *Service) Public(ctx context.Context, requestID int64) (Public, error) {
	var p Public
	var t Termination
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		p, t = Public{}, Termination{}
		st, err := requestState(ctx, tx, requestID)
		if err != nil {
			return err
		}
		sus, ok, err := lastSuspension(ctx, tx, requestID)
		if err != nil {
			return err
		}
		switch {
		case !ok && st != campaign.Suspended:
			return nil
		case !ok:
			// Suspended without a notice of its own: the page says it is
			// paused all the same.
			p.Suspended = true
		case st == campaign.Suspended:
			p.Suspended, p.Notice, p.SuspendedAt = true, sus.Notice, sus.SuspendedAt
		case !sus.Open():
			p.Resumed, p.ResumeNote, p.ResumedAt = true, sus.ResumeNote, sus.ResumedAt
		}
		if v, err := s.Campaigns.LatestVersion(ctx, tx, requestID); err == nil {
			p.Title = v.Published.Title
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return err
		}
		all, err := listTerminations(ctx, tx, "t.request_id = $1 AND t.terminated_at IS NOT NULL", requestID)
		if err != nil || len(all) == 0 {
			return err
		}
		t = all[0]
		p.Suspended, p.Resumed = false, false
		p.Terminated, p.PublicReason, p.Findings, p.TerminatedAt, p.PaidOut = true, t.PublicReason, t.Findings, t.TerminatedAt, t.PaidOut
		rs, err := listReferrals(ctx, tx, t.ID)
		p.Referrals = publicReferrals(rs)
		return err
	})
	if err != nil || !p.Terminated {
		return p, err
	}
	if p.Recovery, err = s.recovery(ctx, t); err != nil {
		return Public{}, err
	}
	if s.Refunds != nil {
		var r money.Fen
		if r, err = s.Refunds.Refundable(ctx, requestID); err != nil {
			return Public{}, err
		}
		p.Refundable, p.HasRefundable = r, true
	}
	return p, nil
}

// Object names termination id as the audit log does.
func Object(id int64) string { return "termination:" + strconv.FormatInt(id, 10) }

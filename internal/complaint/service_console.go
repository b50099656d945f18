package complaint

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// Queue returns the complaints viewer may see that match f, the most
// urgent first (the earliest handling clock). A complaint about viewer is
// never in it (R-COMP-1). It returns apperr.Forbidden for a viewer who may
// see no complaint.
func (s *Service) Queue(ctx context.Context, f Filter, viewer staff.Staff) ([]Complaint, error) {
	if !MaySee(viewer, 0) {
		return nil, apperr.New(apperr.Forbidden, "")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	var out []Complaint
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		where := []string{"(subject_staff_id IS NULL OR subject_staff_id <> $1)"}
		args := []any{viewer.ID}
		arg := func(v any) string {
			args = append(args, v)
			return "$" + strconv.Itoa(len(args))
		}
		if f.Status != "" {
			where = append(where, "status = "+arg(f.Status))
		} else {
			where = append(where, "status NOT IN ('resolved', 'dismissed')")
		}
		if f.Category != "" {
			where = append(where, "category = "+arg(f.Category))
		}
		if f.AssignedTo != 0 {
			where = append(where, "assigned_to = "+arg(f.AssignedTo))
		}
		if f.Overdue {
			now := tx.Now.UnixMicro()
			where = append(where, "((acked_at IS NULL AND closed_at IS NULL AND ack_due <= "+arg(now)+") OR (closed_at IS NULL AND handle_due <= "+arg(now)+
				") OR acked_at > ack_due OR closed_at > handle_due)")
		}
		rows, err := list(ctx, tx, strings.Join(where, " AND "), "handle_due, id", limit, args...)
		for _, r := range rows {
			out = append(out, r.Complaint)
		}
		return err
	})
	return out, err
}

// visible reads complaint id for viewer: apperr.NotFound when viewer may
// not see it (the subject never does, R-COMP-1).
func visible(ctx context.Context, tx *store.Tx, id int64, viewer staff.Staff) (row, error) {
	r, err := get(ctx, tx, id)
	if err != nil {
		return row{}, err
	}
	if !MaySee(viewer, r.SubjectStaffID) {
		return row{}, apperr.New(apperr.NotFound, KeyNotFound)
	}
	return r, nil
}

// handleable reads complaint id, open, for handler by: apperr.NotFound
// when by may not see it, apperr.Forbidden when by may see but not handle
// it, apperr.Conflict KeyClosed once it is closed.
func handleable(ctx context.Context, tx *store.Tx, id int64, by staff.Staff) (row, error) {
	r, err := visible(ctx, tx, id, by)
	if err != nil {
		return row{}, err
	}
	if !MayHandle(by, r.SubjectStaffID) {
		return row{}, apperr.New(apperr.Forbidden, "")
	}
	if r.Status.Closed() {
		return row{}, apperr.New(apperr.Conflict, KeyClosed)
	}
	return r, nil
}

// Get returns complaint id with its history and files for viewer, the
// contact details masked, appending rec (the view of a complaint holds
// personal data). It returns apperr.NotFound for no such complaint or one
// viewer may not see.
func (s *Service) Get(ctx context.Context, rec audit.Record, id int64, viewer staff.Staff) (Detail, error) {
	var d Detail
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, err := visible(ctx, tx, id, viewer)
		if err != nil {
			return err
		}
		d.Complaint = r.Complaint
		if d.Events, err = events(ctx, tx, id); err != nil {
			return err
		}
		d.Evidence, err = evidence(ctx, tx, id)
		return err
	})
	return d, err
}

// Contact reveals complaint id's contact details to viewer, appending rec
// (a pii.* action).
func (s *Service) Contact(ctx context.Context, rec audit.Record, id int64, viewer staff.Staff) (Contact, error) {
	var c Contact
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, err := visible(ctx, tx, id, viewer)
		if err != nil {
			return err
		}
		c, err = contact(ctx, tx, s.Vault, r)
		return err
	})
	return c, err
}

// EvidenceFile returns file eid of complaint id, unsealed, appending rec.
func (s *Service) EvidenceFile(ctx context.Context, rec audit.Record, id, eid int64, viewer staff.Staff) (EvidenceInfo, []byte, error) {
	var info EvidenceInfo
	var data []byte
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, err := visible(ctx, tx, id, viewer)
		if err != nil {
			return err
		}
		info, data, err = evidenceFile(ctx, tx, s.Vault, r, eid)
		return err
	})
	return info, data, err
}

// Handlers returns the staff who may be assigned complaint id: active
// complaints handlers and admins other than its subject (R-COMP-1).
func (s *Service) Handlers(ctx context.Context, id int64, viewer staff.Staff) ([]staff.Staff, error) {
	var out []staff.Staff
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		r, err := visible(ctx, tx, id, viewer)
		if err != nil {
			return err
		}
		all, err := staff.List(ctx, tx)
		for _, st := range all {
			if MayHandle(st, r.SubjectStaffID) {
				out = append(out, st)
			}
		}
		return err
	})
	return out, err
}

// Assign gives complaint id to staff member to, appending rec. It returns
// apperr.Invalid KeySubject when to is the staff member complained about
// (R-COMP-1) and KeyAssignee when to may not handle complaints.
func (s *Service) Assign(ctx context.Context, rec audit.Record, id, to int64, by staff.Staff) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, err := handleable(ctx, tx, id, by)
		if err != nil {
			return err
		}
		target, err := staff.Get(ctx, tx, to)
		if apperr.CodeOf(err) == apperr.NotFound {
			return fieldError(FieldAssignee, KeyAssignee)
		} else if err != nil {
			return err
		}
		switch {
		case target.ID == r.SubjectStaffID:
			return fieldError(FieldAssignee, KeySubject)
		case !MayHandle(target, r.SubjectStaffID):
			return fieldError(FieldAssignee, KeyAssignee)
		}
		if err := setAssignee(ctx, tx, id, to); err != nil {
			return err
		}
		return addEvent(ctx, tx, id, by.Actor(), EventAssigned, target.Actor())
	})
}

func fieldError(field, key string, args ...any) error {
	return &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: []apperr.FieldError{{Field: field, Key: key, Args: args}}}
}

// Acknowledge records that complaint id was received and triaged
// (R-COMP-2: within 1 working day), appending rec; an unassigned
// complaint goes to by. It returns apperr.Conflict KeyAcked when it was
// acknowledged already.
func (s *Service) Acknowledge(ctx context.Context, rec audit.Record, id int64, by staff.Staff) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, err := handleable(ctx, tx, id, by)
		if err != nil {
			return err
		}
		if !r.AckedAt.IsZero() {
			return apperr.New(apperr.Conflict, KeyAcked)
		}
		return acknowledge(ctx, tx, r, by)
	})
}

func acknowledge(ctx context.Context, tx *store.Tx, r row, by staff.Staff) error {
	assigned := r.AssignedTo
	if assigned == 0 {
		assigned = by.ID
	}
	if err := setAcknowledged(ctx, tx, r.ID, assigned); err != nil {
		return err
	}
	return addEvent(ctx, tx, r.ID, by.Actor(), EventAcknowledged, "")
}

// Note appends an investigation note (staff only) to complaint id, with
// rec; a triaged complaint is then under investigation.
func (s *Service) Note(ctx context.Context, rec audit.Record, id int64, text string, by staff.Staff) error {
	text = strings.TrimSpace(text)
	switch {
	case !validText(text):
		return fieldError(FieldNote, KeyChars)
	case text == "":
		return fieldError(FieldNote, KeyNoteEmpty)
	case utf8.RuneCountInString(text) > MaxNote:
		return fieldError(FieldNote, KeyNoteLong, MaxNote)
	}
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, err := handleable(ctx, tx, id, by)
		if err != nil {
			return err
		}
		if r.Status == StatusTriaged {
			if err := setStatus(ctx, tx, id, StatusInvestigating); err != nil {
				return err
			}
		}
		return addEvent(ctx, tx, id, by.Actor(), EventNote, text)
	})
}

// LinkRequest links complaint id to request requestID, once, with rec. It
// returns apperr.Invalid for no such request and apperr.Conflict KeyLinked
// when the complaint names a request already.
func (s *Service) LinkRequest(ctx context.Context, rec audit.Record, id, requestID int64, by staff.Staff) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, err := handleable(ctx, tx, id, by)
		if err != nil {
			return err
		}
		if r.RequestID != 0 {
			return apperr.New(apperr.Conflict, KeyLinked)
		}
		if ok, err := requestExists(ctx, tx, requestID); err != nil {
			return err
		} else if !ok || requestID <= 0 {
			return fieldError(FieldRequest, KeyNoRequest)
		}
		if err := setRequest(ctx, tx, id, requestID); err != nil {
			return err
		}
		return addEvent(ctx, tx, id, by.Actor(), EventLinked, "request:"+strconv.FormatInt(requestID, 10))
	})
}

// SetSubject names the staff member complaint id is about, once, with
// rec: from then on they neither see nor handle it (R-COMP-1), and it is
// taken from them if it was theirs. by may not name themself.
func (s *Service) SetSubject(ctx context.Context, rec audit.Record, id, staffID int64, by staff.Staff) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, err := handleable(ctx, tx, id, by)
		if err != nil {
			return err
		}
		if r.SubjectStaffID != 0 {
			return apperr.New(apperr.Conflict, KeyLinked)
		}
		subject, err := staff.Get(ctx, tx, staffID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return fieldError(FieldStaffRef, KeyAssignee)
		} else if err != nil {
			return err
		}
		if subject.ID == by.ID {
			return fieldError(FieldStaffRef, KeySubject)
		}
		if err := setSubject(ctx, tx, id, subject.ID, r.AssignedTo == subject.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, id, by.Actor(), EventLinked, subject.Actor())
	})
}

// Resolve closes complaint id with outcome and a response (R-COMP-1),
// appending rec. The response passes the content screen; when the
// complaint is about a request and publish is set, it is published on the
// request's page (R-DISC-2), with the dispute routes (R-DISP-1). A
// complaint not acknowledged yet is acknowledged with it. It returns
// apperr.Invalid for a wrong outcome (OutcomeDismissed is Dismiss's) or
// response.
func (s *Service) Resolve(ctx context.Context, rec audit.Record, id int64, outcome Outcome, response string, publish bool, by staff.Staff) error {
	if !outcome.Valid() || outcome == OutcomeDismissed {
		return fieldError(FieldOutcome, KeyOutcome)
	}
	return s.close(ctx, rec, id, StatusResolved, outcome, response, publish, by)
}

// Dismiss closes complaint id without action, with a response saying why,
// appending rec. A dismissal is not published.
func (s *Service) Dismiss(ctx context.Context, rec audit.Record, id int64, response string, by staff.Staff) error {
	return s.close(ctx, rec, id, StatusDismissed, OutcomeDismissed, response, false, by)
}

func (s *Service) close(ctx context.Context, rec audit.Record, id int64, st Status, outcome Outcome, response string, publish bool, by staff.Staff) error {
	response, err := CheckResponse(response)
	if err != nil {
		return err
	}
	var candidate content.Candidate
	err = audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		r, err := handleable(ctx, tx, id, by)
		if err != nil {
			return err
		}
		// R-CONT-1: the response passes the screen of every public text.
		// A refused one is not stored; a held one is stored and stays off
		// the request page until a reviewer clears it.
		candidate = content.Candidate{Place: content.PlaceComplaintResponse, Ref: ResponseRef(r.Number), Text: response}
		d, err := content.Check(ctx, tx, candidate)
		if err != nil {
			return err
		}
		if d.Action == content.ActionRefuse {
			return content.Refusal(FieldResponse)
		}
		if r.AckedAt.IsZero() {
			if err := acknowledge(ctx, tx, r, by); err != nil {
				return err
			}
		}
		if err := setClosed(ctx, tx, id, st, outcome, response, publish && r.RequestID != 0); err != nil {
			return err
		}
		kind := EventResolved
		if st == StatusDismissed {
			kind = EventDismissed
		}
		return addEvent(ctx, tx, id, by.Actor(), kind, string(outcome))
	})
	if content.IsRefusal(err) {
		// The refusal rolled the closing back; its handling record is kept.
		if rerr := content.RecordRefusal(ctx, s.DB, candidate); rerr != nil {
			return rerr
		}
	}
	return err
}

package filing

import (
	"context"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
)

// Service runs the publisher's use cases.
type Service struct {
	DB        *store.DB
	Accounts  *account.Service
	Campaigns campaign.Store
	Materials material.Store
}

// own loads request id of publisher user; another's is apperr.NotFound.
func (s *Service) own(ctx context.Context, tx *store.Tx, user, id int64) (campaign.Request, error) {
	req, err := s.Campaigns.Get(ctx, tx, id)
	if err != nil {
		return campaign.Request{}, err
	}
	if req.PublisherUserID != user {
		return campaign.Request{}, apperr.New(apperr.NotFound, "")
	}
	return req, nil
}

// canPublish refuses a publisher without a verified real name (R-ACC-1) or
// on the blacklist (R-BL-1).
func (s *Service) canPublish(ctx context.Context, tx *store.Tx, user int64) error {
	id, err := s.Accounts.VerifiedIdentity(ctx, tx, user)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.New(apperr.Forbidden, KeyVerifyFirst)
	}
	if err != nil {
		return err
	}
	return blacklist.Check(ctx, tx, s.Accounts.IDIndex(id.Number))
}

// CreateDraft starts an empty draft for user, from the browser whose device
// index is device ("" for none, R-RISK-1). It returns apperr.Forbidden
// KeyVerifyFirst without a verified real name, and the blacklist's refusal.
func (s *Service) CreateDraft(ctx context.Context, user int64, device string) (campaign.Request, error) {
	var out campaign.Request
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.canPublish(ctx, tx, user); err != nil {
			return err
		}
		req, err := s.Campaigns.CreateDraft(ctx, tx, user, campaign.Filing{})
		if err != nil {
			return err
		}
		if err := s.Campaigns.RecordDevice(ctx, tx, req.ID, device); err != nil {
			return err
		}
		out = req
		return nil
	})
	return out, err
}

// SaveDraft saves d as the draft of request id: the filing as it is typed,
// not validated, but refused whole when it cannot be stored as typed
// (campaign.Filing.CheckDraft: apperr.Invalid naming each field, with the
// unread ones). The proof of the relationship is the documents' business
// and stays as it was. It returns apperr.NotFound, apperr.Conflict
// campaign.KeyAlreadySubmitted when the request is no longer editable, and
// campaign.Store.SaveDraft's refusals (KeyStaleDraft, TooLarge).
func (s *Service) SaveDraft(ctx context.Context, user, id int64, d Draft) (campaign.Request, error) {
	if err := d.Filing.CheckDraft(); err != nil {
		return campaign.Request{}, refusal(d.Unread, err, nil)
	}
	var out campaign.Request
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if !campaign.Editable(req.State) {
			return apperr.New(apperr.Conflict, campaign.KeyAlreadySubmitted)
		}
		// The filing is copied before it is changed: its lines of use and
		// its disclosures must be as sent when this function runs again.
		f := d.Filing
		f.Use = slices.Clone(d.Filing.Use)
		f.Disclosures = maps.Clone(d.Filing.Disclosures)
		f.RelationshipProof = req.Filing.RelationshipProof
		KeepUnread(&f, req.Filing, d.Unread)
		if err := s.Campaigns.RecordDevice(ctx, tx, req.ID, d.Device); err != nil {
			return err
		}
		saved, err := s.Campaigns.SaveDraft(ctx, tx, req.ID, user, d.Revision, f)
		if err != nil {
			return err
		}
		out = saved
		return nil
	})
	return out, err
}

// Submit submits request id: every missing field and document is reported
// at once (apperr.Invalid campaign.KeyInvalid, R-REQ-1, R-REQ-2, R-REQ-3),
// the consents to the versions the client showed and the declaration are
// recorded (R-RULES-2, R-RULES-4), and the machine screen runs: on the first
// submission, and again on every answer to a reviewer's questions, which may
// change the patient or the story (R-REV-1, R-BL-1). It returns
// apperr.NotFound, apperr.Conflict campaign.KeyAlreadySubmitted (a second
// press) or KeyStaleDraft, KeyRulesChanged when a rule changed while the
// form was open, and canPublish's refusals.
func (s *Service) Submit(ctx context.Context, user, id int64, sub Submission) (campaign.Request, error) {
	var out campaign.Request
	// R-ACC-1: the patient's name and ID number are checked with the
	// identity provider before the submission can succeed (a pair
	// verified before is not asked again). The provider is called outside
	// any transaction; the submission below requires the verified check.
	var draft campaign.Request
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		draft, err = s.own(ctx, tx, user, id)
		return err
	}); err != nil {
		return out, err
	}
	if campaign.Editable(draft.State) && draft.Revision == sub.Revision {
		if err := s.Accounts.CheckPatient(ctx, user, id, draft.Filing.PatientName, draft.Filing.PatientID); err != nil {
			return out, err
		}
	}
	// Everything the function passed to Write changes is its own: a retry
	// after a serialization failure starts again from what was sent, not
	// from the revision of the attempt that was rolled back.
	var screened string
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		screened = ""
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if !campaign.Editable(req.State) {
			return apperr.New(apperr.Conflict, campaign.KeyAlreadySubmitted)
		}
		if req.Revision != sub.Revision {
			return apperr.New(apperr.Conflict, campaign.KeyStaleDraft)
		}
		if err := s.canPublish(ctx, tx, user); err != nil {
			return err
		}
		ms, err := s.Materials.List(ctx, tx, req.ID)
		if err != nil {
			return err
		}
		earlier, err := s.Campaigns.PublishedBefore(ctx, tx, req.PatientIndex, req.ID)
		if err != nil {
			return err
		}
		f := req.Filing
		dirty := false
		if d := sub.Declare; d != nil {
			f.Truthful, f.Consent = tick(d.Truthful), tick(d.Consent)
			dirty = true
		}
		if proof := hasProof(ms); f.RelationshipProof != proof {
			f.RelationshipProof = proof
			dirty = true
		}
		if dirty {
			if req, err = s.Campaigns.SaveDraft(ctx, tx, req.ID, user, req.Revision, f); err != nil {
				return err
			}
		}
		// Every problem at once: what could not be read, the filing's
		// fields and the documents. Proof of the relationship is said by
		// the documents' own message.
		var fields []apperr.FieldError
		if e := apperr.As(refusal(sub.Unread, f.Validate(tx.Now), func(field string) bool { return field == "relationship_proof" })); e != nil {
			fields = e.Fields
		}
		if fields = append(fields, missingFields(ms, f, earlier)...); len(fields) > 0 {
			return &apperr.Error{Code: apperr.Invalid, Key: campaign.KeyInvalid, Fields: fields}
		}
		// R-CONT-1: the public text passes the content screen; an
		// illegal one is refused next to the story, without saying which
		// word, and a flagged one waits in the content queue as well as
		// in review.
		screened = f.Title + "\n" + f.Story
		act, err := content.Screen(ctx, tx, screened)
		if err != nil {
			return err
		}
		if act == content.ActionRefuse {
			return &apperr.Error{Code: apperr.Invalid, Key: campaign.KeyInvalid,
				Fields: []apperr.FieldError{{Field: "story", Key: content.KeyRefused}}}
		}
		if ok, err := s.Accounts.PatientVerified(ctx, tx, f.PatientName, f.PatientID); err != nil {
			return err
		} else if !ok {
			return &apperr.Error{Code: apperr.Conflict, Key: "identity.patient_unverified",
				Fields: []apperr.FieldError{{Field: "patient_id", Key: "identity.patient_unverified"}}}
		}
		// The consents are to the versions the client showed; a rule that
		// changed while it was open is asked about again (R-RULES-2).
		var ids []int64
		for _, k := range account.ConsentKinds {
			v, err := rules.Current(ctx, tx, k)
			if err != nil {
				return err
			}
			if !slices.Contains(sub.Rules, v.ID) {
				return apperr.New(apperr.Conflict, KeyRulesChanged)
			}
			ids = append(ids, v.ID)
		}
		if err := rules.RecordConsent(ctx, tx, "user:"+strconv.FormatInt(user, 10), ids, sub.Source); err != nil {
			return err
		}
		from := req.State
		if _, err := s.Campaigns.Submit(ctx, tx, req.ID, user, req.Revision, tx.Now); err != nil {
			return err
		}
		if act == content.ActionHold {
			if _, err := content.Check(ctx, tx, content.Candidate{Place: content.PlaceRequest,
				Ref: strconv.FormatInt(req.ID, 10), Text: screened}); err != nil {
				return err
			}
		}
		if from == campaign.Draft {
			_, err = review.Screen(ctx, tx, s.Campaigns, req.ID, "system")
		} else {
			_, err = review.Rescreen(ctx, tx, s.Campaigns, req.ID, "system")
		}
		if err != nil {
			return err
		}
		submitted, err := s.Campaigns.Get(ctx, tx, req.ID)
		if err != nil {
			return err
		}
		out = submitted
		return nil
	})
	if e := apperr.As(err); e != nil && screened != "" && slices.ContainsFunc(e.Fields, func(f apperr.FieldError) bool { return f.Key == content.KeyRefused }) {
		if rerr := content.RecordRefusal(ctx, s.DB, content.Candidate{Place: content.PlaceRequest,
			Ref: strconv.FormatInt(id, 10), Text: screened}); rerr != nil {
			return out, rerr
		}
	}
	return out, err
}

// AddMaterial stores file as a document of kind for request id, uploaded by
// actor: checked by its content, stripped of metadata and sealed (R-REQ-3,
// R-PII-1). It returns apperr.NotFound, apperr.Conflict KeyWrongState once
// the request is no longer editable, and material.Store.Add's refusals on
// field "file". file is read again from its start when the transaction is
// (an io.Seeker, as an upload's file is).
func (s *Service) AddMaterial(ctx context.Context, user, id int64, kind material.Kind, file io.Reader, actor string) (material.Material, error) {
	var out material.Material
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if !campaign.Editable(req.State) {
			return apperr.New(apperr.Conflict, KeyWrongState)
		}
		m, err := s.Materials.Add(ctx, tx, req.ID, kind, file, "file", actor)
		if err != nil {
			return err
		}
		out = m
		return nil
	})
	return out, err
}

// WithdrawMaterial withdraws document mid of request id, uploaded by
// mistake: it is kept, but no longer counts or shows. It returns
// apperr.NotFound for another's request or document.
func (s *Service) WithdrawMaterial(ctx context.Context, user, id, mid int64, actor string) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		return s.Materials.Withdraw(ctx, tx, req.ID, mid, actor)
	})
}

// OwnMaterial returns document mid of request id, decrypted, for its
// publisher. Every view of a document is in the audit log, the publisher's
// own too (R-PII-1): rec, the caller's record of the view, commits with the
// read, before the bytes go.
func (s *Service) OwnMaterial(ctx context.Context, user, id, mid int64, rec audit.Record) (material.Material, []byte, error) {
	var m material.Material
	var content []byte
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		mm, c, err := s.Materials.Open(ctx, tx, req.ID, mid)
		if err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, rec); err != nil {
			return err
		}
		m, content = mm, c
		return nil
	})
	return m, content, err
}

// Close closes the channel of the publisher's request id with one of
// campaign.PublisherCloseReasons (else apperr.Invalid KeyCloseReason on
// field "reason") and a public note, as campaign.Store.Close does (R-PUB-4).
func (s *Service) Close(ctx context.Context, user, id int64, c campaign.Closing, note, actor string) error {
	if !slices.Contains(campaign.PublisherCloseReasons, c.Reason) {
		return &apperr.Error{Code: apperr.Invalid, Key: KeyCloseReason, Fields: []apperr.FieldError{{Field: "reason", Key: KeyCloseReason}}}
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		_, err = s.Campaigns.Close(ctx, tx, req.ID, c, note, actor)
		return err
	})
}

// Extend extends the fundraising period of request id once (R-PUB-4), as
// campaign.Store.Extend does.
func (s *Service) Extend(ctx context.Context, user, id int64, actor string) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		_, err = s.Campaigns.Extend(ctx, tx, req.ID, actor)
		return err
	})
}

// PostUpdate posts a progress update on request id; the wording screen runs
// on it and the patrol sees it (R-REV-4, R-DISC-2).
//
// An update the content screen refuses (R-CONT-1) is not stored; its
// handling record is written on its own.
func (s *Service) PostUpdate(ctx context.Context, user, id int64, body string) error {
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		_, err = s.Campaigns.PostUpdate(ctx, tx, req.ID, req.PublisherUserID, body)
		return err
	})
	if content.IsRefusal(err) {
		if rerr := content.RecordRefusal(ctx, s.DB, content.Candidate{Place: content.PlaceUpdate,
			Ref: "request:" + strconv.FormatInt(id, 10), Text: body}); rerr != nil {
			return rerr
		}
	}
	return err
}

// Amend changes the published request id: the new text must pass Validate
// like a filing, the patient, the documents and the consents stay, and the
// change is published at once as a new version whose page says what
// changed, in a public note screened with the changed text, so that the
// patrol sees a change with risky wording first (R-REQ-6, R-REV-4). The old
// versions stay readable. changed is false when nothing public changed. It
// returns apperr.NotFound, apperr.Conflict campaign.KeyNotEditable unless
// the request is campaign.Amendable, apperr.Invalid with every problem, and
// campaign.Store.Amend's refusals.
func (s *Service) Amend(ctx context.Context, user, id int64, a Amendment) (changed bool, err error) {
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		changed = false
		req, err := s.own(ctx, tx, user, id)
		if err != nil {
			return err
		}
		if !campaign.Amendable(req.State) {
			return apperr.New(apperr.Conflict, campaign.KeyNotEditable)
		}
		f, old := a.Filing, req.Filing
		f.Relationship, f.RelationshipDetail, f.RelationshipProof = old.Relationship, old.RelationshipDetail, old.RelationshipProof
		f.PatientName, f.PatientID, f.Consent = old.PatientName, old.PatientID, old.Consent
		if len(a.Unread) > 0 {
			return refusal(a.Unread, f.Validate(tx.Now), nil)
		}
		if _, err := s.Campaigns.Amend(ctx, tx, req.ID, a.Revision, f, tx.Now); err != nil {
			return err
		}
		version, changes, err := s.Campaigns.Publish(ctx, tx, req.ID, a.Actor)
		if err != nil || len(changes) == 0 {
			return err
		}
		if _, err := s.Campaigns.NoteChange(ctx, tx, req.ID, req.PublisherUserID, a.Note(version, changes), amendedTexts(f)); err != nil {
			return err
		}
		changed = true
		return nil
	})
	return changed, err
}

package payout

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/store"
)

// subject is a request as the publisher side needs it, with who the acting
// user is to it.
type subject struct {
	req       campaign.Request
	requester bool // the acting user is the requester (the patient)
}

// payableStates are the request states in which money may be applied for:
// published, and neither suspended, terminated nor completed.
var payableStates = []campaign.State{campaign.Approved, campaign.Fundraising, campaign.Closed, campaign.Settling}

// actor loads request id for user userID, who must be its publisher or its
// requester (the patient, by their verified identity): else
// apperr.Forbidden KeyNotYours. An unknown request is apperr.NotFound.
func (s *Service) actor(ctx context.Context, tx *store.Tx, userID, id int64) (subject, error) {
	req, err := s.Campaigns.Get(ctx, tx, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return subject{}, apperr.New(apperr.NotFound, KeyUnknown)
	}
	if err != nil {
		return subject{}, err
	}
	requester, err := isRequester(ctx, tx, userID, req.PatientIndex)
	if err != nil {
		return subject{}, err
	}
	self := req.PublisherUserID == userID && req.Filing.Relationship == campaign.Self
	if req.PublisherUserID != userID && !requester {
		return subject{}, apperr.New(apperr.Forbidden, KeyNotYours)
	}
	return subject{req: req, requester: requester || self}, nil
}

// figures are the money facts of a request.
type figures struct {
	raised, held, inProgress money.Fen
}

func requestFigures(ctx context.Context, tx *store.Tx, id int64) (figures, error) {
	var f figures
	var err error
	if f.raised, err = raised(ctx, tx, id); err != nil {
		return f, err
	}
	if f.held, err = held(ctx, tx, id); err != nil {
		return f, err
	}
	f.inProgress, err = inProgress(ctx, tx, id)
	return f, err
}

// disclosure reads the gaps of request req's disclosure for R-DISB-3: the
// topics not answered, or answered while the request was never approved
// (review verifies the filing's answers when it approves it, so an
// approved request's answered topics count as verified), and the required
// materials missing or not reviewed, or, for the ones published on the
// page, not published.
func (s *Service) disclosure(ctx context.Context, tx *store.Tx, req campaign.Request, mats []material.Material) (Disclosure, error) {
	verified := map[campaign.Topic]bool{}
	if slices.Contains(payableStates, req.State) {
		for _, t := range campaign.Topics {
			verified[t] = true
		}
	}
	earlier, err := s.Campaigns.PublishedBefore(ctx, tx, req.PatientIndex, req.ID)
	if err != nil {
		return Disclosure{}, err
	}
	d := Disclosure{OpenTopics: OpenTopics(req.Filing.Disclosures, verified)}
	for _, k := range material.Required(req.Filing.Relationship, req.Filing.Target, earlier) {
		ok := slices.ContainsFunc(mats, func(m material.Material) bool {
			return m.Kind == k && !m.Withdrawn && !m.ReviewedAt.IsZero() && (!k.Publishable() || !m.PublishedAt.IsZero())
		})
		if !ok {
			d.Materials = append(d.Materials, string(k))
		}
	}
	return d, nil
}

// mode decides R-DISB-3 for req now.
func (s *Service) mode(ctx context.Context, tx *store.Tx, req campaign.Request, raisedFen money.Fen) (ModeDecision, []material.Material, error) {
	mats, err := s.Materials.List(ctx, tx, req.ID)
	if err != nil {
		return ModeDecision{}, nil, err
	}
	d, err := s.disclosure(ctx, tx, req, mats)
	if err != nil {
		return ModeDecision{}, nil, err
	}
	return DecideMode(raisedFen, d), mats, nil
}

// blocked says why request req can take no application now.
func (s *Service) blocked(ctx context.Context, tx *store.Tx, req campaign.Request) ([]int64, error) {
	if !slices.Contains(payableStates, req.State) {
		return nil, apperr.New(apperr.Conflict, KeyNotPayable)
	}
	facts, err := usageFacts(ctx, tx, req.ID)
	if err != nil {
		return nil, err
	}
	overdue := OverdueUsage(facts, s.now())
	if len(overdue) > 0 {
		return overdue, apperr.New(apperr.Conflict, KeyUsageOverdue, overdue[0])
	}
	return nil, nil
}

// Options returns what the applicant sees before applying to be paid from
// request requestID: the money, the mode and why (R-DISB-3), the payee
// kinds and directory hospitals (R-DISB-2), and whether an overdue usage
// update blocks a new application (R-DISB-4).
func (s *Service) Options(ctx context.Context, userID, requestID int64) (Options, error) {
	var o Options
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		o = Options{RequestID: requestID, PayeeKinds: slices.Clone(PayeeKinds)}
		sub, err := s.actor(ctx, tx, userID, requestID)
		if err != nil {
			return err
		}
		f, err := requestFigures(ctx, tx, requestID)
		if err != nil {
			return err
		}
		o.Raised, o.Held, o.InProgress = f.raised, f.held, f.inProgress
		o.Available = max(f.held-f.inProgress, 0)
		if o.Mode, _, err = s.mode(ctx, tx, sub.req, f.raised); err != nil {
			return err
		}
		if o.UsageOverdue, err = s.blocked(ctx, tx, sub.req); err != nil {
			if apperr.As(err) == nil {
				return err
			}
			o.Blocked = err
		}
		if s.Hospitals != nil {
			hs, err := s.Hospitals.List(ctx, tx)
			if err != nil {
				return err
			}
			for _, h := range hs {
				o.Hospitals = append(o.Hospitals, HospitalChoice{ID: h.ID, Name: h.Name, BankName: h.BankName,
					AccountMasked: payeeid.MaskAccount(h.Account)})
			}
		}
		return nil
	})
	return o, err
}

// textOK reports whether s is valid text of 1 to n characters.
func textOK(s string, n int) bool {
	return s != "" && utf8.ValidString(s) && utf8.RuneCountInString(s) <= n && !strings.ContainsRune(s, 0)
}

// check validates a's own fields, normalising them, and returns the
// account's digits; every problem is a field error of apperr.Invalid
// KeyInvalid.
func (a *Application) check() (string, error) {
	var errs []apperr.FieldError
	add := func(field, key string, args ...any) {
		errs = append(errs, apperr.FieldError{Field: field, Key: key, Args: args})
	}
	a.Key, a.Purpose = strings.TrimSpace(a.Key), strings.TrimSpace(a.Purpose)
	a.PayeeName, a.BankName = strings.TrimSpace(a.PayeeName), strings.TrimSpace(a.BankName)
	if !textOK(a.Key, MaxKey) {
		add("key", KeyIdemKey)
	}
	if !textOK(a.Purpose, MaxPurpose) {
		add("purpose", KeyPurpose, MaxPurpose)
	}
	if k, err := ParsePayeeKind(string(a.Payee)); err != nil {
		return "", err
	} else {
		a.Payee = k
	}
	var account string
	if a.Payee != ToHospital {
		if !textOK(a.BankName, MaxBankName) {
			add("bank_name", KeyBankName, MaxBankName)
		}
		n, err := payeeid.ParseAccount(a.AccountNumber, payeeid.Corporate)
		if e := apperr.As(err); e != nil {
			add("account_number", e.Key, e.Args...)
		} else if err != nil {
			return "", err
		}
		account = n
		if a.Payee != ToRequester && !textOK(a.PayeeName, MaxPayeeName) {
			add("payee_name", KeyPayeeName, MaxPayeeName)
		}
		if a.Payee == ToRelative && !a.Relationship.Valid() {
			add("payee_relationship", KeyRelationship)
		}
	}
	// What does not apply to the payee is dropped, so that it neither
	// reaches the row nor tells a replay from the first filing.
	if a.Payee != ToRelative {
		a.Relationship = ""
	}
	switch a.Payee {
	case ToHospital:
		a.BankName, a.AccountNumber, a.PayeeName = "", "", ""
	case ToRequester:
		a.PayeeName, a.DesignatedBy = "", ""
	}
	if a.Payee != ToHospital {
		a.HospitalID = 0
	}
	if errs != nil {
		return "", invalid(errs...)
	}
	return account, nil
}

// content is the canonical text of what an application asks for, for
// telling a replay from another application under the same key.
func (a Application) content(account string) string {
	ms := dedupe(a.Materials)
	parts := []string{strconv.FormatInt(a.RequestID, 10), strconv.FormatInt(int64(a.Amount), 10), a.Purpose,
		string(a.Payee), a.PayeeName, string(a.Relationship), string(a.DesignatedBy), a.BankName, account,
		strconv.FormatInt(a.HospitalID, 10), strconv.FormatBool(a.Batch), fmt.Sprint(ms)}
	return strings.Join(parts, "\x00")
}

// Apply files application a of user userID, the request's publisher or
// requester (else apperr.Forbidden KeyNotYours). Everything is checked in
// one transaction and nothing is saved unless all passes: the fields
// (apperr.Invalid KeyInvalid with field errors), no usage update overdue
// (apperr.Conflict KeyUsageOverdue, R-DISB-4), the payee against R-DISB-2,
// R-REF-3 and the mode of R-DISB-3 (CheckPayee; a batch needs its expense
// list reviewed and published, CheckBatch), and the amount against what
// the request holds less the applications in progress (CheckAmount).
//
// The same key with the same content returns the first payout; with other
// content it is apperr.Conflict KeyKeyReused.
func (s *Service) Apply(ctx context.Context, userID int64, a Application) (Payout, error) {
	account, err := a.check()
	if err != nil {
		return Payout{}, err
	}
	var id int64
	filed := a
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		// The function may run twice: it works on its own copy.
		id = 0
		a, account := filed, account
		sub, err := s.actor(ctx, tx, userID, a.RequestID)
		if err != nil {
			return err
		}
		// The content is what was filed: a hospital by its id, so that a
		// replay still matches when the directory changed meanwhile.
		content := s.Vault.BlindIndex(contentDomain, a.content(account))
		if prior, ok, err := byKey(ctx, tx, userID, a.Key); err != nil {
			return err
		} else if ok {
			if prior.contentIndex != content {
				return apperr.New(apperr.Conflict, KeyKeyReused)
			}
			id = prior.ID
			return nil
		}
		if a.Payee == ToRequester {
			// The requester's own account is in the patient's name, as
			// filed and reviewed; the bank's instruction carries it.
			a.PayeeName = sub.req.Filing.PatientName
		}
		var h Hospital
		if a.Payee == ToHospital {
			if h, err = s.hospital(ctx, tx, a.HospitalID); err != nil {
				return err
			}
			if h.ID != 0 {
				a.BankName, a.PayeeName, account = h.BankName, h.Name, h.Account
			}
		}
		if _, err := s.blocked(ctx, tx, sub.req); err != nil {
			return err
		}
		f, err := requestFigures(ctx, tx, a.RequestID)
		if err != nil {
			return err
		}
		dec, mats, err := s.mode(ctx, tx, sub.req, f.raised)
		if err != nil {
			return err
		}
		byID := map[int64]material.Material{}
		for _, m := range mats {
			if !m.Withdrawn {
				byID[m.ID] = m
			}
		}
		for _, m := range a.Materials {
			if _, ok := byID[m]; !ok {
				return invalid(apperr.FieldError{Field: "materials", Key: KeyMaterial})
			}
		}
		proof, published := false, false
		for _, m := range a.Materials {
			mt := byID[m]
			if mt.Kind == material.Relationship && !mt.ReviewedAt.IsZero() {
				proof = true
			}
			if mt.Kind == material.ExpenseList && !mt.ReviewedAt.IsZero() && !mt.PublishedAt.IsZero() {
				published = true
			}
		}
		des := designator(sub, a, proof)
		p := Payee{Kind: a.Payee, Relationship: a.Relationship, ProofReviewed: proof, DesignatedBy: des, HospitalListed: h.ID != 0}
		if err := CheckPayee(dec.Mode, p, a.Batch); err != nil {
			return err
		}
		if a.Batch {
			if err := CheckBatch(dec.Mode, a.Payee, published); err != nil {
				return err
			}
		}
		if err := CheckAmount(a.Amount, f.held, f.inProgress); err != nil {
			return err
		}
		id, err = insert(ctx, tx, s.Vault, newPayout{Application: a, userID: userID, mode: dec.Mode, designator: des,
			hospitalName: h.Name, account: account, accountIndex: s.Vault.BlindIndex(AccountIndexDomain, account),
			contentIndex: content}, userActor(userID))
		return err
	})
	if err != nil {
		return Payout{}, err
	}
	return s.Get(ctx, userID, id)
}

// designator is who designated the account of application a as far as the
// platform can tell (R-DISB-2, M13): the requester when the signed-in
// applicant is the requester; the guardian when the applicant says so and
// files the guardianship proof, reviewed. A publisher who is neither
// designates nothing, whatever the form says.
func designator(sub subject, a Application, proof bool) Designator {
	switch {
	case a.Payee == ToRequester:
		return ByRequester
	case a.DesignatedBy == ByRequester && sub.requester:
		return ByRequester
	case a.DesignatedBy == ByGuardian && proof && (sub.requester || sub.req.Filing.Relationship == campaign.Parent):
		// The publisher is the patient's parent, the guardian a minor has,
		// with the proof reviewed.
		return ByGuardian
	}
	return ""
}

// hospital reads directory hospital id; one the directory does not list
// returns the zero Hospital, which CheckPayee refuses as unlisted.
func (s *Service) hospital(ctx context.Context, tx *store.Tx, id int64) (Hospital, error) {
	if s.Hospitals == nil || id <= 0 {
		return Hospital{}, nil
	}
	h, err := s.Hospitals.Hospital(ctx, tx, id)
	switch apperr.CodeOf(err) {
	case apperr.NotFound, apperr.Invalid:
		return Hospital{}, nil
	}
	if err != nil {
		return Hospital{}, err
	}
	if _, perr := payeeid.ParseAccount(h.Account, payeeid.Corporate); perr != nil || h.Name == "" || h.BankName == "" {
		return Hospital{}, fmt.Errorf("payout: directory hospital %d has no usable account", id)
	}
	h.Account, _ = payeeid.ParseAccount(h.Account, payeeid.Corporate)
	return h, nil
}

func userActor(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// own loads payout id for user userID, who must be allowed to act on its
// request (see actor).
func (s *Service) own(ctx context.Context, tx *store.Tx, userID, id int64) (row, subject, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return row{}, subject{}, err
	}
	sub, err := s.actor(ctx, tx, userID, r.RequestID)
	return r, sub, err
}

// Answer answers the finance officer's request for more (a payout in
// needs_info) with text and more of the request's materials; the
// application is complete again and its review clock restarts (R-DISB-1).
func (s *Service) Answer(ctx context.Context, userID, payoutID int64, text string, materials []int64) error {
	text = strings.TrimSpace(text)
	if !textOK(text, MaxText) {
		return invalid(apperr.FieldError{Field: "text", Key: KeyText, Args: []any{MaxText}})
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		r, _, err := s.own(ctx, tx, userID, payoutID)
		if err != nil {
			return err
		}
		if err := s.requestMaterials(ctx, tx, r.RequestID, materials); err != nil {
			return err
		}
		if _, err := move(ctx, tx, r, EvAnswer, userActor(userID), text, map[string]any{"complete_at": txNow}); err != nil {
			return err
		}
		return addMaterials(ctx, tx, r.ID, "answer", 0, materials)
	})
}

// requestMaterials checks that ids are current materials of request id.
func (s *Service) requestMaterials(ctx context.Context, tx *store.Tx, requestID int64, ids []int64) error {
	for _, m := range ids {
		mt, err := s.Materials.Get(ctx, tx, requestID, m)
		if apperr.CodeOf(err) == apperr.NotFound || (err == nil && mt.Withdrawn) {
			return invalid(apperr.FieldError{Field: "materials", Key: KeyMaterial})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Mine lists the payouts of request requestID for its publisher or
// requester, oldest first.
func (s *Service) Mine(ctx context.Context, userID, requestID int64) ([]Payout, error) {
	var out []Payout
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		out = nil
		if _, err := s.actor(ctx, tx, userID, requestID); err != nil {
			return err
		}
		rows, err := list(ctx, tx, "p.request_id = $1", requestID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			p, err := s.complete(ctx, tx, r)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// Get returns payout payoutID for its request's publisher or requester;
// anyone else gets apperr.Forbidden KeyNotYours.
func (s *Service) Get(ctx context.Context, userID, payoutID int64) (Payout, error) {
	var p Payout
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		r, _, err := s.own(ctx, tx, userID, payoutID)
		if err != nil {
			return err
		}
		p, err = s.complete(ctx, tx, r)
		return err
	})
	return p, err
}

// complete fills in what a row alone does not say: materials, usage
// updates, due times.
func (s *Service) complete(ctx context.Context, tx *store.Tx, r row) (Payout, error) {
	p := r.Payout
	var err error
	if p.Materials, err = materialsOf(ctx, tx, r.ID, "application"); err != nil {
		return Payout{}, err
	}
	if p.Usage, err = usageOf(ctx, tx, r.ID); err != nil {
		return Payout{}, err
	}
	if !p.Clocks.Complete.IsZero() && p.Clocks.Decided.IsZero() && p.State != NeedsInfo {
		p.ReviewDue = s.Calendar.ReviewDueBy(p.Clocks.Complete)
	}
	if !p.Clocks.Approved.IsZero() && p.Clocks.Sent.IsZero() {
		p.PaymentDue = s.Calendar.PaymentDueBy(p.Clocks.Approved)
	}
	return p, nil
}

// PostUsage posts a usage update of a paid payout (R-DISB-4): text and
// the request's receipt materials. It is public, and once posted the next
// application is no longer held back by this payout.
func (s *Service) PostUsage(ctx context.Context, userID, payoutID int64, u Usage) error {
	u.Text = strings.TrimSpace(u.Text)
	if !textOK(u.Text, MaxText) {
		return invalid(apperr.FieldError{Field: "text", Key: KeyText, Args: []any{MaxText}})
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		r, _, err := s.own(ctx, tx, userID, payoutID)
		if err != nil {
			return err
		}
		if r.State != Paid {
			return apperr.New(apperr.Conflict, KeyState, string(r.State))
		}
		if err := s.requestMaterials(ctx, tx, r.RequestID, u.Receipts); err != nil {
			return err
		}
		return insertUsage(ctx, tx, r.ID, u.Text, userActor(userID), u.Receipts)
	})
}

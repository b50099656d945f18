package console

// The console's screens of suspension and termination (R-REV-4, R-REF-2,
// R-STAFF-1): reviewers and admins suspend a published request and resume
// it, propose its termination with evidence; another admin approves it
// here or on the approvals page. A termination's page shows the evidence
// and the police referrals, the officer masked; each unmasking and each
// document opened is recorded in the audit log (R-PII-1).

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/termination"
	"github.com/carefund/carefund/internal/upload"
	"github.com/carefund/carefund/internal/web"
)

// terminationNotices are the notices a redirect after an action may ask for.
var terminationNotices = map[string]string{"suspended": "termination.notice.suspended", "resumed": "termination.notice.resumed",
	"proposed": "termination.notice.proposed", "decided": "termination.notice.decided",
	"referral": "termination.notice.referral", "evidence": "termination.notice.evidence"}

func terminationObject(id int64) string { return termination.Object(id) }

// boardForm says which form of the board a refusal belongs to.
type boardForm struct {
	which string // "suspend", "resume", "propose" or "decide"
	id    int64  // the request (suspend, resume, propose) or termination (decide)
	form  web.Form
}

func fen(r *http.Request, f money.Fen) string { return f.Format(lang(r)) }

// terminationsPage shows the board; ?request=N opens the suspension form
// for request N.
func (c *Console) terminationsPage(w http.ResponseWriter, r *http.Request) error {
	var find int64
	if v := site.Params(r).Get("request"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return apperr.New(apperr.NotFound, "")
		}
		find = id
	}
	p, err := c.boardView(r, boardForm{which: "suspend", id: find})
	if err != nil {
		return err
	}
	if key, ok := terminationNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key)
	}
	return c.render(w, r, p)
}

// boardView builds the board, with the refused form bf shown again.
func (c *Console) boardView(r *http.Request, bf boardForm) (web.StaffTerminations, error) {
	if c.Terminations == nil {
		return web.StaffTerminations{}, apperr.New(apperr.NotFound, "")
	}
	p := web.StaffTerminations{CanSuspend: c.may(r, "POST /staff/requests/{id}/suspend"),
		CanPropose: c.may(r, "POST /staff/requests/{id}/terminate"), CanDecide: c.may(r, "POST /staff/terminations/{id}/decide")}
	for _, f := range termination.Findings {
		p.Findings = append(p.Findings, string(f))
	}
	if bf.which == "suspend" {
		p.Find, p.Suspend = bf.id, bf.form
	}
	b, err := c.Terminations.Board(r.Context(), *me(r))
	if err != nil {
		return p, err
	}
	names, err := c.staffNames(r.Context())
	if err != nil {
		return p, err
	}
	shown := bf.form.Message == "" && len(bf.form.Errors) == 0 || bf.which == "suspend"
	for _, s := range b.Suspended {
		row := web.SuspendedRow{RequestID: s.RequestID, Notice: s.Notice, Reason: s.Reason, By: names[s.SuspendedBy],
			Since: site.Minute(s.SuspendedAt)}
		if s.RequestID == bf.id && bf.which == "resume" {
			row.Resume, shown = bf.form, true
		}
		if s.RequestID == bf.id && bf.which == "propose" {
			row.Propose, shown = bf.form, true
		}
		p.Suspended = append(p.Suspended, row)
	}
	for _, t := range b.Proposed {
		row := terminationRow(r, t, names, termination.Recovery{})
		if t.ID == bf.id && bf.which == "decide" {
			row.Decide, shown = bf.form, true
		}
		p.Proposed = append(p.Proposed, row)
	}
	for _, t := range b.Terminated {
		p.Terminated = append(p.Terminated, terminationRow(r, t.Termination, names, t.Recovery))
	}
	if !shown {
		// The form's row is gone (resumed, decided meanwhile): say why at
		// the top, where nothing hides it.
		p.Message = bf.form.Message
	}
	return p, nil
}

func terminationRow(r *http.Request, t termination.Termination, names map[int64]string, rc termination.Recovery) web.TerminationRow {
	row := web.TerminationRow{ID: t.ID, RequestID: t.RequestID, Status: string(t.Status), PublicReason: t.PublicReason,
		ProposedBy: names[t.ProposedBy], ProposedAt: site.Minute(t.ProposedAt), ApprovedBy: names[t.ApprovedBy],
		RefundRun: t.RefundRun}
	if t.Status == termination.Terminated {
		row.TerminatedAt = site.Minute(t.TerminatedAt)
		row.PaidOut, row.Outstanding, row.Recovered = fen(r, t.PaidOut), fen(r, rc.Outstanding), fen(r, rc.Recovered)
	}
	return row
}

// suspendRequest suspends request {id} (R-REV-4).
func (c *Console) suspendRequest(w http.ResponseWriter, r *http.Request) error {
	if c.Terminations == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "notice", "reason")
	if err != nil {
		return err
	}
	err = c.Auditor.Act(r, requestObject(id), "", func(rec audit.Record) error {
		_, err := c.Terminations.Suspend(r.Context(), rec, *me(r), termination.SuspendInput{RequestID: id,
			Notice: values["notice"], Reason: values["reason"]})
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffTerminations, error) {
			return c.boardView(r, boardForm{which: "suspend", id: id, form: f})
		})
	}
	return site.Redirect(w, r, "/staff/terminations?done=suspended")
}

// resumeRequest ends request {id}'s suspension (R-REV-4).
func (c *Console) resumeRequest(w http.ResponseWriter, r *http.Request) error {
	if c.Terminations == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "note")
	if err != nil {
		return err
	}
	err = c.Auditor.Act(r, requestObject(id), "", func(rec audit.Record) error {
		return c.Terminations.Resume(r.Context(), rec, *me(r), id, values["note"])
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffTerminations, error) {
			return c.boardView(r, boardForm{which: "resume", id: id, form: f})
		})
	}
	return site.Redirect(w, r, "/staff/terminations?done=resumed")
}

// MaxEvidenceForm bounds a posted form with one file: the file's limit
// and room for the texts.
const MaxEvidenceForm = upload.MaxSize + 1<<20

// readFile reads the posted file of field into memory (so that a
// transaction run again reads it again), or nil when none was sent.
func readFile(r *http.Request, field string) (*bytes.Reader, error) {
	f, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, site.BadForm(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, upload.MaxSize+1))
	if err != nil {
		return nil, site.BadForm(err)
	}
	return bytes.NewReader(b), nil
}

// multipart reads a multipart form (or a plain one), returning the named
// fields and a cleanup.
func multipart(r *http.Request, fields ...string) (map[string]string, func(), error) {
	cleanup := func() {
		if r.MultipartForm != nil {
			r.MultipartForm.RemoveAll()
		}
	}
	if err := r.ParseMultipartForm(MaxEvidenceForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, cleanup, site.BadForm(err)
	}
	values := make(map[string]string, len(fields))
	for _, k := range fields {
		values[k] = r.PostFormValue(k)
	}
	return values, cleanup, nil
}

// proposeTermination proposes terminating request {id} (R-REF-2), with
// an evidence file when one is sent.
func (c *Console) proposeTermination(w http.ResponseWriter, r *http.Request) error {
	if c.Terminations == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, cleanup, err := multipart(r, "reason", "public_reason", "patient")
	defer cleanup()
	if err != nil {
		return err
	}
	p := termination.Proposal{RequestID: id, Reason: values["reason"], PublicReason: values["public_reason"],
		PatientInvolved: values["patient"] == "1"}
	for _, f := range r.PostForm["findings"] {
		p.Findings = append(p.Findings, termination.Finding(f))
		values["finding_"+f] = "1"
	}
	file, err := readFile(r, "evidence")
	if err != nil {
		return err
	}
	var evidence []termination.Upload
	if file != nil {
		evidence = append(evidence, termination.Upload{Field: "evidence", File: file})
	}
	err = c.Auditor.Act(r, requestObject(id), "", func(rec audit.Record) error {
		_, err := c.Terminations.Propose(r.Context(), rec, *me(r), p, evidence)
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffTerminations, error) {
			return c.boardView(r, boardForm{which: "propose", id: id, form: f})
		})
	}
	return site.Redirect(w, r, "/staff/terminations?done=proposed")
}

// decideTermination approves or rejects termination {id}'s proposal.
func (c *Console) decideTermination(w http.ResponseWriter, r *http.Request) error {
	if c.Terminations == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "note", "decision")
	if err != nil {
		return err
	}
	approve := values["decision"] == "approve"
	err = c.Auditor.Act(r, terminationObject(id), values["decision"], func(rec audit.Record) error {
		if !approve && values["decision"] != "reject" {
			return apperr.New(apperr.Invalid, "termination.invalid")
		}
		_, err := c.Terminations.Decide(r.Context(), rec, *me(r), id, approve, values["note"])
		return err
	})
	if err != nil && apperr.As(err) == nil && approve {
		// Approved and committed; the follow-up failed and its job runs it
		// again. The approval stands: show the termination.
		return site.Redirect(w, r, "/staff/terminations/"+strconv.FormatInt(id, 10)+"?done=decided")
	}
	if err != nil {
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffTerminations, error) {
			return c.boardView(r, boardForm{which: "decide", id: id, form: f})
		})
	}
	return site.Redirect(w, r, "/staff/terminations/"+strconv.FormatInt(id, 10)+"?done=decided")
}

// terminationPage shows termination {id}.
func (c *Console) terminationPage(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	p, err := c.terminationView(r, id, "", web.Form{})
	if err != nil {
		return err
	}
	if key, ok := terminationNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key)
	}
	return c.render(w, r, p)
}

// terminationView builds termination id's page, with the refused form
// which ("referral" or "upload") showing f.
func (c *Console) terminationView(r *http.Request, id int64, which string, f web.Form) (web.StaffTermination, error) {
	if c.Terminations == nil {
		return web.StaffTermination{}, apperr.New(apperr.NotFound, "")
	}
	d, err := c.Terminations.Detail(r.Context(), *me(r), id)
	if err != nil {
		return web.StaffTermination{}, err
	}
	names, err := c.staffNames(r.Context())
	if err != nil {
		return web.StaffTermination{}, err
	}
	t := d.Termination
	p := web.StaffTermination{Row: terminationRow(r, t, names, d.Recovery), Title: d.Title, Reason: t.Reason,
		Patient: t.PatientInvolved, CanAdd: c.may(r, "POST /staff/terminations/{id}/referrals") && t.Status != termination.Rejected,
		CanOpen: c.may(r, "GET /staff/terminations/{id}/documents/{did}")}
	for _, fd := range t.Findings {
		p.FindingKeys = append(p.FindingKeys, fd.NameKey())
	}
	doc := func(x termination.Document) web.EvidenceRow {
		return web.EvidenceRow{ID: x.ID, Type: x.ContentType, Size: strconv.Itoa(x.Size/1024+1) + " KB",
			AddedBy: names[x.AddedBy], AddedAt: site.Minute(x.AddedAt)}
	}
	for _, x := range d.Evidence {
		p.Evidence = append(p.Evidence, doc(x))
	}
	for _, rf := range d.Referrals {
		row := web.PoliceReferralRow{ID: rf.ID, Station: rf.Station, On: rf.ReferredOn, CaseNumber: rf.CaseNumber,
			Officer: rf.OfficerMasked, AddedBy: names[rf.AddedBy], AddedAt: site.Minute(rf.AddedAt)}
		for _, x := range rf.Documents {
			row.Documents = append(row.Documents, doc(x))
		}
		p.Referrals = append(p.Referrals, row)
	}
	switch which {
	case "referral":
		p.Referral = f
	case "upload":
		p.Upload = f
	default:
		p.Message = f.Message
	}
	return p, nil
}

// addEvidence adds an evidence file to termination {id}.
func (c *Console) addEvidence(w http.ResponseWriter, r *http.Request) error {
	if c.Terminations == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	_, cleanup, err := multipart(r)
	defer cleanup()
	if err != nil {
		return err
	}
	file, err := readFile(r, "file")
	if err != nil {
		return err
	}
	err = c.Auditor.Act(r, terminationObject(id), "", func(rec audit.Record) error {
		if file == nil {
			return &apperr.Error{Code: apperr.Invalid, Key: "termination.invalid",
				Fields: []apperr.FieldError{{Field: "file", Key: "filing.file_required"}}}
		}
		_, err := c.Terminations.AddEvidence(r.Context(), rec, *me(r), id, termination.Upload{Field: "file", File: file})
		return err
	})
	if err != nil {
		return reshow(c, w, r, err, nil, func(f web.Form) (web.StaffTermination, error) {
			return c.terminationView(r, id, "upload", f)
		})
	}
	return site.Redirect(w, r, "/staff/terminations/"+strconv.FormatInt(id, 10)+"?done=evidence")
}

// addReferral records a police referral of termination {id} (R-REF-2).
func (c *Console) addReferral(w http.ResponseWriter, r *http.Request) error {
	if c.Terminations == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, cleanup, err := multipart(r, "station", "referred_on", "case_number", "officer")
	defer cleanup()
	if err != nil {
		return err
	}
	file, err := readFile(r, "file")
	if err != nil {
		return err
	}
	var files []termination.Upload
	if file != nil {
		files = append(files, termination.Upload{Field: "file", File: file})
	}
	in := termination.ReferralInput{TerminationID: id, Station: values["station"], ReferredOn: values["referred_on"],
		CaseNumber: values["case_number"], Officer: values["officer"]}
	err = c.Auditor.Act(r, terminationObject(id), "", func(rec audit.Record) error {
		_, err := c.Terminations.AddReferral(r.Context(), rec, *me(r), in, files)
		return err
	})
	if err != nil {
		// The officer is personal data: it is never put back in a form.
		values["officer"] = ""
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffTermination, error) {
			return c.terminationView(r, id, "referral", f)
		})
	}
	return site.Redirect(w, r, "/staff/terminations/"+strconv.FormatInt(id, 10)+"?done=referral#referrals")
}

// revealOfficer shows referral {rid}'s officer unmasked, recorded as a
// view of personal data (R-PII-1).
func (c *Console) revealOfficer(w http.ResponseWriter, r *http.Request) error {
	if c.Terminations == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	rid, err := site.PathNumber(r, "rid")
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	var officer string
	if err := c.Auditor.Act(r, "referral:"+strconv.FormatInt(rid, 10), "reveal officer", func(rec audit.Record) (err error) {
		officer, err = c.Terminations.RevealOfficer(r.Context(), rec, *me(r), rid)
		return err
	}); err != nil {
		return err
	}
	p, err := c.terminationView(r, id, "", web.Form{})
	if err != nil {
		return err
	}
	p.Revealed = officer
	w.Header().Set("Cache-Control", "no-store")
	return c.render(w, r, p)
}

// terminationDocument sends one document of termination {id}, decrypted,
// after recording the opening (R-PII-1, R-STAFF-1).
func (c *Console) terminationDocument(w http.ResponseWriter, r *http.Request) error {
	if c.Terminations == nil {
		return apperr.New(apperr.NotFound, "")
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	did, err := site.PathNumber(r, "did")
	if err != nil {
		return err
	}
	var d termination.Document
	var content []byte
	if err := c.Auditor.Act(r, terminationObject(id), "document "+strconv.FormatInt(did, 10), func(rec audit.Record) (err error) {
		d, content, err = c.Terminations.OpenDocument(r.Context(), rec, *me(r), id, did)
		return err
	}); err != nil {
		return err
	}
	return site.SendMaterial(w, material.Material{ID: d.ID, ContentType: d.ContentType, Size: d.Size}, content)
}

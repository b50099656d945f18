package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// The public side of complaints and reports (R-PUB-3, R-COMP-1, R-COMP-2,
// R-DISP-1): /complaints shows the published channels, the clocks promised,
// the dispute routes and the form, signed in or not; sending it shows the
// tracking number and the secret once; /complaints/track shows where a
// complaint stands to whoever holds both, or to the signed-in account that
// filed it. The rules (who must be reachable, which complaint names a
// request, the repeat and hourly limits, the upload checks) are package
// complaint's; a refused form comes back with everything typed and each
// message next to its field.

// clientIndexDomain keys the blind index of a client's address, which the
// complaint service counts for its repeat limit: never the address.
const clientIndexDomain = "complaint-client"

// complaintCategories are the form's choices, in the order of
// complaint.Categories.
func complaintCategories() []web.Option {
	var out []web.Option
	for _, c := range complaint.Categories {
		out = append(out, web.Option{Value: string(c), Key: c.Key()})
	}
	return out
}

// complaintFormView is /complaints with f, the request field prefilled
// from what was typed or the link's ?request=N, and that request's title
// when it is public.
func (s *Server) complaintFormView(r *http.Request, f web.Form) (web.ComplaintForm, error) {
	p := web.ComplaintForm{Phone: s.channels.Phone, Email: s.channels.Email, Categories: complaintCategories(),
		SignedIn: callerOf(r).user != nil, MaxUpload: complaintEvidenceLimit >> 20, MaxFiles: complaint.MaxEvidence,
		Disputes: disputeKeys(complaint.DisputeRoutes), Key: f.Value("key"), Form: f}
	if p.Key == "" {
		p.Key = newFormKey()
	}
	if p.Form.Values == nil {
		p.Form.Values = map[string]string{}
	}
	if _, typed := p.Form.Values["request"]; !typed {
		if n := site.Params(r).Get("request"); n != "" {
			p.Form.Values["request"] = limit(n, 20)
		}
	}
	id, err := strconv.ParseInt(p.Form.Value("request"), 10, 64)
	if err != nil || id <= 0 {
		return p, nil
	}
	p.RequestID = id
	req, err := s.disclosure.Published(r.Context(), id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.RequestTitle = req.Latest.Published.Title
	return p, nil
}

// complaintsPage is /complaints, linked from every page's footer and every
// request page (R-PUB-3).
func (s *Server) complaintsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.complaintFormView(r, web.Form{})
	if err != nil {
		return err
	}
	return s.render(w, r, p)
}

// complaintInput reads the form's values into a complaint; a request
// number that is not one is reported on its field.
func complaintInput(v map[string]string, files []evidenceFile, account int64) (complaint.Input, []apperr.FieldError) {
	in := complaint.Input{Category: complaint.Category(v["category"]), StaffRef: v["staff_ref"], Text: v["text"],
		ContactName: v["contact_name"], ContactPhone: v["contact_phone"], ContactEmail: v["contact_email"], AccountID: account}
	for _, f := range files {
		in.Evidence = append(in.Evidence, complaint.Evidence{Name: f.Name, Data: f.Data})
	}
	var errs []apperr.FieldError
	if n := strings.TrimPrefix(strings.TrimSpace(v["request"]), "#"); n != "" {
		id, err := strconv.ParseInt(n, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, apperr.FieldError{Field: complaint.FieldRequest, Key: complaint.KeyNoRequest})
		}
		in.RequestID = id
	}
	return in, errs
}

// submitComplaint files the complaint and shows its receipt: the tracking
// number and the secret, once. The form's token makes a second send of
// the same form show the first complaint's receipt, not file another.
func (s *Server) submitComplaint(w http.ResponseWriter, r *http.Request) error {
	if s.complaints == nil {
		return apperr.New(apperr.Unavailable, "")
	}
	post, err := readComplaintForm(r)
	view := func(f web.Form) (web.ComplaintForm, error) { return s.complaintFormView(r, f) }
	if err != nil {
		return s.refuseComplaint(w, r, err, post.Values, view)
	}
	var account int64
	if u := callerOf(r).user; u != nil {
		account = u.Subject
	}
	in, errs := complaintInput(post.Values, post.Files, account)
	if len(errs) > 0 {
		return s.refuseComplaint(w, r, &apperr.Error{Code: apperr.Invalid, Key: complaint.KeyInvalid, Fields: errs}, post.Values, view)
	}
	meta := complaint.SubmitMeta{ClientKey: s.vault.BlindIndex(clientIndexDomain, remoteIP(r)), IdempotencyKey: post.Values["key"]}
	rc, err := s.complaints.Submit(r.Context(), in, meta)
	if err != nil {
		return s.refuseComplaint(w, r, err, post.Values, view)
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, web.ComplaintReceipt{Number: rc.Number, Secret: rc.Secret})
}

// refuseComplaint shows the form again after refusal, everything typed
// kept: a flood from one address is told as such (429), with nothing
// saved.
func (s *Server) refuseComplaint(w http.ResponseWriter, r *http.Request, refusal error, values map[string]string,
	view func(web.Form) (web.ComplaintForm, error)) error {
	if e := apperr.As(refusal); e != nil && e.Code == apperr.RateLimited {
		refusal = apperr.New(apperr.RateLimited, "complaintweb.rate_limited")
	}
	return reshow(s, w, r, refusal, values, view)
}

// disputeKeys are the catalog keys of the dispute routes (R-DISP-1).
func disputeKeys(routes []complaint.DisputeRoute) []string {
	var out []string
	for _, d := range routes {
		out = append(out, d.Key())
	}
	return out
}

// complaintStatus is a complaint as its complainant sees it.
func complaintStatus(p complaint.Public) *web.ComplaintStatus {
	v := &web.ComplaintStatus{Number: p.Number, CategoryKey: p.Category.Key(), StatusKey: p.Status.Key(),
		Received: minute(p.ReceivedAt), RequestID: p.RequestID,
		Ack:    web.Clock{Due: minute(p.AckDue), Late: p.AckOverdue},
		Handle: web.Clock{Due: minute(p.HandleDue), Late: p.HandleOverdue},
		Closed: p.Status.Closed()}
	if !p.AcknowledgedAt.IsZero() {
		v.Ack.Done = minute(p.AcknowledgedAt)
	}
	if !p.ClosedAt.IsZero() {
		v.Handle.Done = minute(p.ClosedAt)
	}
	if v.Closed {
		v.OutcomeKey, v.Response = p.Outcome.Key(), p.Response
	}
	v.Disputes = disputeKeys(p.Disputes)
	return v
}

// trackPage is the status page's form.
func (s *Server) trackPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, web.ComplaintTrack{SignedIn: callerOf(r).user != nil})
}

// track shows the complaint whose number and secret were posted (POST, so
// the secret stays out of addresses and logs); a wrong pair is the same
// answer as an unknown number.
func (s *Server) track(w http.ResponseWriter, r *http.Request) error {
	if s.complaints == nil {
		return apperr.New(apperr.Unavailable, "")
	}
	values, err := site.Posted(r, "number", "secret")
	if err != nil {
		return err
	}
	signedIn := callerOf(r).user != nil
	var account int64
	if signedIn {
		account = callerOf(r).user.Subject
	}
	number := strings.ToUpper(strings.TrimSpace(values["number"]))
	keep := map[string]string{"number": number}
	view := func(f web.Form) (web.ComplaintTrack, error) {
		return web.ComplaintTrack{SignedIn: signedIn, Form: f}, nil
	}
	if number == "" {
		return reshow(s, w, r, &apperr.Error{Code: apperr.Invalid,
			Fields: []apperr.FieldError{{Field: "number", Key: "complaintweb.track.number_required"}}}, keep, view)
	}
	p, err := s.complaints.Track(r.Context(), number, strings.TrimSpace(values["secret"]), account)
	if apperr.CodeOf(err) == apperr.NotFound {
		f := web.Form{Values: keep, Message: i18n.T(s.lang(r), "complaintweb.track.not_found")}
		return s.renderStatus(w, r, http.StatusNotFound, web.ComplaintTrack{SignedIn: signedIn, Form: f})
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, web.ComplaintTrack{SignedIn: signedIn, Status: complaintStatus(p)})
}

// complaintResponses are the published responses about a request, for its
// page (R-DISC-2), each with the dispute routes (R-DISP-1).
func complaintResponses(rs []complaint.PublicResponse) []web.ComplaintResponseView {
	var out []web.ComplaintResponseView
	for _, c := range rs {
		v := web.ComplaintResponseView{Number: c.Number, CategoryKey: c.Category.Key(), OutcomeKey: c.Outcome.Key(),
			Response: c.Response, Removed: c.Removed, At: day(c.At), Disputes: disputeKeys(c.Disputes)}
		out = append(out, v)
	}
	return out
}

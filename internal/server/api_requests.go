package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/filing"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
)

// The JSON API of the publisher's requests: the same flow as the pages
// (filing.go), for an app. Amounts are integer fen.

// apiText is a text the API reads. encoding/json would read bytes that are
// not UTF-8 as U+FFFD, and the draft would then hold replacement characters
// the client never sent; such a text is kept unreadable instead (the JSON
// string as it came), so that the filing's rules refuse it on its field
// (campaign.Filing.CheckDraft) and nothing is saved.
type apiText string

func (t *apiText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if !utf8.Valid(b) {
		s = string(b)
	}
	*t = apiText(s)
	return nil
}

// apiUse is one line of the use of the money.
type apiUse struct {
	Label     apiText `json:"label"`
	AmountFen int64   `json:"amount_fen"`
	Note      apiText `json:"note"`
}

// apiDisclosure answers one topic: Answer is "yes", "no" or "" (not yet).
type apiDisclosure struct {
	Answer    apiText `json:"answer"`
	Detail    apiText `json:"detail"`
	AmountFen int64   `json:"amount_fen"`
}

// apiFiling is the filing as the API reads and writes it.
type apiFiling struct {
	Title              apiText                  `json:"title"`
	Relationship       apiText                  `json:"relationship"`
	RelationshipDetail apiText                  `json:"relationship_detail"`
	PatientName        apiText                  `json:"patient_name"`
	PatientID          apiText                  `json:"patient_id"`
	Diagnosis          apiText                  `json:"diagnosis"`
	HospitalName       apiText                  `json:"hospital_name"`
	HospitalCity       apiText                  `json:"hospital_city"`
	Story              apiText                  `json:"story"`
	TargetFen          int64                    `json:"target_fen"`
	EstimatedCostsFen  int64                    `json:"estimated_costs_fen"`
	Use                []apiUse                 `json:"use"`
	Disclosures        map[string]apiDisclosure `json:"disclosures"`
}

// filing is a as a campaign.Filing, with the fields that could not be
// read: an answer that is neither "yes", "no" nor "" (not yet answered),
// as the form names it (disclosure.T).
func (a apiFiling) filing() (campaign.Filing, []apperr.FieldError) {
	f := campaign.Filing{
		Title: string(a.Title), Relationship: campaign.Relationship(a.Relationship), RelationshipDetail: string(a.RelationshipDetail),
		PatientName: string(a.PatientName), PatientID: string(a.PatientID), Diagnosis: string(a.Diagnosis),
		HospitalName: string(a.HospitalName), HospitalCity: string(a.HospitalCity), Story: string(a.Story),
		Target: money.Fen(a.TargetFen), EstimatedCosts: money.Fen(a.EstimatedCostsFen),
		Disclosures: map[campaign.Topic]campaign.Disclosure{},
	}
	for _, u := range a.Use {
		f.Use = append(f.Use, campaign.UseItem{Label: string(u.Label), Amount: money.Fen(u.AmountFen), Note: string(u.Note)})
	}
	var unread []apperr.FieldError
	for _, t := range slices.Sorted(maps.Keys(a.Disclosures)) {
		d := a.Disclosures[t]
		switch d.Answer {
		case "yes", "no", "":
		default:
			if campaign.Topic(t).Valid() {
				unread = append(unread, apperr.FieldError{Field: "disclosure." + t, Key: campaign.KeyAnswerInvalid})
			}
		}
		f.Disclosures[campaign.Topic(t)] = campaign.Disclosure{Answered: d.Answer == "yes" || d.Answer == "no",
			Yes: d.Answer == "yes", Detail: string(d.Detail), Amount: money.Fen(d.AmountFen)}
	}
	return f, unread
}

func apiFilingOf(f campaign.Filing) apiFiling {
	a := apiFiling{
		Title: apiText(f.Title), Relationship: apiText(f.Relationship), RelationshipDetail: apiText(f.RelationshipDetail),
		PatientName: apiText(f.PatientName), PatientID: apiText(f.PatientID), Diagnosis: apiText(f.Diagnosis),
		HospitalName: apiText(f.HospitalName), HospitalCity: apiText(f.HospitalCity), Story: apiText(f.Story),
		TargetFen: int64(f.Target), EstimatedCostsFen: int64(f.EstimatedCosts),
		Use: []apiUse{}, Disclosures: map[string]apiDisclosure{},
	}
	for _, u := range f.Use {
		a.Use = append(a.Use, apiUse{Label: apiText(u.Label), AmountFen: int64(u.Amount), Note: apiText(u.Note)})
	}
	for t, d := range f.Disclosures {
		ans := ""
		switch {
		case d.Answered && d.Yes:
			ans = "yes"
		case d.Answered:
			ans = "no"
		}
		a.Disclosures[string(t)] = apiDisclosure{Answer: apiText(ans), Detail: apiText(d.Detail), AmountFen: int64(d.Amount)}
	}
	return a
}

// apiMaterial is a document's description; never its content or name.
type apiMaterial struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	UploadedAt  time.Time `json:"uploaded_at"`
	Reviewed    bool      `json:"reviewed"`
}

func apiMaterialOf(m material.Material) apiMaterial {
	return apiMaterial{ID: m.ID, Kind: string(m.Kind), ContentType: m.ContentType, Size: m.Size,
		UploadedAt: m.UploadedAt, Reviewed: !m.ReviewedAt.IsZero()}
}

// apiMyRequest is one of the publisher's requests.
type apiMyRequest struct {
	ID        int64         `json:"id"`
	State     string        `json:"state"`
	Revision  int           `json:"revision"`
	UpdatedAt time.Time     `json:"updated_at"`
	Filing    *apiFiling    `json:"filing,omitempty"`
	Materials []apiMaterial `json:"materials,omitempty"`
	// Questions are the reviewer's, while the request needs information.
	Questions string `json:"questions,omitempty"`
	// Required lists the kinds of document the request still needs.
	Required []string `json:"required,omitempty"`
	// Reason is the reviewer's reason, once the request is rejected.
	Reason string `json:"reason,omitempty"`
	// Charities are organisations that could help too, suggested once
	// the request is submitted (R-REQ-7).
	Charities []apiCharity `json:"charities,omitempty"`
}

// apiCharity is one organisation of the referral list.
type apiCharity struct {
	Name    string `json:"name"`
	Summary string `json:"summary"`
	URL     string `json:"url,omitempty"`
}

func (s *Server) apiMyRequests(w http.ResponseWriter, r *http.Request) error {
	mine, err := s.filing.Mine(r.Context(), callerOf(r).user.Subject)
	if err != nil {
		return err
	}
	out := struct {
		Requests []apiMyRequest `json:"requests"`
	}{Requests: []apiMyRequest{}}
	for _, q := range mine.Requests {
		out.Requests = append(out.Requests, apiMyRequest{ID: q.ID, State: string(q.State), Revision: q.Revision, UpdatedAt: q.UpdatedAt})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiNewRequest(w http.ResponseWriter, r *http.Request) error {
	user := callerOf(r).user.Subject
	req, err := s.filing.CreateDraft(r.Context(), user, s.deviceIndex(r))
	if err != nil {
		return err
	}
	d, err := s.filing.Detail(r.Context(), user, req.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/my/requests/"+strconv.FormatInt(req.ID, 10))
	return writeJSON(w, http.StatusCreated, apiMyRequestOf(d))
}

func (s *Server) apiMyRequest(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	d, err := s.filing.Detail(r.Context(), user, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiMyRequestOf(d))
}

// apiMyRequestOf is the request as its publisher reads it.
func apiMyRequestOf(d filing.Detail) apiMyRequest {
	req := d.Request
	f := apiFilingOf(req.Filing)
	out := apiMyRequest{ID: req.ID, State: string(req.State), Revision: req.Revision, UpdatedAt: req.UpdatedAt, Filing: &f,
		Materials: []apiMaterial{}, Questions: d.Questions, Reason: d.Reason}
	for _, m := range d.Materials {
		out.Materials = append(out.Materials, apiMaterialOf(m))
	}
	for _, k := range d.Missing {
		out.Required = append(out.Required, string(k))
	}
	for _, o := range d.Charities {
		out.Charities = append(out.Charities, apiCharity{Name: o.Name, Summary: o.Summary, URL: o.URL})
	}
	return out
}

// apiSaveRequest saves the draft as it is (an app's autosave), from the
// revision the app last read. What the schema forbids (an answer other
// than "yes", "no" or "", a topic the form does not ask, a text that is not
// UTF-8) is refused on its field, and nothing is saved.
func (s *Server) apiSaveRequest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Revision int       `json:"revision"`
		Filing   apiFiling `json:"filing"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	user, id, err := own(r)
	if err != nil {
		return err
	}
	f, unread := in.Filing.filing()
	if err := filing.Refusal(unread, f); err != nil {
		return err
	}
	req, err := s.filing.SaveDraft(r.Context(), user, id, filing.Draft{Revision: in.Revision, Filing: f})
	if err != nil {
		return err
	}
	d, err := s.filing.Detail(r.Context(), user, req.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiMyRequestOf(d))
}

// apiSubmitRequest submits the draft with the declaration and the consents
// to the rules versions the app showed (R-RULES-2, R-RULES-4). The ticks
// are saved with the submission, or not at all: a refused submission leaves
// the draft at the revision the app holds.
func (s *Server) apiSubmitRequest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Revision int     `json:"revision"`
		Truthful bool    `json:"truthful"`
		Consent  bool    `json:"consent"`
		Rules    []int64 `json:"rules"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	user, id, err := own(r)
	if err != nil {
		return err
	}
	req, err := s.filing.Submit(r.Context(), user, id, filing.Submission{Revision: in.Revision, Rules: in.Rules,
		Declare: &filing.Declaration{Truthful: in.Truthful, Consent: in.Consent}, Source: remoteIP(r)})
	if err != nil {
		return err
	}
	d, err := s.filing.Detail(r.Context(), user, req.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiMyRequestOf(d))
}

// apiUploadMaterial stores one document (multipart: kind and file).
func (s *Server) apiUploadMaterial(w http.ResponseWriter, r *http.Request) error {
	if err := parseAnyForm(r); err != nil {
		return err
	}
	if r.MultipartForm == nil {
		return apperr.New(apperr.Invalid, "api.multipart_required")
	}
	m, err := s.addMaterial(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, apiMaterialOf(m))
}

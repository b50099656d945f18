package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/store"
)

// The JSON API of the publisher's requests: the same flow as the pages
// (filing.go), for an app. Amounts are integer fen.

// apiUse is one line of the use of the money.
type apiUse struct {
	Label     string `json:"label"`
	AmountFen int64  `json:"amount_fen"`
	Note      string `json:"note"`
}

// apiDisclosure answers one topic: Answer is "yes", "no" or "" (not yet).
type apiDisclosure struct {
	Answer    string `json:"answer"`
	Detail    string `json:"detail"`
	AmountFen int64  `json:"amount_fen"`
}

// apiFiling is the filing as the API reads and writes it.
type apiFiling struct {
	Title              string                   `json:"title"`
	Relationship       string                   `json:"relationship"`
	RelationshipDetail string                   `json:"relationship_detail"`
	PatientName        string                   `json:"patient_name"`
	PatientID          string                   `json:"patient_id"`
	Diagnosis          string                   `json:"diagnosis"`
	HospitalName       string                   `json:"hospital_name"`
	HospitalCity       string                   `json:"hospital_city"`
	Story              string                   `json:"story"`
	TargetFen          int64                    `json:"target_fen"`
	EstimatedCostsFen  int64                    `json:"estimated_costs_fen"`
	Use                []apiUse                 `json:"use"`
	Disclosures        map[string]apiDisclosure `json:"disclosures"`
}

func (a apiFiling) filing() campaign.Filing {
	f := campaign.Filing{
		Title: a.Title, Relationship: campaign.Relationship(a.Relationship), RelationshipDetail: a.RelationshipDetail,
		PatientName: a.PatientName, PatientID: a.PatientID, Diagnosis: a.Diagnosis, HospitalName: a.HospitalName,
		HospitalCity: a.HospitalCity, Story: a.Story, Target: money.Fen(a.TargetFen), EstimatedCosts: money.Fen(a.EstimatedCostsFen),
		Disclosures: map[campaign.Topic]campaign.Disclosure{},
	}
	for _, u := range a.Use {
		f.Use = append(f.Use, campaign.UseItem{Label: u.Label, Amount: money.Fen(u.AmountFen), Note: u.Note})
	}
	for t, d := range a.Disclosures {
		f.Disclosures[campaign.Topic(t)] = campaign.Disclosure{Answered: d.Answer == "yes" || d.Answer == "no",
			Yes: d.Answer == "yes", Detail: d.Detail, Amount: money.Fen(d.AmountFen)}
	}
	return f
}

func apiFilingOf(f campaign.Filing) apiFiling {
	a := apiFiling{
		Title: f.Title, Relationship: string(f.Relationship), RelationshipDetail: f.RelationshipDetail,
		PatientName: f.PatientName, PatientID: f.PatientID, Diagnosis: f.Diagnosis, HospitalName: f.HospitalName,
		HospitalCity: f.HospitalCity, Story: f.Story, TargetFen: int64(f.Target), EstimatedCostsFen: int64(f.EstimatedCosts),
		Use: []apiUse{}, Disclosures: map[string]apiDisclosure{},
	}
	for _, u := range f.Use {
		a.Use = append(a.Use, apiUse{Label: u.Label, AmountFen: int64(u.Amount), Note: u.Note})
	}
	for t, d := range f.Disclosures {
		ans := ""
		switch {
		case d.Answered && d.Yes:
			ans = "yes"
		case d.Answered:
			ans = "no"
		}
		a.Disclosures[string(t)] = apiDisclosure{Answer: ans, Detail: d.Detail, AmountFen: int64(d.Amount)}
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
	out := struct {
		Requests []apiMyRequest `json:"requests"`
	}{Requests: []apiMyRequest{}}
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		reqs, err := s.campaigns.ListByPublisher(r.Context(), tx, callerOf(r).user.Subject)
		for _, q := range reqs {
			out.Requests = append(out.Requests, apiMyRequest{ID: q.ID, State: string(q.State), Revision: q.Revision, UpdatedAt: q.UpdatedAt})
		}
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiNewRequest(w http.ResponseWriter, r *http.Request) error {
	req, err := s.createDraft(r)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/my/requests/"+strconv.FormatInt(req.ID, 10))
	return s.writeMyRequest(w, r, http.StatusCreated)
}

func (s *Server) apiMyRequest(w http.ResponseWriter, r *http.Request) error {
	return s.writeMyRequest(w, r, http.StatusOK)
}

// writeMyRequest answers with the request of the path, or the one just
// created (Location).
func (s *Server) writeMyRequest(w http.ResponseWriter, r *http.Request, status int) error {
	if loc := w.Header().Get("Location"); loc != "" {
		r.SetPathValue("id", loc[len("/api/v1/my/requests/"):])
	}
	var out apiMyRequest
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		req, err := s.ownRequest(r.Context(), tx, r)
		if err != nil {
			return err
		}
		f := apiFilingOf(req.Filing)
		out = apiMyRequest{ID: req.ID, State: string(req.State), Revision: req.Revision, UpdatedAt: req.UpdatedAt, Filing: &f,
			Materials: []apiMaterial{}}
		ms, err := s.materials.List(r.Context(), tx, req.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			out.Materials = append(out.Materials, apiMaterialOf(m))
		}
		earlier, err := s.campaigns.PublishedBefore(r.Context(), tx, req.PatientIndex, req.ID)
		if err != nil {
			return err
		}
		if e := apperr.As(material.Missing(ms, material.Required(req.Filing.Relationship, req.Filing.Target, earlier))); e != nil {
			for _, fe := range e.Fields {
				out.Required = append(out.Required, fe.Field[len("material_"):])
			}
		}
		if req.State == campaign.NeedsInfo || req.State == campaign.Rejected {
			ds, err := review.Decisions(r.Context(), tx, req.ID)
			if err != nil {
				return err
			}
			want := review.NeedsInfo
			if req.State == campaign.Rejected {
				want = review.Rejected
			}
			if n := len(ds); n > 0 && ds[n-1].Decision == want {
				if want == review.NeedsInfo {
					out.Questions = ds[n-1].Text
				} else {
					out.Reason = ds[n-1].Text
				}
			}
		}
		if req.State != campaign.Draft {
			orgs, err := charity.Suggest(r.Context(), tx, req.Filing.Diagnosis, req.Filing.HospitalCity, 6)
			if err != nil {
				return err
			}
			for _, o := range orgs {
				out.Charities = append(out.Charities, apiCharity{Name: o.Name, Summary: o.Summary, URL: o.URL})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, status, out)
}

// apiSaveRequest saves the draft as it is (an app's autosave), from the
// revision the app last read.
func (s *Server) apiSaveRequest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Revision int       `json:"revision"`
		Filing   apiFiling `json:"filing"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		req, err := s.ownRequest(r.Context(), tx, r)
		if err != nil {
			return err
		}
		if !editable(req.State) {
			return apperr.New(apperr.Conflict, campaign.KeyAlreadySubmitted)
		}
		f := in.Filing.filing()
		f.RelationshipProof = req.Filing.RelationshipProof
		_, err = s.campaigns.SaveDraft(r.Context(), tx, req.ID, req.PublisherUserID, in.Revision, f)
		return err
	})
	if err != nil {
		return err
	}
	return s.writeMyRequest(w, r, http.StatusOK)
}

// apiSubmitRequest submits the draft with the declaration and the consents
// to the rules versions the app showed (R-RULES-2, R-RULES-4).
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
	tick := func(b bool) string {
		if b {
			return "yes"
		}
		return ""
	}
	req, err := s.readOwn(r)
	if err != nil {
		return err
	}
	if !editable(req.State) {
		return apperr.New(apperr.Conflict, campaign.KeyAlreadySubmitted)
	}
	if req.Revision != in.Revision {
		return apperr.New(apperr.Conflict, campaign.KeyStaleDraft)
	}
	ids := make([]string, len(in.Rules))
	for i, id := range in.Rules {
		ids[i] = strconv.FormatInt(id, 10)
	}
	// The ticks are saved with the submission, or not at all: a refused
	// submission leaves the draft at the revision the app holds.
	declare := func(f *campaign.Filing) { f.Truthful, f.Consent = tick(in.Truthful), tick(in.Consent) }
	if err := s.submit(r, req, ids, nil, declare); err != nil {
		return err
	}
	return s.writeMyRequest(w, r, http.StatusOK)
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

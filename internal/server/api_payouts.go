package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/server/site"
)

// The JSON API of the publisher's payouts: the same flow as the pages
// (payoutpages.go), for an app. Amounts go in as yuan typed (parsed exactly
// by package money) and come out in fen with their text; an account comes
// out masked only.

// apiPayoutInput is an application as the API reads it.
type apiPayoutInput struct {
	ClientToken       apiText `json:"client_token"`
	Amount            apiText `json:"amount"`
	Purpose           apiText `json:"purpose"`
	Payee             apiText `json:"payee"`
	PayeeName         apiText `json:"payee_name"`
	PayeeRelationship apiText `json:"payee_relationship"`
	PayeeDesignation  apiText `json:"payee_designation"`
	BankName          apiText `json:"bank_name"`
	AccountNumber     apiText `json:"account_number"`
	HospitalID        int64   `json:"hospital_id"`
	Materials         []int64 `json:"materials"`
	Batch             bool    `json:"batch"`
}

// apiUsage is one usage update.
type apiUsage struct {
	Text     string    `json:"text"`
	Receipts int       `json:"receipts"`
	At       time.Time `json:"at"`
}

// apiPayout is one application as its publisher reads it.
type apiPayout struct {
	ID            int64      `json:"id"`
	RequestID     int64      `json:"request_id"`
	State         string     `json:"state"`
	Mode          string     `json:"mode"`
	Amount        pubAmount  `json:"amount"`
	Purpose       string     `json:"purpose"`
	Payee         string     `json:"payee"`
	Relationship  string     `json:"payee_relationship,omitempty"`
	DesignatedBy  string     `json:"payee_designation,omitempty"`
	HospitalID    int64      `json:"hospital_id,omitempty"`
	Hospital      string     `json:"hospital,omitempty"`
	BankName      string     `json:"bank_name"`
	AccountMasked string     `json:"account_masked"`
	Batch         bool       `json:"batch"`
	Materials     []int64    `json:"materials"`
	Question      string     `json:"question,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	ReviewDue     *time.Time `json:"review_due,omitempty"`
	PaymentDue    *time.Time `json:"payment_due,omitempty"`
	PaidAt        *time.Time `json:"paid_at,omitempty"`
	UsageDue      *time.Time `json:"usage_due,omitempty"`
	UsageOverdue  bool       `json:"usage_overdue"`
	Usage         []apiUsage `json:"usage"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func (s *Server) apiPayoutOf(lang i18n.Lang, p payout.Payout) apiPayout {
	out := apiPayout{ID: p.ID, RequestID: p.RequestID, State: string(p.State), Mode: string(p.Mode),
		Amount: pubAmountOf(lang, p.Amount), Purpose: p.Purpose, Payee: string(p.Payee), Relationship: string(p.Relationship),
		DesignatedBy: string(p.DesignatedBy), HospitalID: p.HospitalID, Hospital: p.HospitalName, BankName: p.BankName,
		AccountMasked: p.AccountMasked, Batch: p.Batch, Materials: append([]int64{}, p.Materials...), Reason: p.Reason,
		CreatedAt: p.CreatedAt.UTC(), ReviewDue: optTime(p.ReviewDue), PaymentDue: optTime(p.PaymentDue), PaidAt: optTime(p.PaidAt),
		UsageDue: optTime(p.UsageDue), UsageOverdue: s.usageOverdue(p), Usage: []apiUsage{}}
	if p.State == payout.NeedsInfo {
		out.Question = p.Question
	}
	for _, u := range p.Usage {
		out.Usage = append(out.Usage, apiUsage{Text: u.Text, Receipts: u.Receipts, At: u.At.UTC()})
	}
	return out
}

// apiHospital is a directory hospital the app offers; its account masked.
type apiHospital struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	BankName      string `json:"bank_name"`
	AccountMasked string `json:"account_masked"`
}

// apiMode is the mode that applies and why (R-DISB-3).
type apiMode struct {
	Mode   string   `json:"mode"`
	Reason string   `json:"reason"`
	Gaps   []string `json:"gaps"`
}

// apiPayoutOptions is what the applicant sees before applying.
type apiPayoutOptions struct {
	Raised       pubAmount     `json:"raised"`
	Held         pubAmount     `json:"held"`
	InProgress   pubAmount     `json:"in_progress"`
	Available    pubAmount     `json:"available"`
	Mode         apiMode       `json:"mode"`
	PayeeKinds   []string      `json:"payee_kinds"`
	Hospitals    []apiHospital `json:"hospitals"`
	UsageOverdue []int64       `json:"usage_overdue"`
	Blocked      string        `json:"blocked,omitempty"`
}

// apiMyPayouts answers GET /api/v1/my/requests/{id}/payouts: the options
// of a new application and the request's applications.
func (s *Server) apiMyPayouts(w http.ResponseWriter, r *http.Request) error {
	user, id, err := own(r)
	if err != nil {
		return err
	}
	ctx, lang := r.Context(), s.lang(r)
	o, err := s.payouts.Options(ctx, user, id)
	if err != nil {
		return err
	}
	list, err := s.payouts.Mine(ctx, user, id)
	if err != nil {
		return err
	}
	reason, gaps := modeText(lang, o.Mode)
	opts := apiPayoutOptions{Raised: pubAmountOf(lang, o.Raised), Held: pubAmountOf(lang, o.Held),
		InProgress: pubAmountOf(lang, o.InProgress), Available: pubAmountOf(lang, o.Available),
		Mode:       apiMode{Mode: string(o.Mode.Mode), Reason: reason, Gaps: append([]string{}, gaps...)},
		PayeeKinds: []string{}, Hospitals: []apiHospital{}, UsageOverdue: append([]int64{}, o.UsageOverdue...),
		Blocked: refusalOf(lang, o.Blocked)}
	for _, k := range o.PayeeKinds {
		opts.PayeeKinds = append(opts.PayeeKinds, string(k))
	}
	for _, h := range o.Hospitals {
		opts.Hospitals = append(opts.Hospitals, apiHospital{ID: h.ID, Name: h.Name, BankName: h.BankName, AccountMasked: h.AccountMasked})
	}
	out := struct {
		Options apiPayoutOptions `json:"options"`
		Payouts []apiPayout      `json:"payouts"`
	}{Options: opts, Payouts: []apiPayout{}}
	for _, p := range list {
		out.Payouts = append(out.Payouts, s.apiPayoutOf(lang, p))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiApplyPayout files an application: POST
// /api/v1/my/requests/{id}/payouts. The same client_token with the same
// content returns the first application; with other content it is 409.
func (s *Server) apiApplyPayout(w http.ResponseWriter, r *http.Request) error {
	var in apiPayoutInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	user, id, err := own(r)
	if err != nil {
		return err
	}
	a := payout.Application{RequestID: id, Key: string(in.ClientToken), Purpose: string(in.Purpose),
		Payee: payout.PayeeKind(in.Payee), PayeeName: string(in.PayeeName), Relationship: campaign.Relationship(in.PayeeRelationship),
		DesignatedBy: payout.Designator(in.PayeeDesignation), BankName: string(in.BankName),
		AccountNumber: string(in.AccountNumber), HospitalID: in.HospitalID, Materials: in.Materials, Batch: in.Batch}
	fen, err := money.Parse(string(in.Amount))
	if err != nil {
		key := "money.syntax"
		if e := apperr.As(err); e != nil {
			key = e.Key
		}
		return &apperr.Error{Code: apperr.Invalid, Key: payout.KeyInvalid, Fields: []apperr.FieldError{{Field: "amount", Key: key}}}
	}
	a.Amount = fen
	p, err := s.payouts.Apply(r.Context(), user, a)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/my/payouts/"+strconv.FormatInt(p.ID, 10))
	return writeJSON(w, http.StatusCreated, s.apiPayoutOf(s.lang(r), p))
}

// apiMyPayout answers GET /api/v1/my/payouts/{id}.
func (s *Server) apiMyPayout(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	p, err := s.payouts.Get(r.Context(), callerOf(r).user.Subject, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.apiPayoutOf(s.lang(r), p))
}

// apiPayoutText is an answer or a usage update.
type apiPayoutText struct {
	Text      apiText `json:"text"`
	Materials []int64 `json:"materials"`
}

// apiPayoutStep reads an answer or a usage update, runs fn and answers
// with the application as it is then.
func (s *Server) apiPayoutStep(w http.ResponseWriter, r *http.Request, fn func(user, id int64, in apiPayoutText) error) error {
	var in apiPayoutText
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	user := callerOf(r).user.Subject
	if err := fn(user, id, in); err != nil {
		return err
	}
	p, err := s.payouts.Get(r.Context(), user, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.apiPayoutOf(s.lang(r), p))
}

// apiAnswerPayout answers the finance officer's question (R-DISB-1).
func (s *Server) apiAnswerPayout(w http.ResponseWriter, r *http.Request) error {
	return s.apiPayoutStep(w, r, func(user, id int64, in apiPayoutText) error {
		return s.payouts.Answer(r.Context(), user, id, string(in.Text), in.Materials)
	})
}

// apiPayoutUsage posts a usage update with its receipts (R-DISB-4).
func (s *Server) apiPayoutUsage(w http.ResponseWriter, r *http.Request) error {
	return s.apiPayoutStep(w, r, func(user, id int64, in apiPayoutText) error {
		return s.payouts.PostUsage(r.Context(), user, id, payout.Usage{Text: string(in.Text), Receipts: in.Materials})
	})
}

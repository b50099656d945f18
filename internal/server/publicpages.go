package server

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// Requests for help in public: the home page's list, a request's page and
// its versions, the same as JSON, and closing channels whose period ended.
//
// What the public may see, and the rules of it (the public states, the
// channel as the public is told it), are package disclosure's; these
// handlers read it with one call and put it in the reader's language.

// versionView is a published version in the reader's language.
func versionView(lang i18n.Lang, v campaign.Version) web.VersionView {
	pub := v.Published
	out := web.VersionView{
		Number: v.Number, At: day(v.At), Changes: changeNames(lang, v.Changes),
		Title: pub.Title, Patient: pub.Patient, RelationshipKey: pub.Relationship.NameKey(),
		Diagnosis: pub.Diagnosis, HospitalName: pub.HospitalName, HospitalCity: pub.HospitalCity,
		Story: pub.Story, Target: pub.Target.Format(lang),
	}
	for _, it := range pub.Use {
		out.Use = append(out.Use, web.UseView{Label: it.Label, Amount: it.Amount.Format(lang), Note: it.Note})
	}
	for _, t := range campaign.Topics {
		d := pub.Disclosures[t]
		dv := web.DisclosureView{QuestionKey: t.QuestionKey(), Answered: d.Answered, Yes: d.Yes, Detail: d.Detail}
		if d.Yes && t.TakesAmount() && (d.Amount > 0 || t.NeedsAmount()) {
			dv.AmountKey, dv.Amount = t.AmountKey(), d.Amount.Format(lang)
		}
		out.Disclosures = append(out.Disclosures, dv)
	}
	return out
}

// changeNames makes the field names of campaign.Changes readable: "story"
// → "求助说明", the parts of one use item ("use.2.amount") → "use item 3"
// once, "disclosure.debts" → "debts".
func changeNames(lang i18n.Lang, fields []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range fields {
		name := fieldName(lang, f)
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

func fieldName(lang i18n.Lang, field string) string {
	if rest, ok := strings.CutPrefix(field, "use."); ok {
		n, _, _ := strings.Cut(rest, ".")
		if i, err := strconv.Atoi(n); err == nil && i >= 0 {
			return i18n.T(lang, "public.field.use", i+1)
		}
	}
	if key := "public.field." + field; i18n.Has(key) {
		return i18n.T(lang, key)
	}
	// A field this page does not know yet is still named, not hidden.
	return field
}

// descriptionRunes bounds a share card's description, the start of the
// story.
const descriptionRunes = 80

// publicRequest is a request's public page: phone-first, small, and no
// third-party origin (R-PUB-1, R-PUB-2, R-PUB-3). It is the platform's
// busiest page, so it reads in one transaction and unseals only the
// newest version and the phone numbers of the (at most ten) donors it
// names.
func (s *Server) publicRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	// Readers without a session or a share link all see the same page: it
	// may come from the micro-cache.
	// A page inside WeChat carries this browser's own share configuration.
	cacheable := r.URL.RawQuery == "" && callerOf(r).user == nil && callerOf(r).staff == nil && !s.inWeChat(r)
	key := pageKey{id: id, lang: s.lang(r)}
	if cacheable {
		if body, ok := s.pageCache.get(key, s.now()); ok {
			w.Header().Set("Cache-Control", "no-cache")
			return s.writePage(w, r, http.StatusOK, key.lang, body)
		}
	}
	gen := s.pageCache.gen.Load()
	token := validShareToken(site.Params(r).Get("s"))
	p, err := s.disclosure.Page(ctx, id, token)
	if apperr.CodeOf(err) == apperr.NotFound && s.terminations != nil {
		// Suspended or terminated: not on the public pages in full, but
		// what happened is public (R-REV-4, R-DISC-2).
		return s.requestNotice(w, r, id, err)
	}
	if err != nil {
		return err
	}
	if p.ByShare && s.countVisit(w, r, id, token) {
		p.Share.Visits++
	}
	lang := s.lang(r)
	c := p.ChannelAt(s.now())
	pub := p.Latest.Published
	page := web.PublicRequest{
		ID: id, Version: versionView(lang, p.Latest), Versions: p.Latest.Number,
		StateKey: c.StateKey, Open: c.Open, Waiting: c.Waiting,
		Closed: c.Closed, CloseNote: c.Note, ClosedAt: day(c.ClosedAt),
		Meta: web.ShareMeta{Title: pub.Title, Description: excerpt(pub.Story, descriptionRunes),
			Image: s.publicURL + s.pages.Asset("share.png"), URL: s.publicURL + requestPath(id)},
		// R-PUB-3: the complaint entry names the request it is about.
		Complaint: "/complaints?request=" + strconv.FormatInt(id, 10),
	}
	page.WeChat = s.weChatShare(w, r, id, page.Meta)
	if c.Open {
		page.Deadline = minute(c.Deadline)
		page.DaysLeft = daysLeft(s.now(), c.Deadline)
		page.Donate = requestPath(id) + "/donate"
		if p.ByShare {
			// The donation counts for the share that brought it.
			page.Donate += "?s=" + token
		}
	}
	if c.Closed {
		page.CloseKey = c.Closing.PublicKey()
	}
	if p.Channel != nil {
		page.Progress = progressOf(lang, p.Raised, pub.Target)
		page.Donors = p.Donors
		// Where the money is, from the ledger (R-DISC-1).
		page.Figures = publicFigures(lang, id, p.Figures)
		// The picture of where it went, with its words for screen readers.
		page.Flow = disclosure.FlowSVG(p.Figures, lang)
		for _, d := range p.Recent {
			// R-DON-2: Recent gives no donor for an anonymous donation,
			// so no name can reach the page.
			page.Donations = append(page.Donations, web.DonationView{Amount: d.Amount.Format(lang),
				Donor: p.Names[d.DonorUserID], Anonymous: d.Anonymous, Message: d.Message, Removed: d.MessageRemoved, At: minute(d.PaidAt)})
		}
	}
	if p.ByShare && site.Params(r).Get("shared") == "1" {
		// Whoever holds the token sees what it brought, and no names.
		page.Share = &web.ShareView{URL: s.publicURL + sharePath(id, token),
			Visits: p.Share.Visits, Donations: p.Share.Donations, Raised: p.Share.Raised.Format(lang)}
	}
	for _, m := range p.Shown {
		page.Published = append(page.Published, web.PublishedMaterial{KindKey: m.Kind.NameKey(),
			ReviewedAt: day(m.ReviewedAt), PublishedAt: day(m.PublishedAt), Summary: m.PublicSummary})
	}
	for _, u := range p.Updates {
		page.Updates = append(page.Updates, web.UpdateView{At: minute(u.PostedAt), Body: u.Body,
			Removed: u.TakenDown, Reason: u.TakedownReason})
	}
	// A suspension that ended: the note that cleared it (R-REV-4).
	if s.terminations != nil {
		n, err := s.terminations.Public(ctx, id)
		if err != nil {
			return err
		}
		if n.Resumed {
			page.ResumeNote, page.ResumedAt = n.ResumeNote, day(n.ResumedAt)
		}
	}
	// The payouts and their use (R-DISC-1, R-DISB-4); never an account.
	list, err := s.publicPayoutList(r, id)
	if err != nil {
		return err
	}
	page.Payouts = publicPayoutViews(lang, list)
	// The published responses to complaints about the request, each with
	// the dispute routes (R-DISC-2, R-DISP-1).
	var responses []complaint.PublicResponse
	if s.complaints != nil {
		if responses, err = s.complaints.Responses(ctx, id); err != nil {
			return err
		}
	}
	page.Complaints = complaintResponses(responses)
	// The timeline: updates, payouts and their use, refunds, gifts to
	// charity, responses to complaints (R-DISC-1, R-DISC-2).
	page.Timeline = timelineOf(lang, p.Updates, list, p.Lines, responses)
	// The page changes with every donation, update and closing: caches
	// must ask.
	w.Header().Set("Cache-Control", "no-cache")
	if !cacheable {
		return s.render(w, r, page)
	}
	var buf bytes.Buffer
	if err := s.pages.Render(&buf, key.lang, r.URL.RequestURI(), s.viewer(r), page); err != nil {
		return err
	}
	s.pageCache.put(key, buf.Bytes(), s.now(), gen)
	return s.writePage(w, r, http.StatusOK, key.lang, buf.Bytes())
}

// progressOf is raised against target, for a progress bar.
func progressOf(lang i18n.Lang, raised, target money.Fen) *web.Progress {
	p := &web.Progress{Raised: raised.Format(lang), RaisedFen: int64(raised), TargetFen: int64(target)}
	if target > 0 {
		p.Percent = int64(raised) * 100 / int64(target)
	}
	return p
}

// daysLeft is the whole days from now to deadline, rounded up: "1 day
// left" until the last minute.
func daysLeft(now, deadline time.Time) int {
	d := deadline.Sub(now)
	if d <= 0 {
		return 0
	}
	return int((d + 24*time.Hour - 1) / (24 * time.Hour))
}

// excerpt is the start of text on one line, at most n runes, with an
// ellipsis when it was cut.
func excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	runes := []rune(text)
	return strings.TrimSpace(string(runes[:n-1])) + "…"
}

func (s *Server) requestVersions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.disclosure.Published(r.Context(), id)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := web.RequestVersions{ID: id, Title: p.Latest.Published.Title}
	for i := len(p.All) - 1; i >= 0; i-- {
		v := versionView(lang, p.All[i])
		v.Nested = true
		page.Versions = append(page.Versions, v)
	}
	w.Header().Set("Cache-Control", "no-cache")
	return s.render(w, r, page)
}

// requestPath is the public page of request id.
func requestPath(id int64) string { return "/requests/" + strconv.FormatInt(id, 10) }

// homeCards is the home page's cards, each request that has raised money
// with a small progress bar.
func (s *Server) homeCards(ctx context.Context, lang i18n.Lang) ([]web.HomeCard, error) {
	cards, raised, err := s.disclosure.Home(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]web.HomeCard, 0, len(cards))
	for _, c := range cards {
		hc := s.homeCard(lang, c)
		if disclosure.HasRaised(c) {
			// The channel opened: show what it raised, zero included.
			hc.Progress = progressOf(lang, raised[c.ID], c.Target)
		}
		out = append(out, hc)
	}
	return out, nil
}

// homeCard is a card of the home page in the reader's language.
func (s *Server) homeCard(lang i18n.Lang, c campaign.Card) web.HomeCard {
	hc := web.HomeCard{URL: requestPath(c.ID), Title: c.Title,
		Target: c.Target.Format(lang), StateKey: c.State.NameKey()}
	switch {
	case disclosure.Expired(c, s.now()):
		hc.StateKey = campaign.Closing{Reason: campaign.PeriodEnded}.PublicKey()
	case c.State == campaign.Fundraising:
		hc.Deadline = day(c.Deadline)
	}
	return hc
}

// The JSON API: the same as the pages, masked (R-PUB-1), amounts in fen and
// formatted in the reader's language.

type pubAmount struct {
	Fen       int64  `json:"fen"`
	Formatted string `json:"formatted"`
}

func pubAmountOf(lang i18n.Lang, f money.Fen) pubAmount {
	return pubAmount{Fen: int64(f), Formatted: f.Format(lang)}
}

type pubCard struct {
	ID       int64      `json:"id"`
	URL      string     `json:"url"`
	Title    string     `json:"title"`
	Target   pubAmount  `json:"target"`
	State    string     `json:"state"`
	Deadline *time.Time `json:"deadline,omitempty"`
}

type pubUse struct {
	Label  string    `json:"label"`
	Amount pubAmount `json:"amount"`
	Note   string    `json:"note,omitempty"`
}

type pubDisclosure struct {
	Topic    string     `json:"topic"`
	Question string     `json:"question"`
	Answered bool       `json:"answered"`
	Yes      bool       `json:"yes"`
	Detail   string     `json:"detail,omitempty"`
	Amount   *pubAmount `json:"amount,omitempty"`
}

type pubVersion struct {
	Number       int             `json:"number"`
	PublishedAt  time.Time       `json:"published_at"`
	Changes      []string        `json:"changes"`
	Title        string          `json:"title"`
	Patient      string          `json:"patient"` // masked
	Relationship string          `json:"relationship"`
	Diagnosis    string          `json:"diagnosis"`
	HospitalName string          `json:"hospital_name"`
	HospitalCity string          `json:"hospital_city"`
	Story        string          `json:"story"`
	Target       pubAmount       `json:"target"`
	Use          []pubUse        `json:"use"`
	Disclosures  []pubDisclosure `json:"disclosures"`
}

type pubFundraising struct {
	Open       bool       `json:"open"`
	OpenedAt   *time.Time `json:"opened_at,omitempty"`
	Deadline   *time.Time `json:"deadline,omitempty"`
	Extensions int        `json:"extensions"`
	Closed     bool       `json:"closed"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Reason     string     `json:"close_reason,omitempty"`
	Cause      string     `json:"close_cause,omitempty"`
	Notice     string     `json:"notice,omitempty"` // the public reason, in the reader's language
	Note       string     `json:"note,omitempty"`
}

type pubMaterial struct {
	Kind        string    `json:"kind"`
	ReviewedAt  time.Time `json:"reviewed_at"`
	PublishedAt time.Time `json:"published_at"`
	Summary     string    `json:"summary,omitempty"`
}

type pubUpdate struct {
	ID            int64     `json:"id"`
	PostedAt      time.Time `json:"posted_at"`
	Body          string    `json:"body,omitempty"`
	Removed       bool      `json:"removed"`
	RemovalReason string    `json:"removal_reason,omitempty"`
}

// pubMoney is a request's money trail in fen, from the ledger (R-DISC-1):
// raised + recovered = fees + paid_out + refunded + refunding +
// to_charity + held.
type pubMoney struct {
	Raised    int64 `json:"raised"`
	Fees      int64 `json:"fees"`
	PaidOut   int64 `json:"paid_out"`
	Refunded  int64 `json:"refunded"`
	Refunding int64 `json:"refunding"`
	ToCharity int64 `json:"to_charity"`
	Held      int64 `json:"held"`
	Recovered int64 `json:"recovered"`
}

func pubMoneyOf(f disclosure.Figures) pubMoney {
	return pubMoney{Raised: int64(f.Raised), Fees: int64(f.Fees), PaidOut: int64(f.PaidOut), Refunded: int64(f.Refunded),
		Refunding: int64(f.Refunding), ToCharity: int64(f.ToCharity), Held: int64(f.Held), Recovered: int64(f.Recovered)}
}

// pubPayout is one payout: when, how much, and to whom as a kind, or the
// hospital's name; never an account number nor a person's name (R-PII-1).
type pubPayout struct {
	Date     time.Time  `json:"date"`
	Amount   int64      `json:"amount"`
	State    string     `json:"state"`
	To       string     `json:"to"`    // "patient" or "hospital"
	Payee    string     `json:"payee"` // requester, guardian, relative or hospital
	Hospital string     `json:"hospital,omitempty"`
	Usage    []pubUsage `json:"usage"`
}

// pubUsage is a usage update of a payout, with how many receipts it shows.
type pubUsage struct {
	PostedAt time.Time `json:"posted_at"`
	Text     string    `json:"text"`
	Receipts int       `json:"receipts"`
}

func pubPayoutOf(p payout.PublicPayout) pubPayout {
	out := pubPayout{Date: p.Date, Amount: int64(p.Amount), State: string(p.State), To: "patient", Payee: string(p.Payee),
		Usage: []pubUsage{}}
	if p.Payee == payout.ToHospital {
		out.To, out.Hospital = "hospital", p.Hospital
	}
	for _, u := range p.Usage {
		out.Usage = append(out.Usage, pubUsage{PostedAt: u.At, Text: u.Text, Receipts: u.Receipts})
	}
	return out
}

type pubRequest struct {
	ID          int64          `json:"id"`
	URL         string         `json:"url"`
	State       string         `json:"state"`
	Fundraising pubFundraising `json:"fundraising"`
	Current     pubVersion     `json:"current"`
	Versions    []pubVersion   `json:"versions"` // newest first, each in full (R-REQ-6)
	Materials   []pubMaterial  `json:"published_materials"`
	Updates     []pubUpdate    `json:"updates"`
	// Money and DonorCount are from the ledger and the totals, read with
	// the versions; Payouts with their usage updates (R-DISC-1).
	Money      pubMoney    `json:"money"`
	DonorCount int         `json:"donor_count"`
	Payouts    []pubPayout `json:"payouts"`
	// Ledger is the request's public ledger as CSV (R-RPT-1).
	Ledger string `json:"ledger_csv"`
}

func pubTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func pubVersionOf(lang i18n.Lang, v campaign.Version) pubVersion {
	pub := v.Published
	out := pubVersion{Number: v.Number, PublishedAt: v.At, Changes: v.Changes, Title: pub.Title, Patient: pub.Patient,
		Relationship: string(pub.Relationship), Diagnosis: pub.Diagnosis, HospitalName: pub.HospitalName,
		HospitalCity: pub.HospitalCity, Story: pub.Story, Target: pubAmountOf(lang, pub.Target), Use: []pubUse{}}
	if out.Changes == nil {
		out.Changes = []string{}
	}
	for _, it := range pub.Use {
		out.Use = append(out.Use, pubUse{Label: it.Label, Amount: pubAmountOf(lang, it.Amount), Note: it.Note})
	}
	for _, t := range campaign.Topics {
		d := pub.Disclosures[t]
		ad := pubDisclosure{Topic: string(t), Question: i18n.T(lang, t.QuestionKey()), Answered: d.Answered, Yes: d.Yes, Detail: d.Detail}
		if d.Yes && t.TakesAmount() && (d.Amount > 0 || t.NeedsAmount()) {
			a := pubAmountOf(lang, d.Amount)
			ad.Amount = &a
		}
		out.Disclosures = append(out.Disclosures, ad)
	}
	return out
}

func (s *Server) apiRequests(w http.ResponseWriter, r *http.Request) error {
	cards, err := s.disclosure.Listed(r.Context())
	if err != nil {
		return err
	}
	lang := s.lang(r)
	out := struct {
		Requests []pubCard `json:"requests"`
	}{Requests: []pubCard{}}
	now := s.now()
	for _, c := range cards {
		out.Requests = append(out.Requests, pubCard{ID: c.ID, URL: requestPath(c.ID), Title: c.Title,
			Target: pubAmountOf(lang, c.Target), State: string(disclosure.CardState(c, now)), Deadline: pubTime(c.Deadline)})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, m, err := s.disclosure.PublishedMoney(r.Context(), id)
	if apperr.CodeOf(err) == apperr.NotFound {
		// Suspended or terminated: its money stays public (R-DISC-1).
		st, m, herr := s.disclosure.HeldMoney(r.Context(), id)
		if herr != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, pubRequest{ID: id, URL: requestPath(id), State: string(st),
			Versions: []pubVersion{}, Materials: []pubMaterial{}, Updates: []pubUpdate{},
			Money: pubMoneyOf(m.Figures), DonorCount: m.Donors, Payouts: []pubPayout{}})
	}
	if err != nil {
		return err
	}
	lang := s.lang(r)
	c := p.ChannelAt(s.now())
	out := pubRequest{ID: id, URL: requestPath(id), State: string(disclosure.PublicState(p.State, c)),
		Current: pubVersionOf(lang, p.Latest), Versions: []pubVersion{},
		Materials: []pubMaterial{}, Updates: []pubUpdate{},
		Money: pubMoneyOf(m.Figures), DonorCount: m.Donors, Payouts: []pubPayout{}, Ledger: requestPath(id) + "/ledger.csv"}
	if s.payouts != nil {
		list, err := s.payouts.Public(r.Context(), id)
		if err != nil {
			return err
		}
		for _, po := range list {
			out.Payouts = append(out.Payouts, pubPayoutOf(po))
		}
	}
	out.Fundraising = pubFundraising{Open: c.Open, Closed: c.Closed, Note: c.Note, ClosedAt: pubTime(c.ClosedAt)}
	if p.Channel != nil {
		out.Fundraising.OpenedAt, out.Fundraising.Deadline = pubTime(p.Channel.OpenedAt), pubTime(p.Channel.Deadline)
		out.Fundraising.Extensions = p.Channel.Extensions
	}
	if c.Closed {
		out.Fundraising.Reason, out.Fundraising.Cause = string(c.Closing.Reason), string(c.Closing.Cause)
		out.Fundraising.Notice = i18n.T(lang, c.Closing.PublicKey())
	}
	for i := len(p.All) - 1; i >= 0; i-- {
		out.Versions = append(out.Versions, pubVersionOf(lang, p.All[i]))
	}
	for _, m := range p.Shown {
		out.Materials = append(out.Materials, pubMaterial{Kind: string(m.Kind), ReviewedAt: m.ReviewedAt, PublishedAt: m.PublishedAt, Summary: m.PublicSummary})
	}
	for _, u := range p.Updates {
		out.Updates = append(out.Updates, pubUpdate{ID: u.ID, PostedAt: u.PostedAt, Body: u.Body, Removed: u.TakenDown,
			RemovalReason: u.TakedownReason})
	}
	return writeJSON(w, http.StatusOK, out)
}

// requestNotice shows what the public may know of a suspended or
// terminated request (R-REV-4, R-DISC-2): the notice, or the termination,
// its referrals and what donors get back; notFound when neither.
func (s *Server) requestNotice(w http.ResponseWriter, r *http.Request, id int64, notFound error) error {
	n, err := s.terminations.Public(r.Context(), id)
	if apperr.CodeOf(err) == apperr.NotFound || err == nil && !n.Suspended && !n.Terminated {
		return notFound
	}
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := web.RequestNotice{ID: id, Title: n.Title, Suspended: n.Suspended, Notice: n.Notice, Since: day(n.SuspendedAt),
		Terminated: n.Terminated, Reason: n.PublicReason, On: day(n.TerminatedAt),
		PaidOut: n.PaidOut.Format(lang), Outstanding: n.Recovery.Outstanding.Format(lang), Recovered: n.Recovery.Recovered.Format(lang),
		Complaint: "/complaints?request=" + strconv.FormatInt(id, 10)}
	for _, f := range n.Findings {
		page.FindingKeys = append(page.FindingKeys, f.NameKey())
	}
	for _, rf := range n.Referrals {
		page.Referrals = append(page.Referrals, web.PublicReferralView{Station: rf.Station, On: rf.ReferredOn})
	}
	if n.HasRefundable {
		page.Refundable = n.Refundable.Format(lang)
	}
	w.Header().Set("Cache-Control", "no-cache")
	return s.render(w, r, page)
}

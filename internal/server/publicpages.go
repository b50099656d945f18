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
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/web"
)

// Requests for help in public: the home page's list, a request's page and
// its versions, the same as JSON, and closing channels whose period ended.
//
// The public sees only what was published: the versions' texts (the name
// masked, never an ID number: R-PUB-1), the channel, the published
// materials' dates and the updates. The sealed filing is never opened here.

// homeCards is how many requests the home page lists.
const homeCards = 24

// publicStates are the states in which a request is public. A draft, one in
// review or rejected, does not exist for the public: it is a 404.
var publicStates = map[campaign.State]bool{
	campaign.Approved: true, campaign.Fundraising: true, campaign.Closed: true,
	campaign.Settling: true, campaign.Completed: true,
}

// published is what the public may know of one request, read in one
// transaction.
type published struct {
	id      int64
	state   campaign.State
	latest  campaign.Version   // the newest version; its Number is how many there are
	all     []campaign.Version // every version, oldest first, when asked for
	channel *campaign.Channel  // nil until the channel opened (or closed unopened)
	shown   []material.Material
	updates []campaign.Update
}

// loadPublished reads request id as the public sees it, or apperr.NotFound
// when it is not public. Only the newest version is unsealed unless all
// are asked for: the request page shows one, the versions page all.
func (s *Server) loadPublished(ctx context.Context, id int64, all bool) (published, error) {
	var p published
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		p, err = s.readPublished(ctx, tx, id, all)
		return err
	})
	return p, err
}

// readPublished is loadPublished inside the caller's transaction.
func (s *Server) readPublished(ctx context.Context, tx *store.Tx, id int64, all bool) (published, error) {
	p := published{id: id}
	// The state is read alone, so that the filing, which holds the ID
	// number, is not even unsealed for a public page.
	var err error
	if p.state, err = s.campaigns.State(ctx, tx, id); err != nil {
		return p, err
	}
	if !publicStates[p.state] {
		return p, apperr.New(apperr.NotFound, "")
	}
	if p.latest, err = s.campaigns.LatestVersion(ctx, tx, id); err != nil {
		return p, err
	}
	if all {
		if p.all, err = s.campaigns.Versions(ctx, tx, id); err != nil {
			return p, err
		}
	}
	ch, err := s.campaigns.Fundraising(ctx, tx, id)
	switch {
	case err == nil:
		p.channel = &ch
	case apperr.CodeOf(err) != apperr.NotFound:
		return p, err
	}
	shown, err := s.materials.List(ctx, tx, id)
	if err != nil {
		return p, err
	}
	for _, m := range shown {
		if !m.PublishedAt.IsZero() {
			p.shown = append(p.shown, m)
		}
	}
	p.updates, err = s.campaigns.Updates(ctx, tx, id, true)
	return p, err
}

// channelState is what the public is told of the channel at now: a
// fundraising request past its deadline is shown closed with "period
// ended" even before CloseExpired has run (R-PUB-4).
type channelState struct {
	stateKey string
	open     bool
	deadline time.Time
	closed   bool
	closing  campaign.Closing
	closedAt time.Time
	note     string
	waiting  bool
}

func (p published) channelAt(now time.Time) channelState {
	c := channelState{stateKey: p.state.NameKey()}
	switch {
	case p.state == campaign.Approved:
		c.waiting = true
	case p.state == campaign.Fundraising && p.channel != nil && now.Before(p.channel.Deadline):
		c.open, c.deadline = true, p.channel.Deadline
	case p.state == campaign.Fundraising:
		c.stateKey = campaign.Closed.NameKey()
		c.closed, c.closing = true, campaign.Closing{Reason: campaign.PeriodEnded}
		if p.channel != nil {
			c.closedAt = p.channel.Deadline
		}
	case p.channel != nil && p.channel.Closed:
		c.closed, c.closing, c.closedAt, c.note = true, p.channel.Closing, p.channel.ClosedAt, p.channel.Note
	}
	return c
}

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

// recentDonations is how many donations the request page lists.
const recentDonations = 10

// descriptionRunes bounds a share card's description, the start of the
// story.
const descriptionRunes = 80

// onPage is what the request page shows besides the published request,
// read in the same transaction: the totals, the newest donations with
// their donors' masked names, and the share link the page was opened by.
type onPage struct {
	raised  money.Fen
	donors  int
	recent  []donation.Public
	names   map[int64]string // donor user id → masked phone number
	share   donation.Share
	byShare bool // the page was opened by a share link of this request
}

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
	cacheable := r.URL.RawQuery == "" && callerOf(r).user == nil && callerOf(r).staff == nil
	key := pageKey{id: id, lang: s.lang(r)}
	if cacheable {
		if body, ok := s.pageCache.get(key, s.now()); ok {
			w.Header().Set("Cache-Control", "no-cache")
			return s.writePage(w, r, http.StatusOK, key.lang, body)
		}
	}
	gen := s.pageCache.gen.Load()
	token := validShareToken(r.URL.Query().Get("s"))
	var (
		p  published
		on onPage
	)
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		on = onPage{}
		if p, err = s.readPublished(ctx, tx, id, false); err != nil || p.channel == nil {
			// Before its channel opens a request has no donations.
			return err
		}
		if on.raised, on.donors, err = donation.Totals(ctx, tx, id); err != nil {
			return err
		}
		if on.recent, err = donation.Recent(ctx, tx, id, recentDonations); err != nil {
			return err
		}
		if on.names, err = s.donorNames(ctx, tx, on.recent); err != nil {
			return err
		}
		if token != "" {
			// An unknown token, or one of another request, is ignored:
			// a bad link must not stop anyone reading or giving.
			on.share, err = donation.ShareByToken(ctx, tx, token)
			switch {
			case err == nil:
				on.byShare = on.share.RequestID == id
			case apperr.CodeOf(err) != apperr.NotFound:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if on.byShare && s.countVisit(w, r, id, token) {
		on.share.Visits++
	}
	lang := s.lang(r)
	c := p.channelAt(s.now())
	pub := p.latest.Published
	page := web.PublicRequest{
		ID: id, Version: versionView(lang, p.latest), Versions: p.latest.Number,
		StateKey: c.stateKey, Open: c.open, Waiting: c.waiting,
		Closed: c.closed, CloseNote: c.note, ClosedAt: day(c.closedAt),
		Meta: web.ShareMeta{Title: pub.Title, Description: excerpt(pub.Story, descriptionRunes),
			Image: s.publicURL + s.pages.Asset("share.png"), URL: s.publicURL + requestPath(id)},
		// R-PUB-3: the complaint entry names the request it is about.
		Complaint: "/complaints?request=" + strconv.FormatInt(id, 10),
	}
	if c.open {
		page.Deadline = minute(c.deadline)
		page.DaysLeft = daysLeft(s.now(), c.deadline)
		page.Donate = requestPath(id) + "/donate"
		if on.byShare {
			// The donation counts for the share that brought it.
			page.Donate += "?s=" + token
		}
	}
	if c.closed {
		page.CloseKey = c.closing.PublicKey()
	}
	if p.channel != nil {
		page.Progress = progressOf(lang, on.raised, pub.Target)
		page.Donors = on.donors
		for _, d := range on.recent {
			// R-DON-2: Recent gives no donor for an anonymous donation,
			// so no name can reach the page.
			page.Donations = append(page.Donations, web.DonationView{Amount: d.Amount.Format(lang),
				Donor: on.names[d.DonorUserID], Anonymous: d.Anonymous, Message: d.Message, At: minute(d.PaidAt)})
		}
	}
	if on.byShare && r.URL.Query().Get("shared") == "1" {
		// Whoever holds the token sees what it brought, and no names.
		page.Share = &web.ShareView{URL: s.publicURL + sharePath(id, token),
			Visits: on.share.Visits, Donations: on.share.Donations, Raised: on.share.Raised.Format(lang)}
	}
	for _, m := range p.shown {
		page.Published = append(page.Published, web.PublishedMaterial{KindKey: m.Kind.NameKey(),
			ReviewedAt: day(m.ReviewedAt), PublishedAt: day(m.PublishedAt), Summary: m.PublicSummary})
	}
	for _, u := range p.updates {
		page.Updates = append(page.Updates, web.UpdateView{At: minute(u.PostedAt), Body: u.Body,
			Removed: u.TakenDown, Reason: u.TakedownReason})
	}
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

// donorNames returns the masked phone number of each signed-in donor of
// ds who did not ask to be anonymous (Recent leaves those out), as the
// account page masks it: 138****8000.
func (s *Server) donorNames(ctx context.Context, tx *store.Tx, ds []donation.Public) (map[int64]string, error) {
	names := map[int64]string{}
	for _, d := range ds {
		if d.DonorUserID == 0 {
			continue
		}
		if _, ok := names[d.DonorUserID]; ok {
			continue
		}
		name, err := s.maskedUser(ctx, tx, d.DonorUserID)
		if err != nil {
			return nil, err
		}
		names[d.DonorUserID] = name
	}
	return names, nil
}

// maskedUser returns user id's phone number masked, or "" for no such
// user.
func (s *Server) maskedUser(ctx context.Context, tx *store.Tx, id int64) (string, error) {
	u, err := s.accounts.Get(ctx, tx, id)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		return "", nil
	case err != nil:
		return "", err
	}
	return idcard.MaskPhone(u.Phone), nil
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
	p, err := s.loadPublished(r.Context(), id, true)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := web.RequestVersions{ID: id, Title: p.latest.Published.Title}
	for i := len(p.all) - 1; i >= 0; i-- {
		v := versionView(lang, p.all[i])
		v.Nested = true
		page.Versions = append(page.Versions, v)
	}
	w.Header().Set("Cache-Control", "no-cache")
	return s.render(w, r, page)
}

// requestPath is the public page of request id.
func requestPath(id int64) string { return "/requests/" + strconv.FormatInt(id, 10) }

// listed returns the requests the home page and the API list: published,
// those raising money first.
func (s *Server) listed(ctx context.Context) ([]campaign.Card, error) {
	cards, _, err := s.listedRaised(ctx, false)
	return cards, err
}

// listedRaised is listed with, when asked, what each listed request
// raised, read in the same transaction by one more query.
func (s *Server) listedRaised(ctx context.Context, withRaised bool) ([]campaign.Card, map[int64]money.Fen, error) {
	var (
		cards  []campaign.Card
		raised map[int64]money.Fen
	)
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if cards, err = s.campaigns.Listed(ctx, tx, homeCards); err != nil || !withRaised {
			return err
		}
		ids := make([]int64, 0, len(cards))
		for _, c := range cards {
			if !c.Deadline.IsZero() {
				ids = append(ids, c.ID)
			}
		}
		raised, err = donation.RaisedOf(ctx, tx, ids)
		return err
	})
	return cards, raised, err
}

// homeCards is the home page's cards, each request that has raised money
// with a small progress bar.
func (s *Server) homeCards(ctx context.Context, lang i18n.Lang) ([]web.HomeCard, error) {
	cards, raised, err := s.listedRaised(ctx, true)
	if err != nil {
		return nil, err
	}
	out := make([]web.HomeCard, 0, len(cards))
	for _, c := range cards {
		hc := s.homeCard(lang, c)
		if !c.Deadline.IsZero() {
			// The channel opened: show what it raised, zero included.
			hc.Progress = progressOf(lang, raised[c.ID], c.Target)
		}
		out = append(out, hc)
	}
	return out, nil
}

// expired reports whether a card's channel is past its deadline but not
// yet closed by CloseExpired: the public already sees it as ended.
func (s *Server) expired(c campaign.Card) bool {
	return c.State == campaign.Fundraising && !c.Deadline.IsZero() && !s.now().Before(c.Deadline)
}

// homeCard is a card of the home page in the reader's language.
func (s *Server) homeCard(lang i18n.Lang, c campaign.Card) web.HomeCard {
	hc := web.HomeCard{URL: requestPath(c.ID), Title: c.Title,
		Target: c.Target.Format(lang), StateKey: c.State.NameKey()}
	switch {
	case s.expired(c):
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

type pubRequest struct {
	ID          int64          `json:"id"`
	URL         string         `json:"url"`
	State       string         `json:"state"`
	Fundraising pubFundraising `json:"fundraising"`
	Current     pubVersion     `json:"current"`
	Versions    []pubVersion   `json:"versions"` // newest first, each in full (R-REQ-6)
	Materials   []pubMaterial  `json:"published_materials"`
	Updates     []pubUpdate    `json:"updates"`
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
	cards, err := s.listed(r.Context())
	if err != nil {
		return err
	}
	lang := s.lang(r)
	out := struct {
		Requests []pubCard `json:"requests"`
	}{Requests: []pubCard{}}
	for _, c := range cards {
		state := string(c.State)
		if s.expired(c) {
			state = string(campaign.Closed)
		}
		out.Requests = append(out.Requests, pubCard{ID: c.ID, URL: requestPath(c.ID), Title: c.Title,
			Target: pubAmountOf(lang, c.Target), State: state, Deadline: pubTime(c.Deadline)})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.loadPublished(r.Context(), id, true)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	c := p.channelAt(s.now())
	out := pubRequest{ID: id, URL: requestPath(id), State: string(p.state),
		Current: pubVersionOf(lang, p.latest), Versions: []pubVersion{},
		Materials: []pubMaterial{}, Updates: []pubUpdate{}}
	if c.closed && p.state == campaign.Fundraising {
		out.State = string(campaign.Closed)
	}
	out.Fundraising = pubFundraising{Open: c.open, Closed: c.closed, Note: c.note, ClosedAt: pubTime(c.closedAt)}
	if p.channel != nil {
		out.Fundraising.OpenedAt, out.Fundraising.Deadline = pubTime(p.channel.OpenedAt), pubTime(p.channel.Deadline)
		out.Fundraising.Extensions = p.channel.Extensions
	}
	if c.closed {
		out.Fundraising.Reason, out.Fundraising.Cause = string(c.closing.Reason), string(c.closing.Cause)
		out.Fundraising.Notice = i18n.T(lang, c.closing.PublicKey())
	}
	for i := len(p.all) - 1; i >= 0; i-- {
		out.Versions = append(out.Versions, pubVersionOf(lang, p.all[i]))
	}
	for _, m := range p.shown {
		out.Materials = append(out.Materials, pubMaterial{Kind: string(m.Kind), ReviewedAt: m.ReviewedAt, PublishedAt: m.PublishedAt, Summary: m.PublicSummary})
	}
	for _, u := range p.updates {
		out.Updates = append(out.Updates, pubUpdate{ID: u.ID, PostedAt: u.PostedAt, Body: u.Body, Removed: u.TakenDown,
			RemovalReason: u.TakedownReason})
	}
	return writeJSON(w, http.StatusOK, out)
}

package server

import (
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/translog"
	"github.com/carefund/carefund/internal/web"
)

// The pages of the donation flow: the form, the receipt, the donor's own
// list. Share links are in sharepages.go.
//
// The form offers preset amounts and a typed one, anonymity to the public
// and a message, and nothing else: no fee, no tip, nothing ticked or chosen
// in advance, no other product (R-FEE-1). Every rendering of the form
// carries a fresh client token, so that a double-clicked Pay button places
// one order and reaches one checkout (R-DON-1).

// donationPresets are the amounts, in yuan, the form offers. None is chosen
// until the donor picks one.
var donationPresets = []string{"10", "20", "50", "100", "200"}

// myDonationsShown bounds the donor's list.
const myDonationsShown = 200

// maxShareToken bounds the share token the form carries on; a longer one is
// no token of ours and is dropped.
const maxShareToken = 64

// donateForm is the form for d, filled with f, asking to agree to the
// rules the donor has not agreed to yet (standing, R-RULES-2).
func donateForm(lang i18n.Lang, d disclosure.Target, standing []rules.Agreement, f web.Form) web.Donate {
	pub := d.Latest.Published
	page := web.Donate{ID: d.ID, Title: pub.Title, Patient: pub.Patient, Raised: d.Raised.Format(lang),
		Target: pub.Target.Format(lang), Donors: d.Donors, Presets: donationPresets, Form: f}
	for _, a := range standing {
		if a.Given == nil {
			page.Terms = append(page.Terms, ruleLink(lang, a.Version))
			continue
		}
		// The version agreed to may be an earlier minor one of the same
		// major version, which covers the one in force: show what was
		// agreed to, and when.
		link := ruleLink(lang, a.Version)
		link.ID, link.Number = a.Given.VersionID, strconv.Itoa(a.Given.Major)+"."+strconv.Itoa(a.Given.Minor)
		page.Agreed = append(page.Agreed, web.AgreedRule{RuleLink: link, At: day(a.Given.At)})
	}
	if pub.Target > 0 {
		page.Percent = int(min(100, int64(d.Raised)*100/int64(pub.Target)))
	}
	return page
}

// renderClosed answers a donation to a request whose channel is not open
// with a page that says so, the public reason if any, and the way back:
// 409, as the error mapping answers a Conflict.
func (s *Server) renderClosed(w http.ResponseWriter, r *http.Request, d disclosure.Target) error {
	c := d.ChannelAt(s.now())
	page := web.DonateClosed{ID: d.ID, Title: d.Latest.Published.Title, Waiting: c.Waiting,
		CloseNote: c.Note, ClosedAt: day(c.ClosedAt)}
	if c.Closed {
		page.CloseKey = c.Closing.PublicKey()
	}
	w.Header().Set("Cache-Control", "no-cache")
	return s.renderStatus(w, r, http.StatusConflict, page)
}

// donatePage shows the donation form of an open request:
// GET /requests/{id}/donate?s=TOKEN.
func (s *Server) donatePage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.disclosure.DonationTarget(r.Context(), id)
	if err != nil {
		return err
	}
	if !d.ChannelAt(s.now()).Open {
		return s.renderClosed(w, r, d)
	}
	// Inside WeChat, the donor's openid first (silent OAuth).
	if sent, err := s.weChatSignIn(w, r); sent || err != nil {
		return err
	}
	standing, err := s.donorStanding(r)
	if err != nil {
		return err
	}
	values := map[string]string{"s": formShareToken(site.Params(r).Get("s")), "client_token": rand.Text()}
	// The form's client token is this rendering's own: no cache may hand
	// one rendering to two donors, whose donations would become one order.
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, donateForm(s.lang(r), d, standing, web.Form{Values: values}))
}

// donorStanding returns where the caller stands with the rules a donor
// agrees to: a signed-in donor who agreed before is not asked again while
// those versions stay in force.
func (s *Server) donorStanding(r *http.Request) ([]rules.Agreement, error) {
	subject := ""
	if u := callerOf(r).user; u != nil {
		subject = u.Actor()
	}
	return s.rules.Standing(r.Context(), subject, donation.ConsentKinds...)
}

// agreedRules returns the rules versions a submitted form agreed to: the
// ids of its hidden "rule" fields when its box is ticked, none otherwise.
// Only a ticked box is consent (rules.CheckBox): an unticked one, or any
// other value, agrees to nothing.
func agreedRules(r *http.Request) ([]int64, error) {
	if rules.CheckBox(r.PostFormValue("agree"), donation.FieldAgree) != nil {
		return nil, nil
	}
	var ids []int64
	for _, v := range r.PostForm["rule"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// donate places the order of a submitted form and sends the donor to the
// provider's checkout: POST /requests/{id}/donate. A refused form comes back
// as it was typed with each message next to its field (422); a closed
// request answers with the closed page (409), an unknown one 404. The same
// client token submitted twice (a double click) returns the first order,
// whose checkout is the same (R-DON-1).
func (s *Server) donate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	d, err := s.disclosure.DonationTarget(r.Context(), id)
	if err != nil {
		return err
	}
	// The channel is judged as the public page shows it: a request past its
	// deadline is closed even before the job that closes it has run.
	if !d.ChannelAt(s.now()).Open {
		return s.renderClosed(w, r, d)
	}
	typed := strings.TrimSpace(r.PostFormValue("amount"))
	preset := strings.TrimSpace(r.PostFormValue("preset"))
	amount := typed
	if amount == "" {
		// A typed amount wins over a preset: typing is the later and more
		// deliberate act, and a donor who typed an amount after tapping a
		// preset means what they typed.
		amount = preset
	}
	agreed, err := agreedRules(r)
	if err != nil {
		return err
	}
	f := orderForm{Amount: amount, Anonymous: r.PostFormValue("anonymous") == "1", Message: r.PostFormValue("message"),
		Share: formShareToken(r.PostFormValue("s")), ClientToken: r.PostFormValue("client_token"),
		AgreeRules: agreed, source: "web"}
	f.way = s.payWayOf(r)
	placed, err := s.placeOrder(r, id, f)
	switch {
	case err == nil:
		if shown, err := s.renderInAppCheckout(w, r, d, placed); shown || err != nil {
			return err
		}
		to := placed.Checkout.RedirectURL
		if to == "" {
			// A provider that pays inside its own app (no page to send the
			// donor to) confirms by notification, and an order paid before
			// (a double click) has nothing more to pay: the receipt waits
			// for it, or says what became of it.
			to = receiptPath(placed.Order.OrderNo)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	case apperr.CodeOf(err) == apperr.Conflict && apperr.As(err).Key == donation.KeyClosed:
		// Closed between the read above and the order.
		if d, err = s.disclosure.DonationTarget(r.Context(), id); err != nil {
			return err
		}
		return s.renderClosed(w, r, d)
	case apperr.CodeOf(err) != apperr.Invalid:
		return err
	}
	lang := s.lang(r)
	values := map[string]string{"amount": typed, "preset": preset, "message": r.PostFormValue("message"),
		"s": f.Share, "client_token": f.ClientToken}
	if f.Anonymous {
		values["anonymous"] = "1"
	}
	fm, status, _ := formOf(lang, err, values)
	// Nothing was stored, so the form may keep its token; one the form did
	// not send properly is replaced, with the message above the form.
	for _, field := range []string{"client_token", "provider"} {
		if msg := fm.Errors[field]; msg != "" {
			fm.Message = msg
			delete(fm.Errors, field)
			values["client_token"] = rand.Text()
		}
	}
	// The rules are shown as they stand now: a version replaced while the
	// form was open is asked about again. The box comes back unticked:
	// agreeing is the donor's act, every time the form is sent.
	standing, err := s.donorStanding(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.renderStatus(w, r, status, donateForm(lang, d, standing, fm))
}

// formShareToken returns the share token of a link, or "" for one that cannot
// be ours.
func formShareToken(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxShareToken {
		return ""
	}
	return s
}

// donationPage is the thank-you page of an order and its receipt:
// GET /donations/{no}. The order number is the capability (random, given
// only to its donor), so the page shows nothing of who paid beyond whether
// they are anonymous to the public (R-DON-2).
func (s *Server) donationPage(w http.ResponseWriter, r *http.Request) error {
	no := r.PathValue("no")
	if !payment.ValidOrderID(no) {
		return apperr.New(apperr.NotFound, "")
	}
	if s.donations == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	rc, title, err := s.donations.ReceiptPage(r.Context(), no)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := web.DonationReceipt{OrderNo: rc.OrderNo, RequestID: rc.RequestID, Title: title, Amount: rc.Amount.Format(lang),
		Anonymous: rc.Anonymous, Message: rc.Message, MessageHeld: rc.MessageFlagged, State: rc.State,
		PlacedAt: minute(rc.CreatedAt), TransactionID: rc.TransactionID, EntryID: rc.EntryID,
		// An order long past its expiry waits for the query job, not for
		// a reload every two seconds.
		Refresh: rc.State == donation.StatePending && s.now().Before(rc.ExpiresAt.Add(queryMargin))}
	if !rc.PaidAt.IsZero() {
		page.PaidAt = minute(rc.PaidAt)
	}
	if rc.EntryID != 0 && s.platform.Translog != nil {
		st, err := s.platform.Translog.Status(r.Context(), translog.LedgerSource(rc.EntryID))
		if err != nil {
			return err
		}
		page.Logged, page.Logging = st == translog.Logged, st == translog.Enqueued
	}
	if rc.DonationID != 0 && s.refunds != nil {
		// The order number shows the refunds to whoever holds it; only
		// the donor signed in may ask for one.
		var user int64
		if u := callerOf(r).user; u != nil {
			user = u.Subject
		}
		rs, err := s.refunds.ForDonations(r.Context(), user, []int64{rc.DonationID})
		if err != nil {
			return err
		}
		if v, ok := rs[rc.DonationID]; ok {
			page.Refund = refundView(lang, v)
		}
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex")
	return s.render(w, r, page)
}

// myDonations lists the signed-in donor's donations, each with its state
// and a link to its receipt: GET /my/donations.
func (s *Server) myDonations(w http.ResponseWriter, r *http.Request) error {
	if s.donations == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	rcs, titles, err := s.donations.ByDonor(r.Context(), callerOf(r).user.Subject, myDonationsShown)
	if err != nil {
		return err
	}
	user := callerOf(r).user.Subject
	var ids []int64
	for _, rc := range rcs {
		if rc.DonationID != 0 {
			ids = append(ids, rc.DonationID)
		}
	}
	refunds := map[int64]refund.DonationRefunds{}
	if s.refunds != nil {
		if refunds, err = s.refunds.ForDonations(r.Context(), user, ids); err != nil {
			return err
		}
	}
	lang := s.lang(r)
	page := web.MyDonations{}
	if doneOf(r) == "refund" {
		page.Notice = i18n.T(lang, "refundui.done.asked")
	}
	for _, rc := range rcs {
		at := rc.PaidAt
		if at.IsZero() {
			at = rc.CreatedAt
		}
		row := web.MyDonationRow{OrderNo: rc.OrderNo, RequestID: rc.RequestID,
			Title: titles[rc.RequestID], Amount: rc.Amount.Format(lang), Date: day(at), State: rc.State}
		if v, ok := refunds[rc.DonationID]; ok && rc.DonationID != 0 {
			row.Refund = refundView(lang, v)
		}
		page.Donations = append(page.Donations, row)
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, page)
}

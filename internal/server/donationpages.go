package server

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
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

// donationTarget is what the donation pages show of a request, read in one
// transaction: its public text, its channel, and what it has raised.
type donationTarget struct {
	p      published
	raised money.Fen
	donors int
}

// loadDonationTarget reads request id as donors see it, or apperr.NotFound
// when it is not public (unknown, in review, suspended, terminated).
func (s *Server) loadDonationTarget(ctx context.Context, id int64) (donationTarget, error) {
	d := donationTarget{p: published{id: id}}
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if d.p.state, err = s.campaigns.State(ctx, tx, id); err != nil {
			return err
		}
		if !publicStates[d.p.state] {
			return apperr.New(apperr.NotFound, "")
		}
		if d.p.latest, err = s.campaigns.LatestVersion(ctx, tx, id); err != nil {
			return err
		}
		ch, err := s.campaigns.Fundraising(ctx, tx, id)
		switch {
		case err == nil:
			d.p.channel = &ch
		case apperr.CodeOf(err) != apperr.NotFound:
			return err
		}
		d.raised, d.donors, err = donation.Totals(ctx, tx, id)
		return err
	})
	return d, err
}

// donateForm is the form for d, filled with f.
func donateForm(lang i18n.Lang, d donationTarget, f web.Form) web.Donate {
	pub := d.p.latest.Published
	page := web.Donate{ID: d.p.id, Title: pub.Title, Patient: pub.Patient, Raised: d.raised.Format(lang),
		Target: pub.Target.Format(lang), Donors: d.donors, Presets: donationPresets, Form: f}
	if pub.Target > 0 {
		page.Percent = int(min(100, int64(d.raised)*100/int64(pub.Target)))
	}
	return page
}

// renderClosed answers a donation to a request whose channel is not open
// with a page that says so, the public reason if any, and the way back:
// 409, as the error mapping answers a Conflict.
func (s *Server) renderClosed(w http.ResponseWriter, r *http.Request, d donationTarget) error {
	c := d.p.channelAt(s.now())
	page := web.DonateClosed{ID: d.p.id, Title: d.p.latest.Published.Title, Waiting: c.waiting,
		CloseNote: c.note, ClosedAt: day(c.closedAt)}
	if c.closed {
		page.CloseKey = c.closing.PublicKey()
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
	d, err := s.loadDonationTarget(r.Context(), id)
	if err != nil {
		return err
	}
	if !d.p.channelAt(s.now()).open {
		return s.renderClosed(w, r, d)
	}
	values := map[string]string{"s": formShareToken(r.URL.Query().Get("s")), "client_token": rand.Text()}
	// The form's client token is this rendering's own: no cache may hand
	// one rendering to two donors, whose donations would become one order.
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, donateForm(s.lang(r), d, web.Form{Values: values}))
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
	d, err := s.loadDonationTarget(r.Context(), id)
	if err != nil {
		return err
	}
	// The channel is judged as the public page shows it: a request past its
	// deadline is closed even before the job that closes it has run.
	if !d.p.channelAt(s.now()).open {
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
	f := orderForm{Amount: amount, Anonymous: r.PostFormValue("anonymous") == "1", Message: r.PostFormValue("message"),
		Share: formShareToken(r.PostFormValue("s")), ClientToken: r.PostFormValue("client_token")}
	o, co, err := s.placeOrder(r, id, f)
	switch {
	case err == nil:
		to := co.RedirectURL
		if to == "" {
			// A provider that pays inside its own app (no page to send the
			// donor to) confirms by notification; the receipt waits for it.
			to = receiptPath(o.OrderNo)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	case apperr.CodeOf(err) == apperr.Conflict && apperr.As(err).Key == donation.KeyClosed:
		// Closed between the read above and the order.
		if d, err = s.loadDonationTarget(r.Context(), id); err != nil {
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
	w.Header().Set("Cache-Control", "no-store")
	return s.renderStatus(w, r, status, donateForm(lang, d, fm))
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
	ctx := r.Context()
	var (
		rc    donation.Receipt
		title string
	)
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if rc, err = donation.ReceiptByOrder(ctx, tx, no); err != nil {
			return err
		}
		title, err = s.requestTitle(ctx, tx, rc.RequestID)
		return err
	})
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
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex")
	return s.render(w, r, page)
}

// requestTitle returns the title of request id's latest published version,
// or "" when it has none.
func (s *Server) requestTitle(ctx context.Context, tx *store.Tx, id int64) (string, error) {
	v, err := s.campaigns.LatestVersion(ctx, tx, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return "", nil
	}
	return v.Published.Title, err
}

// myDonations lists the signed-in donor's donations, each with its state
// and a link to its receipt: GET /my/donations.
func (s *Server) myDonations(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user := callerOf(r).user.Subject
	var (
		rcs    []donation.Receipt
		titles = map[int64]string{}
	)
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if rcs, err = donation.ReceiptsByDonor(ctx, tx, user, myDonationsShown); err != nil {
			return err
		}
		for _, rc := range rcs {
			if _, ok := titles[rc.RequestID]; ok {
				continue
			}
			if titles[rc.RequestID], err = s.requestTitle(ctx, tx, rc.RequestID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := web.MyDonations{}
	for _, rc := range rcs {
		at := rc.PaidAt
		if at.IsZero() {
			at = rc.CreatedAt
		}
		page.Donations = append(page.Donations, web.MyDonationRow{OrderNo: rc.OrderNo, RequestID: rc.RequestID,
			Title: titles[rc.RequestID], Amount: rc.Amount.Format(lang), Date: day(at), State: rc.State})
	}
	return s.render(w, r, page)
}

package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/web"
)

// figuresPage is the public page of the platform's money, every request
// together, live from the ledger (R-DISC-1), with the identity it
// satisfies and the picture of where it went.
func (s *Server) figuresPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.platformFigures(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, PlatformFiguresView(s.lang(r), p))
}

// PlatformFiguresView formats the platform's figures in the reader's
// language.
func PlatformFiguresView(l i18n.Lang, p disclosure.Platform) web.PlatformFigures {
	return web.PlatformFigures{Raised: p.Raised.Format(l), Recovered: p.Recovered.Format(l), Fees: p.Fees.Format(l),
		PaidOut: p.PaidOut.Format(l), Refunded: p.Refunded.Format(l), Refunding: p.Refunding.Format(l),
		ToCharity: p.ToCharity.Format(l), Held: p.Held.Format(l), Interest: p.Interest.Format(l),
		CharityPaid: p.CharityPaid.Format(l), Requests: p.Requests, Donors: p.Donors,
		Balanced: p.Balanced(), Empty: p.Raised == 0 && p.Recovered == 0, Flow: disclosure.FlowSVG(p.Figures, l)}
}

// pubFigures is the platform's money in the API, in fen, with the same
// names as a request's money.
type pubFigures struct {
	Raised      int64 `json:"raised"`
	Fees        int64 `json:"fees"`
	PaidOut     int64 `json:"paid_out"`
	Refunded    int64 `json:"refunded"`
	Refunding   int64 `json:"refunding"`
	ToCharity   int64 `json:"to_charity"`
	Held        int64 `json:"held"`
	Recovered   int64 `json:"recovered"`
	Requests    int   `json:"requests"`
	DonorCount  int   `json:"donor_count"`
	Interest    int64 `json:"interest"`
	CharityPaid int64 `json:"charity_paid"`
	Balanced    bool  `json:"balanced"`
}

// apiFigures answers the platform's figures, as the figures page shows
// them (R-DISC-1).
func (s *Server) apiFigures(w http.ResponseWriter, r *http.Request) error {
	p, err := s.platformFigures(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pubFigures{Raised: int64(p.Raised), Fees: int64(p.Fees), PaidOut: int64(p.PaidOut),
		Refunded: int64(p.Refunded), Refunding: int64(p.Refunding), ToCharity: int64(p.ToCharity), Held: int64(p.Held),
		Recovered: int64(p.Recovered), Requests: p.Requests, DonorCount: p.Donors, Interest: int64(p.Interest),
		CharityPaid: int64(p.CharityPaid), Balanced: p.Balanced()})
}

// logPage explains the transparency log to donors in plain words, with
// the log's public key and the commands that check it.
func (s *Server) logPage(w http.ResponseWriter, r *http.Request) error {
	page := web.LogExplained{Site: s.publicURL}
	if s.platform.Translog != nil {
		page.Key = s.platform.Translog.Signer().VerifierKey()
	}
	return s.render(w, r, page)
}

// figuresCache keeps the platform's figures for the page cache's ttl:
// they sum the whole ledger, and anyone may ask for them as often as they
// like. One reader at a time reads them anew; the others wait for its
// answer instead of each summing the ledger again.
type figuresCache struct {
	mu sync.Mutex
	p  disclosure.Platform
	at time.Time
	ok bool
}

// platformFigures returns the platform's figures, no older than the page
// cache's ttl (read anew each time when it is off).
func (s *Server) platformFigures(ctx context.Context) (disclosure.Platform, error) {
	ttl := s.pageCache.ttl
	if ttl <= 0 {
		return s.disclosure.PlatformFigures(ctx)
	}
	c := &s.figures
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := s.now(); c.ok && !now.Before(c.at) && now.Sub(c.at) < ttl {
		return c.p, nil
	}
	p, err := s.disclosure.PlatformFigures(ctx)
	if err != nil {
		return p, err
	}
	c.p, c.at, c.ok = p, s.now(), true
	return p, nil
}

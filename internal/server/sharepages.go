package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// Share links: who shared a request, and what each share brought.
//
// A share only counts. R-REF-3 forbids taking commission in the name of
// promoting a request, so nothing here pays, credits or promises anything
// to a sharer: a share holds who made it and counts visits, donations and
// their sum, and a donation through it is credited to the request's own
// account like any other (see donation.TestSharesPayNobody).

// shareTokenLen is the length of a share token (donation.NewShare).
const shareTokenLen = 16

// seenCookie prefixes the cookie that says this browser's visit by a share
// link was counted today.
const seenCookie = "cf_seen_"

// validShareToken returns t if it can be a share token (16 letters and digits),
// and "" otherwise: anything else in ?s= is ignored without asking the
// database, and is never put in a cookie's name or a link.
func validShareToken(t string) string {
	if len(t) != shareTokenLen {
		return ""
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return ""
		}
	}
	return t
}

// shareRequest makes a share link of a public request for the caller
// (signed in or not) and sends them back to the page, which shows the link
// to copy and what it brought.
func (s *Server) shareRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if s.donations == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	var sharer int64
	if u := callerOf(r).user; u != nil {
		sharer = u.Subject
	}
	token, err := s.disclosure.Share(r.Context(), id, sharer)
	if err != nil {
		return err
	}
	// The sharer opening their own link is not a visit it brought.
	s.setSeen(w, r, id, token)
	http.Redirect(w, r, requestPath(id)+"?"+url.Values{"s": {token}, "shared": {"1"}}.Encode(), http.StatusSeeOther)
	return nil
}

// countVisit counts a visit to request id by share link token, once per
// browser and day (a cookie), and reports whether it counted one. It never
// fails the page: an unknown token is ignored, and an error is logged and
// the visit left for the next time.
func (s *Server) countVisit(w http.ResponseWriter, r *http.Request, id int64, token string) bool {
	if _, err := r.Cookie(seenCookie + token); err == nil {
		return false
	}
	if err := s.donations.Visit(r.Context(), token); err != nil {
		if apperr.CodeOf(err) != apperr.NotFound {
			s.log.Warn("counting a visit by a share link", "request", id, "err", err)
		}
		return false
	}
	s.setSeen(w, r, id, token)
	return true
}

// setSeen sets the cookie that keeps this browser's visits by share link
// token from counting again today (China time). It is sent back to the
// request's pages only.
func (s *Server) setSeen(w http.ResponseWriter, r *http.Request, id int64, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: seenCookie + token, Value: "1", Path: requestPath(id),
		MaxAge: untilMidnight(s.now()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
}

// untilMidnight is the seconds from now to the next midnight in China, at
// least one.
func untilMidnight(now time.Time) int {
	t := now.In(chinaTime)
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, chinaTime)
	return max(1, int(next.Sub(t)/time.Second))
}

// sharePath is the page of request id opened through share link token.
func sharePath(id int64, token string) string {
	return "/requests/" + strconv.FormatInt(id, 10) + "?s=" + token
}

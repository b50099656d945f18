package wechat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

// The keys of the errors of the OAuth callback, each a page in the
// donor's language.
const (
	KeyStateInvalid = "wechat.state_invalid" // forged, or from another browser
	KeyStateUsed    = "wechat.state_used"    // replayed
	KeyStateExpired = "wechat.state_expired"
	KeyOAuthFailed  = "wechat.oauth_failed" // WeChat refused the code or could not be reached
	KeyUnavailable  = "wechat.unavailable"
)

// The lifetimes.
const (
	// StateTTL is how long an OAuth state can be used.
	StateTTL = 10 * time.Minute
	// PayerTTL is how long a browser's openid is kept.
	PayerTTL = 24 * time.Hour
	// leaseFor is how long a node may take to refresh a token before
	// another takes over.
	leaseFor = 30 * time.Second
	// refreshBefore is how long before its expiry a token is refreshed.
	refreshBefore = 5 * time.Minute
	// maxWaits bounds how many times a node looks again at a token
	// another node is refreshing.
	maxWaits = 200
)

// The names of the cached values.
const (
	nameToken  = "access_token"
	nameTicket = "jsapi_ticket"
)

// Service is the official account's side of carefund: OAuth, and the
// JS-SDK configuration with its cached token and ticket.
type Service struct {
	DB     *store.DB
	Client *Client
	// Now defaults to time.Now.
	Now func() time.Time
	// Wait is called before looking again at a token another node is
	// refreshing; it defaults to a short sleep.
	Wait func(ctx context.Context, attempt int)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) wait(ctx context.Context, attempt int) {
	if s.Wait != nil {
		s.Wait(ctx, attempt)
		return
	}
	t := time.NewTimer(time.Duration(min(attempt+1, 10)) * 10 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// hash is the SHA-256 of a secret, in hex: what the database keeps of
// states, nonces and cookie tokens.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// LocalPath returns next if it is a path on this site ("/…", not "//…"
// nor "/\…", no scheme, no control character), and "/" otherwise: the
// only places OAuth goes back to.
func LocalPath(next string) string {
	if len(next) == 0 || len(next) > 512 || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	return next
}

// StartOAuth begins a silent OAuth sign-in that goes back to next (a
// local path): it returns the state to send WeChat and the nonce the
// browser keeps in a cookie, to which the state is bound.
func (s *Service) StartOAuth(ctx context.Context, next string) (state, browserNonce string, err error) {
	state, browserNonce = rand.Text(), rand.Text()
	next = LocalPath(next)
	expires := s.now().Add(StateTTL).UnixMicro()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		return insertState(ctx, tx, hash(state), hash(browserNonce), next, expires)
	})
	return state, browserNonce, err
}

// FinishOAuth completes a sign-in: the state must be one StartOAuth made
// for this browser (its cookie's nonce), unused and unexpired; it is used
// up, the code exchanged for the openid, and the openid kept for the
// browser under a new random token for its cookie. A forged, replayed or
// expired state is an apperr.Invalid with one of the KeyState* keys and
// changes nothing; a code WeChat refuses is KeyOAuthFailed, and no openid
// is kept.
func (s *Service) FinishOAuth(ctx context.Context, state, browserNonce, code string) (next, token string, err error) {
	if state == "" || len(state) > 64 || len(browserNonce) > 64 {
		return "", "", apperr.New(apperr.Invalid, KeyStateInvalid)
	}
	if code == "" || len(code) > 256 {
		return "", "", apperr.New(apperr.Invalid, KeyOAuthFailed)
	}
	sh, bh := hash(state), hash(browserNonce)
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		row, ok, err := lockState(ctx, tx, sh)
		switch {
		case err != nil:
			return err
		case !ok:
			return apperr.New(apperr.Invalid, KeyStateInvalid)
		case row.Used:
			return apperr.New(apperr.Invalid, KeyStateUsed)
		case browserNonce == "" || row.BrowserHash != bh:
			return apperr.New(apperr.Invalid, KeyStateInvalid)
		case row.ExpiresAt <= tx.Now.UnixMicro():
			return apperr.New(apperr.Invalid, KeyStateExpired)
		}
		used, err := useState(ctx, tx, sh)
		if err != nil {
			return err
		}
		if !used {
			return apperr.New(apperr.Invalid, KeyStateUsed)
		}
		next = row.Next
		return nil
	})
	if err != nil {
		return "", "", err
	}
	openid, err := s.Client.ExchangeCode(ctx, code)
	if err != nil {
		return "", "", apperr.Wrap(err, apperr.Invalid, KeyOAuthFailed)
	}
	token = rand.Text()
	expires := s.now().Add(PayerTTL).UnixMicro()
	if err := s.DB.Write(ctx, func(tx *store.Tx) error {
		return insertPayer(ctx, tx, hash(token), openid, expires)
	}); err != nil {
		return "", "", err
	}
	return next, token, nil
}

// OpenID returns the openid kept for a browser's cookie token, if any.
func (s *Service) OpenID(ctx context.Context, token string) (string, bool, error) {
	if token == "" || len(token) > 64 {
		return "", false, nil
	}
	var (
		openid string
		ok     bool
	)
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		openid, ok, err = payerOpenID(ctx, tx, hash(token))
		return err
	})
	return openid, ok, err
}

// JSConfig signs the JS-SDK configuration of the page at pageURL (its
// full address; a "#…" is dropped) with the cached jsapi_ticket.
func (s *Service) JSConfig(ctx context.Context, pageURL string) (JSConfig, error) {
	ticket, err := s.Ticket(ctx)
	if err != nil {
		return JSConfig{}, err
	}
	c := JSConfig{AppID: s.Client.AppID, Timestamp: s.now().Unix(), NonceStr: rand.Text()}
	c.Signature = Signature(ticket, c.NonceStr, c.Timestamp, pageURL)
	return c, nil
}

// Ticket returns the jsapi_ticket, from the cache while it is good, else
// refreshed by this node or another. An access_token WeChat calls invalid
// or expired (40001, 42001) is thrown away and fetched once more.
func (s *Service) Ticket(ctx context.Context) (string, error) {
	return s.cachedValue(ctx, nameTicket, func(ctx context.Context) (string, time.Duration, error) {
		token, err := s.AccessToken(ctx)
		if err != nil {
			return "", 0, err
		}
		ticket, ttl, err := s.Client.JSAPITicket(ctx, token)
		if tokenInvalid(err) {
			if err := s.expire(ctx, nameToken, token); err != nil {
				return "", 0, err
			}
			if token, err = s.AccessToken(ctx); err != nil {
				return "", 0, err
			}
			ticket, ttl, err = s.Client.JSAPITicket(ctx, token)
		}
		return ticket, ttl, err
	})
}

// AccessToken returns the official account's access_token, cached as
// Ticket is.
func (s *Service) AccessToken(ctx context.Context) (string, error) {
	return s.cachedValue(ctx, nameToken, s.Client.AccessToken)
}

// expire throws value of name away if it is still the cached one.
func (s *Service) expire(ctx context.Context, name, value string) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error { return expireToken(ctx, tx, name, value) })
}

// cachedValue returns the cached value name while it is good for longer
// than refreshBefore; otherwise one node, the one that takes the row's
// lease, fetches it (outside any transaction) and stores it, and the
// others wait for it, a bounded number of times.
func (s *Service) cachedValue(ctx context.Context, name string, fetch func(context.Context) (string, time.Duration, error)) (string, error) {
	holder := rand.Text()
	for attempt := 0; attempt < maxWaits; attempt++ {
		var (
			value string
			mine  bool
		)
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			value, mine = "", false
			c, err := tokenRow(ctx, tx, name)
			if err != nil {
				return err
			}
			now := tx.Now.UnixMicro()
			if c.Value != "" && c.ExpiresAt > now+refreshBefore.Microseconds() {
				value = c.Value
				return nil
			}
			mine, err = takeLease(ctx, tx, name, holder, now+leaseFor.Microseconds())
			return err
		})
		if err != nil {
			return "", err
		}
		if value != "" {
			return value, nil
		}
		if !mine {
			s.wait(ctx, attempt)
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			continue
		}
		v, ttl, err := fetch(ctx)
		if err != nil {
			if rerr := s.DB.Write(ctx, func(tx *store.Tx) error { return releaseLease(ctx, tx, name, holder) }); rerr != nil {
				return "", rerr
			}
			return "", apperr.Wrap(fmt.Errorf("refreshing the %s: %w", name, err), apperr.Unavailable, KeyUnavailable)
		}
		expires := s.now().Add(ttl).UnixMicro()
		var stored bool
		if err := s.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			stored, err = storeToken(ctx, tx, name, holder, v, expires)
			return err
		}); err != nil {
			return "", err
		}
		if !stored {
			// The lease ran out and another node took over: its value
			// is the one every node uses.
			continue
		}
		return v, nil
	}
	return "", apperr.New(apperr.Unavailable, KeyUnavailable)
}

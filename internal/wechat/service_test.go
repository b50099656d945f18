package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/wechat"
	"github.com/carefund/carefund/internal/wechat/wechattest"
)

func service(db *store.DB, fake *wechattest.Server) *wechat.Service {
	return &wechat.Service{DB: db, Client: &wechat.Client{AppID: fake.AppID, Secret: fake.Secret,
		APIURL: fake.URL, OAuthURL: fake.URL, HTTP: fake.Client()}}
}

// authorize follows the fake's authorize page as WeChat's browser would
// and returns the code and state it sends back.
func authorize(t *testing.T, fake *wechattest.Server, svc *wechat.Service, state string) (string, string) {
	t.Helper()
	hc := fake.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(strings.TrimSuffix(svc.Client.AuthorizeURL("https://carefund.example/wechat/oauth", state), "#wechat_redirect"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return to.Query().Get("code"), to.Query().Get("state")
}

// TestOAuthStateForgedOrReplayed: a state is good once, for the browser it
// was made for, and a forged, replayed or foreign one keeps no openid.
func TestOAuthStateForgedOrReplayed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fake := wechattest.New(t, wechattest.Options{})
		svc := service(db, fake)
		state, nonce, err := svc.StartOAuth(ctx, "//evil.example/steal")
		if err != nil {
			t.Fatal(err)
		}
		code, back := authorize(t, fake, svc, state)
		if back != state || code == "" {
			t.Fatalf("the fake sent back state %q code %q", back, code)
		}
		key := func(err error) string {
			if e := apperr.As(err); e != nil {
				return e.Key
			}
			return ""
		}
		// Forged: a state no one made; another browser's cookie.
		if _, _, err := svc.FinishOAuth(ctx, "forged-state", nonce, code); key(err) != wechat.KeyStateInvalid {
			t.Fatalf("forged state: %v", err)
		}
		if _, _, err := svc.FinishOAuth(ctx, state, "another-browser", code); key(err) != wechat.KeyStateInvalid {
			t.Fatalf("another browser's state: %v", err)
		}
		next, token, err := svc.FinishOAuth(ctx, state, nonce, code)
		if err != nil {
			t.Fatal(err)
		}
		if next != "/" {
			t.Fatalf("went back to %q, want / for a foreign next", next)
		}
		openid, ok, err := svc.OpenID(ctx, token)
		if err != nil || !ok || openid != fake.OpenID {
			t.Fatalf("OpenID = %q %v %v", openid, ok, err)
		}
		// Replayed: the same callback again.
		if _, _, err := svc.FinishOAuth(ctx, state, nonce, code); key(err) != wechat.KeyStateUsed {
			t.Fatalf("replayed state: %v", err)
		}
		// A code WeChat refuses (used once already: 40163) keeps nothing.
		state2, nonce2, err := svc.StartOAuth(ctx, "/requests/1/donate")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.FinishOAuth(ctx, state2, nonce2, code)
		var apiErr *wechat.APIError
		if key(err) != wechat.KeyOAuthFailed || !errors.As(err, &apiErr) || apiErr.Code != wechat.CodeCodeUsed {
			t.Fatalf("a used code: %v", err)
		}
		if _, ok, _ := svc.OpenID(ctx, "no-such-token"); ok {
			t.Fatal("an unknown token has an openid")
		}
		// Expired: a state made more than StateTTL ago.
		late := service(db, fake)
		late.Now = func() time.Time { return time.Now().Add(-wechat.StateTTL - time.Minute) }
		state4, nonce4, err := late.StartOAuth(ctx, "/")
		if err != nil {
			t.Fatal(err)
		}
		code4, _ := authorize(t, fake, svc, state4)
		if _, _, err := svc.FinishOAuth(ctx, state4, nonce4, code4); key(err) != wechat.KeyStateExpired {
			t.Fatalf("an expired state: %v", err)
		}
		// A wrong AppSecret: 40125.
		bad := service(db, fake)
		bad.Client.Secret = "wrong"
		state3, nonce3, _ := bad.StartOAuth(ctx, "/")
		code3, _ := authorize(t, fake, bad, state3)
		if _, _, err := bad.FinishOAuth(ctx, state3, nonce3, code3); !errors.As(err, &apiErr) || apiErr.Code != wechat.CodeInvalidAppSecret {
			t.Fatalf("a wrong secret: %v", err)
		}
	})
}

// TestTokenRefreshedOnceAcrossNodes: two nodes on one database ask for the
// JS-SDK ticket at once; WeChat is asked for one access_token and one
// ticket, and both nodes sign with the same ticket. When WeChat says the
// token expired (42001), one refresh follows, not one per node.
func TestTokenRefreshedOnceAcrossNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fake := wechattest.New(t, wechattest.Options{})
		nodes := []*wechat.Service{service(db, fake), service(db, fake)}
		tickets := make([]string, 2*len(nodes))
		var wg sync.WaitGroup
		for i := range tickets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk, err := nodes[i%2].Ticket(ctx)
				if err != nil {
					t.Error(err)
				}
				tickets[i] = tk
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		for _, tk := range tickets {
			if tk != tickets[0] || !fake.Ticket(tk) {
				t.Fatalf("the nodes got tickets %q", tickets)
			}
		}
		if n, m := fake.Calls("/cgi-bin/token"), fake.Calls("/cgi-bin/ticket/getticket"); n != 1 || m != 1 {
			t.Fatalf("WeChat was asked %d times for a token and %d for a ticket, want once each", n, m)
		}
		// The signature is one WeChat accepts.
		cfg, err := nodes[1].JSConfig(ctx, "https://carefund.example/requests/7?s=abc#x")
		if err != nil {
			t.Fatal(err)
		}
		if err := fake.VerifySignature(cfg.NonceStr, cfg.Timestamp, "https://carefund.example/requests/7?s=abc", cfg.Signature); err != nil {
			t.Fatal(err)
		}

		// The cached ticket is thrown away (as after its expiry) while
		// WeChat has expired the token: the ticket call answers 42001, and
		// the token is refreshed once.
		fake.Expire()
		expireCached(t, db, "jsapi_ticket")
		tk, err := nodes[0].Ticket(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !fake.Ticket(tk) || tk == tickets[0] {
			t.Fatalf("after expiry the ticket is %q", tk)
		}
		if n := fake.Calls("/cgi-bin/token"); n != 2 {
			t.Fatalf("after 42001 WeChat was asked %d times for a token, want 2 in all", n)
		}
		if tk2, err := nodes[1].Ticket(ctx); err != nil || tk2 != tk {
			t.Fatalf("the other node got %q, %v", tk2, err)
		}
		// A token WeChat forgot (40001, asked for elsewhere) is refreshed
		// once too.
		fake.Revoke()
		expireCached(t, db, "jsapi_ticket")
		if _, err := nodes[1].Ticket(ctx); err != nil {
			t.Fatal(err)
		}
		if n := fake.Calls("/cgi-bin/token"); n != 3 {
			t.Fatalf("after 40001 WeChat was asked %d times for a token, want 3 in all", n)
		}
		// A wrong AppSecret is an error, and the lease is given back.
		bad := service(db, fake)
		bad.Client.Secret = "wrong"
		expireCached(t, db, "jsapi_ticket")
		expireCached(t, db, "access_token")
		if _, err := bad.Ticket(ctx); apperr.CodeOf(err) != apperr.Unavailable {
			t.Fatalf("a wrong secret: %v", err)
		}
		if _, err := nodes[0].Ticket(ctx); err != nil {
			t.Fatalf("after a failed refresh: %v", err)
		}
	})
}

func expireCached(t *testing.T, db *store.DB, name string) {
	t.Helper()
	if err := db.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ExecContext(context.Background(), `UPDATE wechat_tokens SET expires_at = 0 WHERE name = $1`, name)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestTokenHabits: WeChat's "system busy" (-1) is tried again once; a used
// up daily quota (45009) is an error that leaves nothing cached and the
// lease free, so the next call tries again.
func TestTokenHabits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fake := wechattest.New(t, wechattest.Options{})
		svc := service(db, fake)
		fake.Busy(1)
		if _, err := svc.Ticket(ctx); err != nil {
			t.Fatalf("after one busy answer: %v", err)
		}
		if n := fake.Calls("/cgi-bin/token"); n != 2 {
			t.Fatalf("%d token calls, want 2", n)
		}
		expireCached(t, db, "jsapi_ticket")
		expireCached(t, db, "access_token")
		fake.Quota(true)
		var apiErr *wechat.APIError
		if _, err := svc.Ticket(ctx); apperr.CodeOf(err) != apperr.Unavailable || !errors.As(err, &apiErr) || apiErr.Code != 45009 {
			t.Fatalf("with the quota used up: %v", err)
		}
		fake.Quota(false)
		if _, err := service(db, fake).Ticket(ctx); err != nil {
			t.Fatalf("after the quota came back, another node: %v", err)
		}
	})
}

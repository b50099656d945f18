package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestDevSMSOnlyForLoopback: the development page of sent sign-in codes
// (full phone numbers, live codes) answers only a client on the same
// machine, over plain HTTP, outside production. The peer address decides,
// never X-Forwarded-For, and a request a proxy forwarded (the header is
// present) is refused even when the proxy is on loopback.
func TestDevSMSOnlyForLoopback(t *testing.T) {
	newDev := func(https, dev bool) *Server {
		s, err := New(Options{Platform: newPlatform(t, platform.Config{DB: storetest.Open(t, storetest.SQLiteDSN(t))}),
			HTTPS: https, DevPages: dev})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	dev, secure, production := newDev(false, true), newDev(true, true), newDev(false, false)
	for _, tc := range []struct {
		name   string
		s      *Server
		peer   string
		xff    string
		status int
	}{
		{"LoopbackV4", dev, "127.0.0.1:5000", "", http.StatusOK},
		{"LoopbackV6", dev, "[::1]:5000", "", http.StatusOK},
		{"OtherMachine", dev, "192.0.2.7:5000", "", http.StatusForbidden},
		{"ForgedHeaderFromOutside", dev, "192.0.2.7:5000", "127.0.0.1", http.StatusForbidden},
		{"ProxyOnLoopbackForwardingTheWorld", dev, "127.0.0.1:5000", "198.51.100.7", http.StatusForbidden},
		{"ProxyOnLoopbackForwardingLoopback", dev, "127.0.0.1:5000", "127.0.0.1", http.StatusForbidden},
		{"PublicURLIsHTTPS", secure, "127.0.0.1:5000", "", http.StatusForbidden},
		{"Production", production, "127.0.0.1:5000", "", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/dev/sms", nil)
			req.RemoteAddr = tc.peer
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
			}
			rec := httptest.NewRecorder()
			tc.s.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Errorf("GET /dev/sms from %s (X-Forwarded-For %q): %d, want %d", tc.peer, tc.xff, rec.Code, tc.status)
			}
		})
	}
}

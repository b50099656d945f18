package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientIP: behind a trusted proxy the client is the rightmost
// X-Forwarded-For hop that is not a proxy; anyone else's header is ignored,
// so a client cannot pick its own address (and escape the rate limits).
func TestClientIP(t *testing.T) {
	s := &Server{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}}
	for _, tc := range []struct {
		name, peer, xff, want string
	}{
		{"Direct", "203.0.113.5:4000", "", "203.0.113.5"},
		{"UntrustedPeerIgnoresHeader", "203.0.113.5:4000", "198.51.100.7", "203.0.113.5"},
		{"TrustedProxy", "192.0.2.1:443", "198.51.100.7", "198.51.100.7"},
		{"ChainOfProxies", "10.1.2.3:443", "198.51.100.7, 10.9.9.9", "198.51.100.7"},
		{"ForgedLeftPart", "192.0.2.1:443", "1.2.3.4, 198.51.100.7", "198.51.100.7"},
		{"GarbageHop", "192.0.2.1:443", "nonsense", "192.0.2.1"},
		{"NoHeader", "192.0.2.1:443", "", "192.0.2.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := s.clientIP(r); got != tc.want {
				t.Errorf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

package server

import (
	"net/http/httptest"
	"net/netip"
	"strings"
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

// FuzzClientIP: whatever X-Forwarded-For holds, the client's address is a
// well-formed IP that is either the peer's or one of the header's hops; a
// peer that is not a trusted proxy is always its own client, so no one picks
// their own address; and an address found in the header is never a trusted
// proxy.
func FuzzClientIP(f *testing.F) {
	for _, tc := range [][2]string{
		{"203.0.113.5:4000", ""}, {"192.0.2.1:443", "198.51.100.7"}, {"10.1.2.3:443", "198.51.100.7, 10.9.9.9"},
		{"192.0.2.1:443", "1.2.3.4, 198.51.100.7"}, {"192.0.2.1:443", "nonsense"}, {"[::1]:80", "::ffff:10.0.0.1, 2001:db8::1"},
		{"10.0.0.1:1", ",,, ,"}, {"10.0.0.1:1", "fe80::1%eth0"}, {"garbage", "1.2.3.4"},
	} {
		f.Add(tc[0], tc[1])
	}
	s := &Server{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("::1/128")}}
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		got := s.clientIP(r)
		p := peerIP(r)
		if got == p {
			return
		}
		if !s.trusted(p) {
			t.Fatalf("peer %q is not a proxy, but the client is %q (X-Forwarded-For %q)", peer, got, xff)
		}
		addr, err := netip.ParseAddr(got)
		if err != nil || addr.String() != got {
			t.Fatalf("client %q is not a canonical IP", got)
		}
		if s.trusted(got) {
			t.Fatalf("client %q is a trusted proxy", got)
		}
		found := false
		for _, hop := range strings.Split(xff, ",") {
			if a, err := netip.ParseAddr(strings.TrimSpace(hop)); err == nil && a.String() == got {
				found = true
			}
		}
		if !found {
			t.Fatalf("client %q is in neither the peer %q nor the header %q", got, peer, xff)
		}
	})
}

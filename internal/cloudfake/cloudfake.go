// Package cloudfake holds what the local stand-ins for the cloud providers
// (tencentcloudtest, aliyuntest) share, for tests: the habits a test sets
// (errors forced on the next requests, a reply that never comes, an SMS
// package running out, the people the identity database knows), the
// messages "sent", and starting the fake over HTTP or HTTPS. The signing
// and the wire format stay with each provider's fake.
package cloudfake

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Start serves h over plain HTTP, or over HTTPS with its own certificate,
// whose PEM it returns (for SSL_CERT_FILE of a child process); the server
// is closed when the test ends.
func Start(t testing.TB, h http.Handler, tls bool) (*httptest.Server, []byte) {
	var s *httptest.Server
	var certPEM []byte
	if tls {
		s = httptest.NewTLSServer(h)
		certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	} else {
		s = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s, certPEM
}

// Habits are a fake's state, M being its record of a message sent. The
// zero value is ready: nobody known, nothing forced, an unlimited SMS
// package.
type Habits[M any] struct {
	mu       sync.Mutex
	sent     []M
	people   map[string]string // ID number → name
	noRecord map[string]bool
	fail     []string // error codes for the next requests
	stall    int      // requests to leave unanswered until the caller gives up
	calls    map[string]int
	limited  bool
	balance  int // messages left, when limited
}

// AddPerson makes name and number a match in the identity database.
func (h *Habits[M]) AddPerson(name, number string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.people == nil {
		h.people = map[string]string{}
	}
	h.people[number] = name
}

// NoRecord makes the ID number unknown to the identity database.
func (h *Habits[M]) NoRecord(number string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.noRecord == nil {
		h.noRecord = map[string]bool{}
	}
	h.noRecord[number] = true
}

// Person tells what the identity database holds of number: the name it
// goes with (known), or that it has no record of it at all (none).
func (h *Habits[M]) Person(number string) (name string, known, none bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	name, known = h.people[number]
	return name, known, h.noRecord[number]
}

// FailNext answers the next request with the error code.
func (h *Habits[M]) FailNext(code string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fail = append(h.fail, code)
}

// StallNext leaves the next request unanswered until the caller gives up
// (its context ends or its timeout passes): the slow reply.
func (h *Habits[M]) StallNext() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stall++
}

// SetBalance sets how many messages the account can still pay for.
func (h *Habits[M]) SetBalance(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.limited, h.balance = true, n
}

// Calls returns how many signed requests for action were answered.
func (h *Habits[M]) Calls(action string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[action]
}

// Sent returns the messages sent, oldest first.
func (h *Habits[M]) Sent() []M {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]M(nil), h.sent...)
}

// Next counts a signed request for action and takes what the test set for
// it: whether to leave it unanswered, else the error code to answer with
// ("" for none).
func (h *Habits[M]) Next(action string) (stall bool, forced string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.calls == nil {
		h.calls = map[string]int{}
	}
	h.calls[action]++
	if h.stall > 0 {
		h.stall--
		return true, ""
	}
	if len(h.fail) > 0 {
		forced, h.fail = h.fail[0], h.fail[1:]
	}
	return false, forced
}

// Outcomes of Send.
const (
	Sent       = iota // the message went out
	NoBalance         // the SMS package is used up
	DailyLimit        // the number had its day's messages
)

// Send records m, sent to phone, unless the package is used up or the
// number already received limit messages; it returns the outcome and how
// many messages were sent in all.
func (h *Habits[M]) Send(phone string, m M, limit int, phoneOf func(M) string) (outcome, total int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.limited && h.balance <= 0 {
		return NoBalance, len(h.sent)
	}
	n := 0
	for _, s := range h.sent {
		if phoneOf(s) == phone {
			n++
		}
	}
	if n >= limit {
		return DailyLimit, len(h.sent)
	}
	h.sent = append(h.sent, m)
	if h.limited {
		h.balance--
	}
	return Sent, len(h.sent)
}

// UsedUp reports whether the SMS package is used up.
func (h *Habits[M]) UsedUp() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.limited && h.balance <= 0
}

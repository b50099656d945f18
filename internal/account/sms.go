package account

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/carefund/carefund/internal/idcard"
)

// Sender sends a sign-in code by SMS. A real SMS gateway implements it; the
// platform ships LogSender for development and the demo.
type Sender interface {
	// Send delivers code to the mainland mobile number phone (11 digits).
	// Its error is not shown or logged by callers that cannot rule out it
	// quoting the number.
	Send(ctx context.Context, phone, code string) error
}

// LogSender "sends" codes by writing them to the server log, with the phone
// number masked, and keeping the last few in memory for the development-only
// page that shows them. It must not be used in production.
type LogSender struct {
	Log *slog.Logger

	mu     sync.Mutex
	recent []Sent
}

// Sent is one code LogSender sent.
type Sent struct {
	Phone string // full number: the development page is for the person testing
	Code  string
	At    time.Time
}

// keepSent is how many codes LogSender remembers.
const keepSent = 20

// Send logs the code and remembers it.
func (s *LogSender) Send(_ context.Context, phone, code string) error {
	if s.Log != nil {
		s.Log.Info("sms sign-in code (development sender)", "to", idcard.MaskPhone(phone), "code", code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recent = append([]Sent{{Phone: phone, Code: code, At: time.Now()}}, s.recent...)
	if len(s.recent) > keepSent {
		s.recent = s.recent[:keepSent]
	}
	return nil
}

// Recent returns the codes sent, newest first.
func (s *LogSender) Recent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.recent...)
}

// Last returns the last code sent to phone, for tests and the demo.
func (s *LogSender) Last(phone string) (string, bool) {
	for _, m := range s.Recent() {
		if m.Phone == phone {
			return m.Code, true
		}
	}
	return "", false
}

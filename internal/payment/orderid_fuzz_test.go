package payment

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzOrderID feeds order numbers (GET /donations/{no}, refunds and the
// provider's answers) to ValidOrderID: an accepted number is 6 to
// 32 characters that need no escaping in a path, a query or a log line.
func FuzzOrderID(f *testing.F) {
	for _, s := range []string{"CF20260105123456ABCDEF", "abc", "../../etc", "CF 2026", "CF2026%2F", strings.Repeat("A", 33), "CF-2026_01", "ＣＦ２０２６０１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if !ValidOrderID(id) {
			return
		}
		if len(id) < MinOrderID || len(id) > MaxOrderID || url.PathEscape(id) != id || url.QueryEscape(id) != id ||
			strings.ContainsAny(id, "./\\ \t\r\n") {
			t.Fatalf("accepted order number %q", id)
		}
	})
}

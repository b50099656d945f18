package site

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
)

// FuzzPosted feeds a posted form — any body, any declared type, over the
// size limit or not — to Posted. It never panics; a refusal is the
// caller's fault (Invalid or TooLarge, never a server error); the values it
// returns are the form's, and sent again they read the same.
func FuzzPosted(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", "amount=10.00&message=%E5%8A%A0%E6%B2%B9&anonymous=1"},
		{"application/x-www-form-urlencoded", "a=%zz&b=1"},
		{"application/x-www-form-urlencoded", "amount=1&amount=2;x=3&&=&%00=%00"},
		{"application/x-www-form-urlencoded; charset=gbk", "amount=" + strings.Repeat("9", 300)},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n10\r\n--x--\r\n"},
		{"multipart/form-data", "--x\r\n"},
		{"text/plain", "amount=1"},
		{"", ""},
	} {
		f.Add(s.ct, []byte(s.body))
	}
	fields := []string{"amount", "message", "anonymous", "a", "b"}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 256)
		values, err := Posted(r, fields...)
		if err != nil {
			if e := apperr.As(err); e == nil || StatusOf[e.Code] >= 500 {
				t.Fatalf("a bad form is a server error: %v", err)
			}
			return
		}
		again := url.Values{}
		for _, k := range fields {
			if values[k] != r.PostFormValue(k) {
				t.Fatalf("%s = %q, the form says %q", k, values[k], r.PostFormValue(k))
			}
			again.Set(k, values[k])
		}
		r2 := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(again.Encode()))
		r2.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		v2, err := Posted(r2, fields...)
		if err != nil {
			t.Fatalf("the accepted values sent again: %v", err)
		}
		for _, k := range fields {
			if v2[k] != values[k] {
				t.Fatalf("%s read %q, then %q", k, values[k], v2[k])
			}
		}
	})
}

// FuzzParseDay feeds the date filters of the console and the API (from,
// to: yyyy-mm-dd in China time) to ParseDay. It never panics; a date it
// accepts shows as the same text, and the end of a day is within that day.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2026-01-05", "", "2026-02-30", "0000-01-01", "9999-12-31", "2026-1-5", "2026-01-05T00:00:00Z", " 2026-01-05", "２０２６-01-05"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		start, err := ParseDay(v, false)
		end, err2 := ParseDay(v, true)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("start %v, end %v", err, err2)
		}
		if err != nil {
			return
		}
		if v == "" {
			if !start.IsZero() || !end.IsZero() {
				t.Fatal("an empty filter is not the zero time")
			}
			return
		}
		if Day(start) != v || Day(end) != v {
			t.Fatalf("%q read as %s … %s", v, Day(start), Day(end))
		}
		if d := end.Sub(start); d <= 0 || d >= 24*time.Hour {
			t.Fatalf("%q spans %v", v, d)
		}
	})
}

// FuzzPathNumber feeds the numbers in paths ({id}, {mid}, …) to
// PathNumber: it never panics, accepts only positive numbers written
// plainly, and refuses everything else as an unknown object (404).
func FuzzPathNumber(f *testing.F) {
	for _, s := range []string{"1", "0", "-1", "007", "+5", "9223372036854775807", "9223372036854775808", "1e3", " 1", "１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.SetPathValue("id", v)
		id, err := PathID(r)
		if err != nil {
			if e := apperr.As(err); e == nil || e.Code != apperr.NotFound {
				t.Fatalf("refusal %v, want not found", err)
			}
			return
		}
		if id <= 0 || strings.TrimLeft(v, "+0") != strconv.FormatInt(id, 10) {
			t.Fatalf("%q read as %d", v, id)
		}
	})
}

// FuzzParseMinute feeds the datetime-local fields of the console (when an
// incident notice was sent) to ParseMinute. It never panics; a time it
// accepts is in UTC and shows, in China time, as the minute typed.
func FuzzParseMinute(f *testing.F) {
	for _, s := range []string{"2026-01-05T08:30", "2026-01-05T08:30:15", "", "2026-02-30T00:00", "2026-01-05 08:30", "2026-01-05T24:00", "0000-01-01T00:00", "2026-01-05T08:30Z", "2026-01-05T8:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := ParseMinute(v)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("%q refused but read as %v", v, got)
			}
			return
		}
		if v == "" {
			if !got.IsZero() {
				t.Fatal("an empty field is not the zero time")
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q read in %v", v, got.Location())
		}
		if want := v[:16]; got.In(ChinaTime).Format("2006-01-02T15:04") != want {
			t.Fatalf("%q read as %s", v, got.In(ChinaTime).Format("2006-01-02T15:04"))
		}
	})
}

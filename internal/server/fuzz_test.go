package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/server/site"
)

// fuzzBody is shaped like the API's bodies: strings, numbers, booleans,
// lists and a nested object.
type fuzzBody struct {
	Phone     string   `json:"phone"`
	Amount    int64    `json:"amount"`
	Anonymous bool     `json:"anonymous"`
	Materials []int64  `json:"materials"`
	Tags      []string `json:"tags"`
	Payee     *struct {
		Name    string `json:"name"`
		Account string `json:"account"`
	} `json:"payee"`
}

// FuzzDecodeJSON feeds the JSON API's decoder any body and declared type,
// under the body limit or over it. It never panics; a refusal is the
// caller's fault (4xx), never a server error; what it accepts encodes and
// decodes again to the same value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"phone":"13800138000","amount":1000,"anonymous":true,"materials":[1,2],"payee":{"name":"张三","account":"6222"}}`,
		`{"phone":1}`, `{"unknown":1}`, `{"amount":1e400}`, `{"amount":9223372036854775808}`, `{} {}`, `{}x`, `[]`, `null`,
		`{"phone":"\ud800"}`, `{"payee":{"name":"a","extra":1}}`, `{"tags":["a",null]}`, `{"phone":"a","phone":"b"}`, ``,
	} {
		f.Add("application/json", []byte(s))
	}
	f.Add("text/plain", []byte(`{}`))
	f.Add("application/json; charset=utf-8", []byte(`{"amount":-1}`))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/x", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 512)
		var v fuzzBody
		if err := decodeJSON(r, &v); err != nil {
			if e := apperr.As(err); e == nil || site.StatusOf[e.Code] >= 500 {
				t.Fatalf("a bad body is a server error: %v", err)
			}
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		r2 := httptest.NewRequest(http.MethodPost, "/api/v1/x", bytes.NewReader(again))
		r2.Header.Set("Content-Type", "application/json")
		var w fuzzBody
		if err := decodeJSON(r2, &w); err != nil {
			t.Fatalf("the accepted value sent again: %v", err)
		}
		if !reflect.DeepEqual(v, w) {
			t.Fatalf("decoded %+v, then %+v", v, w)
		}
	})
}

// FuzzLocalPath feeds redirect targets (the "next" of the language switch
// and of sign-in) to localPath and localNext: wherever a browser would go
// with what they return, it is this site.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{
		"/my/requests", "/requests/1?s=abc#x", "//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example",
		"/\t/evil.example", "/%2F%2Fevil.example", "javascript:alert(1)", "/a\r\nLocation: https://evil.example", "", " /x",
		"/.//evil.example", "/x?next=//evil.example", "/@evil.example", "///evil.example", "/%5Cevil.example", "\x00/x",
	} {
		f.Add(s)
	}
	site := mustURL(f, "https://carefund.example/account")
	f.Fuzz(func(t *testing.T, next string) {
		p := localPath(next)
		if p != "/" && p != next {
			t.Fatalf("localPath(%q) = %q, neither the input nor /", next, p)
		}
		if n := localNext(next); n != "" && n != p {
			t.Fatalf("localNext(%q) = %q, localPath %q", next, n, p)
		}
		// As a browser reads a Location: tabs and newlines dropped,
		// backslashes as slashes.
		seen := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(p)
		u, err := url.Parse(seen)
		if err != nil {
			t.Fatalf("localPath(%q) = %q, which does not parse: %v", next, p, err)
		}
		if to := site.ResolveReference(u); to.Scheme != "https" || to.Host != "carefund.example" || to.User != nil {
			t.Fatalf("localPath(%q) = %q leads to %s", next, p, to)
		}
		if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
			t.Fatalf("localPath(%q) = %q is not a path on this site", next, p)
		}
	})
}

func mustURL(t testing.TB, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// FuzzShareToken feeds the ?s= of shared links to validShareToken and
// formShareToken: a token accepted is 16 letters and digits, safe in a
// cookie's name and a link; what the donation form keeps is bounded.
func FuzzShareToken(f *testing.F) {
	for _, s := range []string{"AbCdEfGh12345678", "abc", "AbCdEfGh1234567;", "AbCdEfGh1234567\u00e9", "  AbCdEfGh12345678  ", strings.Repeat("a", 100), "AbCdEfGh1234567=", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := validShareToken(s)
		if tok != "" {
			if tok != s || len(tok) != shareTokenLen || url.QueryEscape(tok) != tok {
				t.Fatalf("validShareToken(%q) = %q", s, tok)
			}
			c := &http.Cookie{Name: seenCookie + tok, Value: "1"}
			if c.Valid() != nil {
				t.Fatalf("token %q makes a bad cookie name", tok)
			}
			if validShareToken(tok) != tok {
				t.Fatal("an accepted token is refused again")
			}
		}
		if k := formShareToken(s); len(k) > maxShareToken || k != "" && k != strings.TrimSpace(s) {
			t.Fatalf("formShareToken(%q) = %q", s, k)
		}
	})
}

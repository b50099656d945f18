package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// api sends a JSON request, as the user when token is set.
func (f *fixture) api(method, target, body, contentType, token string) (*http.Response, map[string]any) {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: userCookie, Value: token})
	}
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Result(), out
}

// TestAPIBadInput: wrong types, unknown fields, trailing data and a body
// that is not JSON get problem details naming what is wrong; nothing is
// saved.
func TestAPIBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct {
			name, body, contentType, field string
		}{
			{"WrongType", `{"phone": 13800138000}`, "application/json", "phone"},
			{"UnknownField", `{"phone": "13800138001", "admin": true}`, "application/json", ""},
			{"Trailing", `{"phone": "13800138001"} {}`, "application/json", ""},
			{"NotJSON", `phone=13800138001`, "application/x-www-form-urlencoded", ""},
			{"Malformed", `{"phone": `, "application/json", ""},
			{"BadPhone", `{"phone": "12345"}`, "application/json", "phone"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, p := f.api("POST", "/api/v1/signin/code", tc.body, tc.contentType, "")
				if resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "invalid" {
					t.Fatalf("status %d, problem %v", resp.StatusCode, p)
				}
				if tc.field != "" {
					errs, _ := p["errors"].([]any)
					if len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
						t.Errorf("errors %v, want one on %s", p["errors"], tc.field)
					}
				}
				if _, ok := f.sms.Last("13800138001"); ok {
					t.Error("a code was sent for a refused request")
				}
			})
		}
	})
}

// TestAPIMeIsMasked: the API never returns a full phone or ID number (R-PII-1).
func TestAPIMeIsMasked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, rulesList := f.apiList(t)
		body := `{"name": "王小明", "id_number": "11010519491231002X", "truthful": true, "consent": true, "rules": [` + rulesList + `]}`
		resp, me := f.api("POST", "/api/v1/me/identity", body, "application/json", f.user)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("verify: %d %v", resp.StatusCode, me)
		}
		raw, _ := json.Marshal(me)
		if s := string(raw); strings.Contains(s, "13800138000") || strings.Contains(s, "11010519491231002X") || strings.Contains(s, "王小明") ||
			!strings.Contains(s, "138****8000") || !strings.Contains(s, "王*明") {
			t.Errorf("GET /api/v1/me = %s", s)
		}
		if resp, _ := f.api("GET", "/api/v1/me", "", "", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/me signed out: %d", resp.StatusCode)
		}
	})
}

// apiList returns the current rules' IDs as a JSON list body.
func (f *fixture) apiList(t *testing.T) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/api/v1/rules", nil)
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	var list []apiRule
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list) != 5 {
		t.Fatalf("GET /api/v1/rules: %v %s", err, rec.Body)
	}
	var ids []string
	for _, r := range list {
		ids = append(ids, itoa(r.ID))
	}
	return len(list), strings.Join(ids, ",")
}

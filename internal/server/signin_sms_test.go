package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/sms"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/tencentcloud/tencentcloudtest"
)

// TestSignInWithRealSMS: sign-in codes through the Tencent Cloud fake; the
// provider's refusal of the number for the day, and the platform's own
// one-a-minute limit, are told once, next to the phone, in the reader's
// language (R-ACC-1).
func TestSignInWithRealSMS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := tencentcloudtest.New(t)
		sender := &sms.Tencent{Client: f.Client(), AppID: tencentcloudtest.AppID, SignName: tencentcloudtest.SignName, Template: tencentcloudtest.Template}
		s, err := New(Options{Platform: newPlatform(t, platform.Config{DB: db, SMS: sender}), Version: "test",
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		h := s.Handler()
		post := func(phone, lang string) (int, string) {
			resp := do(h, "POST", "/signin/code", strings.NewReader(url.Values{"phone": {phone}}.Encode()),
				"Content-Type", "application/x-www-form-urlencoded", "Accept-Language", lang)
			return resp.StatusCode, body(t, resp)
		}
		f.FailNext("LimitExceeded.PhoneNumberDailyLimit")
		st, page := post("13800138001", "zh-CN")
		const zh = "这个手机号今天收到的短信已达上限"
		if st != http.StatusTooManyRequests || strings.Count(page, zh) != 1 || !strings.Contains(page, `id="phone-err"`) {
			t.Fatalf("the provider's daily limit: %d, want 429 and the message once, at the phone field:\n%s", st, page)
		}
		if strings.Contains(page, `id="code"`) {
			t.Error("no code was sent, but the page asks for one")
		}
		if st, _ := post("13800138001", "en"); st != 200 {
			t.Fatalf("the next try: %d", st)
		}
		if _, ok := f.LastCode("13800138001"); !ok {
			t.Fatal("the fake received no code")
		}
		st, page = post("13800138001", "en")
		if st != http.StatusTooManyRequests || !strings.Contains(page, "try again in") || strings.Count(page, "A code was sent just now") != 1 {
			t.Fatalf("a second code within the minute: %d, want the wait said once:\n%s", st, page)
		}
	})
}

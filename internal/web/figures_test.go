package web

import (
	"bytes"
	"html"
	"html/template"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
)

const sampleFlow = template.HTML(`<svg class="flow" role="img" aria-labelledby="flow-title flow-desc" viewBox="0 0 360 220"><title id="flow-title">t</title><desc id="flow-desc">d</desc></svg>`)

var samplePlatform = PlatformFigures{Raised: "¥10.00", Recovered: "¥0.00", Fees: "¥0.00", PaidOut: "¥4.00", Refunded: "¥1.00",
	Refunding: "¥0.00", ToCharity: "¥0.00", Held: "¥5.00", Interest: "¥0.10", CharityPaid: "¥0.00",
	Requests: 2, Donors: 3, Balanced: true, Flow: sampleFlow}

var sampleFlowRequest = PublicRequest{ID: 5, Version: VersionView{Number: 1}, Versions: 1, StateKey: "campaign.state.fundraising",
	Figures: &PublicFigures{Raised: "¥9", PaidOut: "¥1", Refunded: "¥2", ToCharity: "¥0", Held: "¥6"}, Flow: sampleFlow}

func init() {
	samples = append(samples, samplePlatform, sampleFlowRequest,
		PlatformFigures{Empty: true, Balanced: true},
		LogExplained{Key: "carefund.example.org/log+0a1b2c3d+AbCd", Site: "https://carefund.example.org"},
		LogExplained{Site: "https://carefund.example.org"},
	)
}

// The platform's figures page shows every figure, the identity in words,
// the picture, and links to charity and the log; the log page says what
// it proves and does not, the commands, the key or that there is none,
// and the checkpoint; the request page shows its picture unescaped.
func TestFiguresAndLogPages(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	render := func(lang i18n.Lang, p Page) string {
		t.Helper()
		var buf bytes.Buffer
		if err := r.Render(&buf, lang, "/", Viewer{}, p); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, lang := range i18n.Langs {
		body := html.UnescapeString(render(lang, samplePlatform))
		for _, want := range []string{`id="pf-raised">¥10.00`, `id="pf-held">¥5.00`, `id="pf-requests">2`, `id="pf-donors">3`,
			`id="pf-interest">¥0.10`, string(sampleFlow), `href="/log"`, `href="/charity"`, `data-balanced="true"`,
			(i18n.T(lang, "figures.identity", "¥10.00", "¥0.00", "¥0.00", "¥4.00", "¥1.00", "¥0.00", "¥0.00", "¥5.00")),
			i18n.T(lang, "figures.balanced"), `href="/figures"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s figures page lacks %s", lang, want)
			}
		}
		if strings.Contains(body, "figures-empty") {
			t.Error("a platform with money says it has none")
		}
		if body := render(lang, PlatformFigures{Empty: true}); !strings.Contains(body, "figures-empty") ||
			!strings.Contains(body, i18n.T(lang, "figures.unbalanced")) || strings.Contains(body, "<svg") {
			t.Errorf("%s: the empty, unbalanced page: %s", lang, body)
		}

		body = html.UnescapeString(render(lang, LogExplained{Key: "carefund.example.org/log+0a1b2c3d+AbCd", Site: "https://carefund.example.org"}))
		for _, want := range []string{"carefund log check-receipt FILE", "carefund log verify https://carefund.example.org",
			`id="log-key-value"><code>carefund.example.org/log+0a1b2c3d+AbCd</code>`, `href="/log/checkpoint"`,
			i18n.T(lang, "logpage.proves.private"), i18n.T(lang, "logpage.notproves.facts"), i18n.T(lang, "logpage.notproves.bank")} {
			if !strings.Contains(body, want) {
				t.Errorf("%s log page lacks %s", lang, want)
			}
		}
		if body := render(lang, LogExplained{}); !strings.Contains(body, `id="log-key-none"`) {
			t.Errorf("%s: the log page without a key does not say so", lang)
		}

		body = render(lang, sampleFlowRequest)
		if !strings.Contains(body, `<div id="flow">`+string(sampleFlow)) {
			t.Errorf("%s: the request page lacks its picture", lang)
		}
	}
}

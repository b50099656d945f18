package main

import (
	"context"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/carefund/carefund/internal/browsertest"
	"github.com/carefund/carefund/internal/testprog"
)

// TestHomePageInBrowser opens the home page of the real program in headless
// Chromium at phone width, as WeChat's browser shows it, in both languages.
func TestHomePageInBrowser(t *testing.T) {
	p := testprog.Start(t)
	tests := []struct {
		name, acceptLanguage, lang, h1 string
	}{
		{"zh-CN", "zh-CN,zh", "zh-CN", "为大病家庭筹集救命钱"},
		{"en", "en-US,en", "en", "Raising money for families facing serious illness"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage(tt.acceptLanguage))
			do(t, ctx, chromedp.Navigate(p.URL))
			lang, h1 := htmlLang(t, ctx), get1(t, ctx, chromedp.Text("h1"))
			if lang != tt.lang || h1 != tt.h1 {
				t.Errorf("lang %q, h1 %q; want %q, %q", lang, h1, tt.lang, tt.h1)
			}
			// R-PUB-3: the complaint entry and the rules on every page.
			links := get1(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("footer a")].map(a => a.getAttribute("href"))`))
			if !slices.Contains(links, "/complaints") || !slices.Contains(links, "/rules") {
				t.Errorf("footer links %v lack /complaints or /rules", links)
			}
			// The stylesheet loaded under the CSP: the header is a flex row.
			if display := get1(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header")).display`)); display != "flex" {
				t.Errorf("header display %q: the stylesheet did not apply", display)
			}
			if font := get1(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).fontSize`)); font != "16px" {
				t.Errorf("body font size %s at phone width, want 16px", font)
			}
			browsertest.NoHorizontalOverflow(t, ctx)
			browsertest.Screenshot(t, ctx, "home-phone-"+tt.name)
		})
	}
	t.Run("desktop", func(t *testing.T) {
		ctx := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN,zh"))
		do(t, ctx, chromedp.Navigate(p.URL), chromedp.WaitVisible("footer"))
		browsertest.NoHorizontalOverflow(t, ctx)
		browsertest.Screenshot(t, ctx, "home-desktop-zh-CN")
	})
}

// TestLanguageSwitchInBrowser switches to English with the header button,
// checks the choice outlives a reload and other pages, and switches back.
func TestLanguageSwitchInBrowser(t *testing.T) {
	p := testprog.Start(t)
	ctx := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage("zh-CN"))
	do(t, ctx, chromedp.Navigate(p.URL+"rules"))
	if lang := htmlLang(t, ctx); lang != "zh-CN" {
		t.Fatalf("lang %q before switching", lang)
	}
	do(t, ctx, chromedp.Click("form.lang button", chromedp.NodeVisible), chromedp.WaitVisible(`html[lang="en"]`))
	if path := get1(t, ctx, chromedp.Evaluate[string](`location.pathname`)); path != "/rules" {
		t.Errorf("after switching, at %q; want to stay on /rules", path)
	}
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible("h1"))
	if lang := htmlLang(t, ctx); lang != "en" {
		t.Errorf("lang %q after reload, want en", lang)
	}
	do(t, ctx, chromedp.Click(`footer a[href="/complaints"]`, chromedp.NodeVisible), chromedp.WaitVisible(`h1`))
	if h1 := get1(t, ctx, chromedp.Text("h1")); h1 != "Complaints and reports" {
		t.Errorf("complaints page h1 %q, want it in English", h1)
	}
	do(t, ctx, chromedp.Click("form.lang button", chromedp.NodeVisible), chromedp.WaitVisible(`html[lang="zh-CN"]`))
	browsertest.NoHorizontalOverflow(t, ctx)
	browsertest.Screenshot(t, ctx, "complaints-phone-zh-CN")
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func get1[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func htmlLang(t *testing.T, ctx context.Context) string {
	t.Helper()
	return get1(t, ctx, chromedp.AttributeValue("html", "lang")).Value
}

package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/carefund/carefund/internal/browsertest"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/testprog"
)

// TestPublicSignInInBrowser signs a member of the public in with a phone
// number and the code sent to it, on a phone-sized screen, then verifies
// their real name: first without ticking the boxes, which is refused with a
// message next to each box and the typed values kept (R-RULES-2), then
// properly; the account page shows the identity masked (R-ACC-1, R-PII-1).
func TestPublicSignInInBrowser(t *testing.T) {
	p := testprog.Start(t)
	ctx := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
	phone := "13811112222"
	do(t, ctx,
		chromedp.Navigate(p.URL+"account"),
		chromedp.WaitVisible("#phone"), // sent to sign in first
		chromedp.SendKeys("#phone", phone),
		chromedp.Click(`form[action="/signin/code"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible("#code"),
	)
	code := codeFor(t, p.URL, phone)
	do(t, ctx,
		chromedp.SendKeys("#code", code),
		chromedp.Click(`form[action="/signin"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(`dl.facts`),
	)
	if path := get1(t, ctx, chromedp.Evaluate[string](`location.pathname`)); path != "/account" {
		t.Errorf("after signing in at %s, want back at /account", path)
	}
	if facts := get1(t, ctx, chromedp.Text("dl.facts")); !strings.Contains(facts, "138****2222") || strings.Contains(facts, phone) {
		t.Errorf("account page shows %q; want the phone masked", facts)
	}
	browsertest.Screenshot(t, ctx, "account-phone-zh-CN")

	do(t, ctx,
		chromedp.Navigate(p.URL+"account/verify"),
		chromedp.WaitVisible("#name"),
		chromedp.SendKeys("#name", "张三明"),
		chromedp.SendKeys("#id_number", "11010519491231002X"),
		chromedp.Click(`form[action="/account/verify"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible("#consent-err"),
	)
	for _, sel := range []string{"#consent-err", "#truthful-err"} {
		if msg := get1(t, ctx, chromedp.Text(sel)); msg == "" {
			t.Errorf("no message at %s", sel)
		}
	}
	if v := get1(t, ctx, chromedp.Evaluate[string](`document.querySelector("#id_number").value`)); v != "11010519491231002X" {
		t.Errorf("the refused form lost the ID number: %q", v)
	}
	browsertest.NoHorizontalOverflow(t, ctx)
	browsertest.Screenshot(t, ctx, "verify-refused-phone-zh-CN")
	do(t, ctx,
		chromedp.Click("#truthful", chromedp.NodeVisible),
		chromedp.Click("#consent", chromedp.NodeVisible),
		chromedp.Click(`form[action="/account/verify"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(".badge"),
	)
	if facts := get1(t, ctx, chromedp.Text("dl.facts")); !strings.Contains(facts, "张*明") || !strings.Contains(facts, "110***********002X") {
		t.Errorf("account page after verifying: %q", facts)
	}
	browsertest.Screenshot(t, ctx, "account-verified-phone-zh-CN")

	// Signing out ends the session: the account page asks to sign in again.
	do(t, ctx,
		chromedp.Click(`form[action="/signout"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.hero`), // the home page, where signing out leads
		chromedp.Navigate(p.URL+"account"),
		chromedp.WaitVisible("#phone"),
	)
}

// TestStaffSignInInBrowser signs a staff member in with username, password
// and the TOTP code of their authenticator (R-ACC-2); a wrong code is refused
// with the same message as a wrong password.
func TestStaffSignInInBrowser(t *testing.T) {
	p := testprog.Start(t)
	secret := createStaff(t, p.DataDir, nil, "browser-admin", "admin")
	ctx := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
	do(t, ctx,
		chromedp.Navigate(p.URL+"staff"),
		chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", "browser-admin"),
		chromedp.SendKeys("#password", password),
		chromedp.SendKeys("#totp", "000000"),
		chromedp.Click(`form[action="/staff/signin"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(".form-error"),
	)
	wrongCode := get1(t, ctx, chromedp.Text(".form-error"))
	do(t, ctx,
		chromedp.SendKeys("#password", password), // a refused form never echoes the password
		chromedp.SendKeys("#totp", staff.CodeAt(secret, time.Now())),
		chromedp.Click(`form[action="/staff/signin"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(`a[href="/staff/approvals"]`),
	)
	if wrongCode == "" {
		t.Error("a wrong code got no message")
	}
	if h1 := get1(t, ctx, chromedp.Text("h1")); h1 != "工作台" {
		t.Errorf("staff home h1 %q", h1)
	}
	browsertest.Screenshot(t, ctx, "staff-home-desktop-zh-CN")
}

// codeFor reads the code sent to phone from the development SMS page.
func codeFor(t *testing.T, base, phone string) string {
	t.Helper()
	c := newClient(t, base)
	_, page, _ := c.do("GET", "/dev/sms", nil)
	for _, m := range devCode.FindAllStringSubmatch(page, -1) {
		if m[1] == phone {
			return m[2]
		}
	}
	t.Fatalf("no code for %s on /dev/sms", url.QueryEscape(phone))
	return ""
}

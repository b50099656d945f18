package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/carefund/carefund/internal/browsertest"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/testprog"
)

// TestRequestInBrowser is the life of a request for help, in real browsers:
// a publisher files it on a phone-sized screen (R-REQ-1, R-REQ-2, R-REQ-3),
// a reviewer asks for more information (R-REV-2), the publisher answers, a
// first reviewer approves a request above ¥500,000 and it waits for a second
// reviewer, who approves it too (R-REV-3); fundraising opens only once the
// certificate is reviewed and published (R-REQ-4); and the public page shows
// the request with the patient's name masked and no ID number (R-PUB-1).
func TestRequestInBrowser(t *testing.T) {
	p := testprog.Start(t)
	first := createStaff(t, p.DataDir, nil, "reviewer-one", "reviewer")
	second := createStaff(t, p.DataDir, nil, "reviewer-two", "reviewer")
	scan := filepath.Join(t.TempDir(), "scan.png")
	if err := os.WriteFile(scan, pngScan(t), 0o600); err != nil {
		t.Fatal(err)
	}

	phone := browsertest.New(t, browsertest.Phone(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
	signInAndVerify(t, phone, p.URL, "13822223333", "王五", "11010519491231002X")
	do(t, phone,
		chromedp.Navigate(p.URL+"my/requests"),
		chromedp.Click("#new-request", chromedp.NodeVisible),
		chromedp.WaitVisible("#filing"),
	)
	requestPath := get1(t, phone, chromedp.Evaluate[string](`location.pathname`))
	fill := []chromedp.Action[chromedp.Void]{
		chromedp.SetValue("#f-relationship", "parent"),
		chromedp.SendKeys("#f-patient-name", "张小明"),
		chromedp.SendKeys("#f-patient-id", "110105201001010037"),
		chromedp.SendKeys("#f-diagnosis", "急性淋巴细胞白血病"),
		chromedp.SendKeys("#f-hospital-name", "北京大学人民医院"),
		chromedp.SendKeys("#f-hospital-city", "北京"),
		chromedp.SendKeys("#f-title", "救救我的儿子小明"),
		chromedp.SendKeys("#f-story", strings.Repeat("孩子确诊白血病后需要长期化疗，家里的积蓄已经全部花完，还欠了亲戚的钱。", 2)),
		chromedp.SendKeys("#f-target", "600000"),
		chromedp.SendKeys("#f-costs", "650000"),
		chromedp.SendKeys("#f-use-0-label", "化疗费用"),
		chromedp.SendKeys("#f-use-0-amount", "200000"),
		chromedp.SendKeys("#f-use-1-label", "骨髓移植"),
		chromedp.SendKeys("#f-use-1-amount", "400000"),
	}
	do(t, phone, fill...)
	// Every disclosure is answered (R-REQ-2): medical insurance yes, with
	// what it pays; income yes with the figure; everything else no.
	for _, topic := range []string{"commercial_insurance", "minimum_living", "poor_household", "medical_assistance",
		"other_platforms", "housing", "vehicles", "debts"} {
		do(t, phone, chromedp.Click(`input[name="disclosure.`+topic+`"][value="no"]`, chromedp.NodeVisible))
	}
	do(t, phone,
		chromedp.Click(`input[name="disclosure.medical_insurance"][value="yes"]`, chromedp.NodeVisible),
		chromedp.SendKeys("#f-medical_insurance-detail", "城乡居民医保，报销约一半"),
		chromedp.Click(`input[name="disclosure.income"][value="yes"]`, chromedp.NodeVisible),
		chromedp.SendKeys("#f-income-detail", "父亲打零工"),
		chromedp.SendKeys("#f-income-amount", "36000"),
	)
	// The page's script saves the draft as it is typed.
	do(t, phone, chromedp.Poll[chromedp.Void](`document.querySelector("#autosave").textContent.indexOf("已自动保存") >= 0`))
	// Above ¥500,000 a medical institution's certificate is needed too (R-REQ-4).
	for _, kind := range []string{"diagnosis", "id_document", "cost_estimate", "relationship", "certificate"} {
		uploadScan(t, phone, kind, scan)
	}
	// What was typed survived the uploads.
	if v := get1(t, phone, chromedp.Evaluate[string](`document.querySelector("#f-title").value`)); v != "救救我的儿子小明" {
		t.Fatalf("the title after uploading is %q", v)
	}
	browsertest.NoHorizontalOverflow(t, phone)
	browsertest.Screenshot(t, phone, "filing-phone-zh-CN")
	submitFiling(t, phone)
	browsertest.Screenshot(t, phone, "submitted-phone-zh-CN")
	id := strings.TrimPrefix(requestPath, "/my/requests/")

	// The first reviewer asks for more.
	desk := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
	staffSignIn(t, desk, p.URL, "reviewer-one", first)
	reviewRequest(t, desk, p.URL, id)
	do(t, desk, chromedp.SendKeys("#questions", "请上传医院盖章的费用预估单原件照片。"))
	staffAction(t, desk, `form[action$="/ask"] button`)

	// The publisher sees exactly what was asked, answers and sends it back.
	do(t, phone,
		chromedp.Navigate(p.URL+strings.TrimPrefix(requestPath, "/")),
		chromedp.WaitVisible("#questions"),
	)
	if q := get1(t, phone, chromedp.Text("#questions")); !strings.Contains(q, "费用预估单原件") {
		t.Errorf("the publisher sees %q, not the questions", q)
	}
	uploadScan(t, phone, "cost_estimate", scan)
	submitFiling(t, phone)

	// Two reviewers approve, once every document is marked reviewed
	// (R-REV-2): the target is above ¥500,000, so the first approval only
	// waits for a second reviewer's (R-REV-3).
	reviewRequest(t, desk, p.URL, id)
	for range 10 {
		n := get1(t, desk, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/reviewed"] button').length`))
		if n == 0 {
			break
		}
		staffAction(t, desk, `form[action$="/reviewed"] button`)
	}
	staffAction(t, desk, `form[action$="/approve"] button`)
	fundraising := i18n.T(i18n.ZH, campaign.Fundraising.NameKey())
	approved := i18n.T(i18n.ZH, campaign.Approved.NameKey())
	if state := get1(t, desk, chromedp.Text("#state")); strings.Contains(state, approved) || strings.Contains(state, fundraising) {
		t.Fatalf("one approval approved a request above the cap: %q", state)
	}
	desk2 := browsertest.New(t, browsertest.Desktop(), browsertest.AcceptLanguage("zh-CN"), browsertest.AllowRefusals())
	staffSignIn(t, desk2, p.URL, "reviewer-two", second)
	reviewRequest(t, desk2, p.URL, id)
	staffAction(t, desk2, `form[action$="/approve"] button`)
	if state := get1(t, desk2, chromedp.Text("#state")); !strings.Contains(state, approved) {
		t.Fatalf("after the second approval the request is %q, want approved and waiting for the certificate", state)
	}
	// The certificate is published, and only then does fundraising open.
	do(t, desk2, chromedp.SendKeys(`form[action$="/publish"] textarea`, "北京大学人民医院 2026 年 11 月出具：预计治疗总费用约 65 万元。"))
	staffAction(t, desk2, `form[action$="/publish"] button`)
	staffAction(t, desk2, `form[action$="/open"] button`)
	if state := get1(t, desk2, chromedp.Text("#state")); !strings.Contains(state, fundraising) {
		t.Errorf("after the certificate was published the request is %q", state)
	}
	browsertest.Screenshot(t, desk2, "review-opened-desktop-zh-CN")

	// The public page, on the phone, signed out of nothing: masked.
	do(t, phone,
		chromedp.Navigate(p.URL+"requests/"+id),
		chromedp.WaitVisible("h1"),
	)
	page := get1(t, phone, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if !strings.Contains(page, "张*明") {
		t.Errorf("the public page does not show the masked name")
	}
	if !strings.Contains(page, "预计治疗总费用约 65 万元") {
		t.Errorf("the public page does not publicize the certificate (R-REQ-4)")
	}
	for _, secret := range []string{"张小明", "110105201001010037", "1101052010"} {
		if strings.Contains(page, secret) {
			t.Errorf("the public page shows %q", secret)
		}
	}
	browsertest.NoHorizontalOverflow(t, phone)
	browsertest.Screenshot(t, phone, "public-request-phone-zh-CN")
}

// submitFiling ticks the declaration and the consent and submits; a
// refusal fails the test with the messages the page shows.
func submitFiling(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx,
		chromedp.Click("#f-truthful", chromedp.NodeVisible),
		chromedp.Click("#f-consent", chromedp.NodeVisible),
		chromedp.Click("#submit", chromedp.NodeVisible),
		chromedp.WaitVisible("#submitted, #form-message"),
	)
	if msgs := get1(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".form-error, .field-error")).map(e => e.textContent)`)); len(msgs) > 0 {
		t.Fatalf("the submission was refused: %q", msgs)
	}
}

// staffAction presses a console button and waits for the page that comes
// back saying it was done.
func staffAction(t *testing.T, ctx context.Context, button string) {
	t.Helper()
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('.notice[role="status"]').forEach(e => e.remove())`),
		chromedp.Click(button, chromedp.NodeVisible),
		chromedp.WaitVisible(`.notice[role="status"]`),
	)
}

// uploadScan uploads the file at path as a document of kind and waits for
// the form to come back saying so.
func uploadScan(t *testing.T, ctx context.Context, kind, path string) {
	t.Helper()
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('.notice[role="status"]').forEach(e => e.remove())`),
		chromedp.SetValue("#f-kind", kind),
		chromedp.SetUploadFiles("#f-file", []string{path}),
		chromedp.Click("#upload", chromedp.NodeVisible),
		chromedp.WaitVisible(`.notice[role="status"]`),
	)
}

// signInAndVerify signs a phone number in and verifies a real name.
func signInAndVerify(t *testing.T, ctx context.Context, base, phone, name, number string) {
	t.Helper()
	signInPhone(t, ctx, base, phone)
	do(t, ctx,
		chromedp.Navigate(base+"account/verify"),
		chromedp.WaitVisible("#name"),
		chromedp.SendKeys("#name", name),
		chromedp.SendKeys("#id_number", number),
		chromedp.Click("#truthful", chromedp.NodeVisible),
		chromedp.Click("#consent", chromedp.NodeVisible),
		chromedp.Click(`form[action="/account/verify"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible("dl.facts .badge"),
	)
}

// staffSignIn signs a staff member in.
func staffSignIn(t *testing.T, ctx context.Context, base, username string, secret []byte) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"staff/signin"),
		chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", username),
		chromedp.SendKeys("#password", password),
		chromedp.SendKeys("#totp", staff.CodeAt(secret, time.Now())),
		chromedp.Click(`form[action="/staff/signin"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(`a[href="/staff/review"]`),
	)
}

// reviewRequest opens request id in the console and claims it.
func reviewRequest(t *testing.T, ctx context.Context, base, id string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"staff/review/"+id),
		chromedp.WaitVisible(`form[action$="/claim"] button`),
		chromedp.Click(`form[action$="/claim"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(`form[action$="/approve"] button`),
	)
}

// pngScan returns a small image standing for a scanned document.
func pngScan(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, 24, color.Black)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

package report

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// history is a small platform's two half-years on a fake clock: in 2025-h2
// requests A and B are published and C rejected, A and B raise money and A
// is paid out; in 2026-h1 D is published, A and D raise more, B's refund
// run refunds, gives to charity and is still refunding, B is terminated,
// and the custody account's interest goes to charity, part of it paid to a
// charitable organisation.
type history struct {
	db    *store.DB
	clock *time.Time
	svc   *Service
}

func beijing(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, Shanghai)
}

func newHistory(t *testing.T, db *store.DB) history {
	ctx := context.Background()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	v := vault.New(keys)
	cs := campaign.Store{Vault: v}
	clock := beijing(2025, time.August, 1, 10)
	db.SetClock(func() time.Time { return clock })
	l := ledger.New(db, ledger.Options{})
	t.Cleanup(l.Close)

	n := 0
	request := func(reject bool) int64 {
		t.Helper()
		n++
		var id int64
		err := db.Write(ctx, func(tx *store.Tx) error {
			publisher, err := campaigntest.User(ctx, tx, v, fmt.Sprintf("1380013%04d", n))
			if err != nil {
				return err
			}
			f := campaigntest.Filing()
			first17 := fmt.Sprintf("11010519800101%03d", n)
			c, err := idcard.CheckChar(first17)
			if err != nil {
				return err
			}
			f.PatientID = first17 + string(c)
			if !reject {
				id, err = campaigntest.Fundraising(ctx, tx, cs, publisher, f, 0)
				return err
			}
			r, err := cs.CreateDraft(ctx, tx, publisher, f)
			if err != nil {
				return err
			}
			if r, err = cs.Submit(ctx, tx, r.ID, publisher, r.Revision, tx.Now); err != nil {
				return err
			}
			for _, ev := range []campaign.Event{campaign.Screen, campaign.ScreenPass, campaign.Reject} {
				if _, err := cs.Apply(ctx, tx, r.ID, ev, "staff:1", "test"); err != nil {
					return err
				}
			}
			id = r.ID
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	entry := 0
	post := func(kind, debit, credit string, amount money.Fen) {
		t.Helper()
		entry++
		if _, err := l.Post(ctx, ledger.Transfer("test:"+strconv.Itoa(entry), kind, debit, credit, amount)); err != nil {
			t.Fatalf("%s %s → %s: %v", kind, debit, credit, err)
		}
	}
	acct := func(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

	// 2025-h2.
	a, b := request(false), request(false)
	request(true)
	post("donation", "psp:sandbox", acct(a), 1000_00)
	post("donation", "psp:sandbox", acct(b), 500_00)
	clock = beijing(2025, time.September, 3, 9)
	post("payout", acct(a), "payable:payout:1", 600_00)
	// The last moment of 2025-h2, Beijing time: still in it.
	clock = beijing(2026, time.January, 1, 0).Add(-time.Microsecond)
	post("donation", "psp:sandbox", acct(a), 1_00)

	// 2026-h1, from its first moment.
	clock = beijing(2026, time.January, 1, 0)
	post("donation", "psp:sandbox", acct(a), 199_00)
	clock = beijing(2026, time.February, 1, 10)
	d := request(false)
	post("donation", "psp:sandbox", acct(d), 300_00)
	var run int64
	err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO refund_runs (request_id, cause, amount_fen, refunds, state, actor, reason,
			idem_key, created_at, ledgered_at) VALUES ($1, 'purpose_ended', 30000, 3, 'ledgered', 'user:1', '', 'run-1', $2, $2)
			RETURNING id`, b, tx.Now.UnixMicro()).Scan(&run)
	})
	if err != nil {
		t.Fatal(err)
	}
	payable := "payable:refund:" + strconv.FormatInt(run, 10)
	post("refund", acct(b), payable, 300_00)
	post("refund_paid", payable, "psp:sandbox", 200_00)
	post("refund_to_charity", payable, "charity:payable", 50_00)
	post("interest", "bank:custody", "charity:payable", 3_00)
	post("charity_transfer", "charity:payable", "bank:custody", 40_00)
	err = db.Write(ctx, func(tx *store.Tx) error {
		for _, ev := range []campaign.Event{campaign.Suspend, campaign.Terminate} {
			if _, err := cs.Apply(ctx, tx, b, ev, "staff:1", "test"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	clock = beijing(2026, time.July, 15, 12)
	return history{db: db, clock: &clock, svc: &Service{DB: db}}
}

// R-DISC-3: the six-monthly report of a past half-year counts the
// requests that reached each stage in it and the money the ledger moved in
// it, Beijing time to the microsecond at its edges; the two half-years'
// money adds up to the ledger's totals; and it balances. (The complaint
// figures: TestComplaintFiguresTieOut.)
func TestHalfYear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHistory(t, db)
		h2, err := h.svc.HalfYear(ctx, HalfYear{2025, 2}, By{})
		if err != nil {
			t.Fatal(err)
		}
		h1, err := h.svc.HalfYear(ctx, HalfYear{2026, 1}, By{})
		if err != nil {
			t.Fatal(err)
		}
		if want := (Requests{Received: 3, Published: 2, Rejected: 1}); h2.Requests != want {
			t.Errorf("2025-h2 requests %+v, want %+v", h2.Requests, want)
		}
		if want := (Requests{Received: 1, Published: 1, Terminated: 1}); h1.Requests != want {
			t.Errorf("2026-h1 requests %+v, want %+v", h1.Requests, want)
		}
		want2 := disclosure.Figures{Raised: 1501_00, PaidOut: 600_00, Held: 901_00}
		if h2.Money.Figures != want2 || h2.Money.Donors != 3 || h2.Money.Interest != 0 {
			t.Errorf("2025-h2 money %+v, want %+v and 3 donations", h2.Money, want2)
		}
		want1 := disclosure.Figures{Raised: 499_00, Refunded: 200_00, ToCharity: 50_00, Refunding: 50_00, Held: 199_00}
		if h1.Money.Figures != want1 || h1.Money.Interest != 3_00 || h1.Money.CharityPaid != 40_00 || h1.Money.Donors != 2 {
			t.Errorf("2026-h1 money %+v, want %+v, interest 3.00, to charities 40.00, 2 donations", h1.Money, want1)
		}
		for _, r := range []Report{h1, h2} {
			if !r.Money.Balanced() {
				t.Errorf("%s does not balance: %+v", r.Name, r.Money.Figures)
			}
		}
		// The half-years together are the ledger: the totals the public
		// figures page reads.
		total, err := (&disclosure.Service{DB: db}).PlatformFigures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sum := h1.Money.Figures
		sum.Raised += h2.Money.Raised
		sum.Fees += h2.Money.Fees
		sum.PaidOut += h2.Money.PaidOut
		sum.Refunded += h2.Money.Refunded
		sum.Refunding += h2.Money.Refunding
		sum.ToCharity += h2.Money.ToCharity
		sum.Held += h2.Money.Held
		sum.Recovered += h2.Money.Recovered
		if sum != total.Figures {
			t.Errorf("the half-years' money adds up to %+v, the ledger's totals are %+v", sum, total.Figures)
		}

		idx, err := h.svc.Index(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(idx); got != "[2026-h1 2025-h2]" {
			t.Errorf("the index lists %s, want [2026-h1 2025-h2]", got)
		}
	})
}

// R-DISC-3: a half-year not yet ended has no report, to the microsecond,
// Beijing time: a clear not-found saying so, never an empty report.
func TestHalfYearNotEnded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHistory(t, db)
		for _, c := range []struct {
			now  time.Time
			half HalfYear
			ok   bool
		}{
			{beijing(2026, time.July, 15, 12), HalfYear{2026, 2}, false},
			{beijing(2026, time.July, 15, 12), HalfYear{2027, 1}, false},
			{beijing(2026, time.July, 1, 0).Add(-time.Microsecond), HalfYear{2026, 1}, false},
			{beijing(2026, time.July, 1, 0), HalfYear{2026, 1}, true},
		} {
			*h.clock = c.now
			r, err := h.svc.HalfYear(ctx, c.half, By{})
			switch {
			case c.ok && err != nil:
				t.Errorf("%s at %s: %v", c.half, c.now, err)
			case !c.ok && (apperr.CodeOf(err) != apperr.NotFound || apperr.As(err).Key != "report.not_ended"):
				t.Errorf("%s at %s: %+v, %v; want not found, not ended", c.half, c.now, r, err)
			}
		}
		*h.clock = beijing(2026, time.July, 15, 12)
		if _, err := h.svc.Annual(ctx, 2026, By{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("the annual report of 2026 in July 2026: %v, want not found", err)
		}
	})
}

// R-DISC-4: the annual report holds the year's money and the platform's
// totals at its end, both tying out to the money trail identity, and the
// totals are the ledger's up to the year's end; generating it is recorded
// (who, when) and the console's due date of 30 June shows late only after
// it and only until it is marked submitted.
func TestAnnual(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHistory(t, db)
		*h.clock = beijing(2026, time.March, 2, 9)
		r, err := h.svc.Annual(ctx, 2025, By{Actor: "staff:7", Source: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		want := disclosure.Figures{Raised: 1501_00, PaidOut: 600_00, Held: 901_00}
		if r.Money.Figures != want || r.Total.Figures != want {
			t.Errorf("2025: year %+v, totals %+v; want both %+v (nothing before 2025)", r.Money.Figures, r.Total.Figures, want)
		}
		if !r.Balanced() {
			t.Errorf("2025 does not tie out: %+v", r)
		}
		// The totals at the year's end equal the ledger read to then.
		to, err := (&disclosure.Service{DB: db}).PlatformFiguresWithin(ctx, time.Time{}, YearEnd(2025))
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != to {
			t.Errorf("totals %+v, the ledger to 2026-01-01 %+v", r.Total, to)
		}

		a, err := h.svc.AnnualStates(ctx, By{Actor: "staff:7"})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Years) != 1 || a.Years[0].Year != 2025 || a.Years[0].GeneratedBy != "staff:7" ||
			!a.Years[0].Generated.Equal(*h.clock) || a.Years[0].Late || !a.Years[0].Due.Equal(beijing(2026, time.July, 1, 0)) {
			t.Errorf("annual states %+v", a)
		}
		// The last moment of 30 June, Beijing time: not late yet; 1 July,
		// not submitted: late.
		*h.clock = beijing(2026, time.July, 1, 0).Add(-time.Microsecond)
		if a, _ = h.svc.AnnualStates(ctx, By{}); a.Years[0].Late {
			t.Errorf("on 30 June: %+v, want not late", a.Years[0])
		}
		*h.clock = beijing(2026, time.July, 1, 0)
		if a, _ = h.svc.AnnualStates(ctx, By{}); !a.Years[0].Late {
			t.Errorf("not submitted on 1 July: %+v, want late", a.Years[0])
		}
		if err := h.svc.MarkSubmitted(ctx, 2025, By{Actor: "staff:8"}); err != nil {
			t.Fatal(err)
		}
		if err := h.svc.MarkSubmitted(ctx, 2025, By{Actor: "staff:8"}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("submitted twice: %v, want conflict", err)
		}
		if err := h.svc.MarkSubmitted(ctx, 2024, By{Actor: "staff:8"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("submitted without generating: %v, want invalid", err)
		}
		if a, _ = h.svc.AnnualStates(ctx, By{}); a.Years[0].Late || a.Years[0].SubmittedBy != "staff:8" {
			t.Errorf("submitted: %+v, want not late, by staff:8", a.Years[0])
		}
	})
}

// R-RPT-1: every export is audited, in the transaction that read it; the
// public's reading is not.
func TestExportAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHistory(t, db)
		if _, err := h.svc.HalfYear(ctx, HalfYear{2026, 1}, By{}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.HalfYear(ctx, HalfYear{2026, 1}, By{Actor: "staff:9", Source: "10.0.0.2"}); err != nil {
			t.Fatal(err)
		}
		// Refused: not audited as an export made.
		if _, err := h.svc.HalfYear(ctx, HalfYear{2026, 2}, By{Actor: "staff:9"}); err == nil {
			t.Fatal("2026-h2 in July 2026 was made")
		}
		var es []audit.Entry
		err := db.Read(ctx, func(tx *store.Tx) (err error) {
			es, err = audit.List(ctx, tx, audit.Filter{Action: "report."})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Actor != "staff:9" || es[0].Object != "report:2026-h1" || es[0].Action != "report.half_year.export" || es[0].Source != "10.0.0.2" {
			t.Errorf("audit records %+v, want the one export by staff:9", es)
		}
	})
}

// R-RPT-1, R-DISC-3: the CSV opens in a spreadsheet (a UTF-8 byte order
// mark, headers in the reader's language) and parses back to the report's
// figures by their keys.
func TestCSVParsesBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHistory(t, db)
		r, err := h.svc.HalfYear(context.Background(), HalfYear{2026, 1}, By{})
		if err != nil {
			t.Fatal(err)
		}
		// The CSV writes whatever complaint figures the report holds.
		r.Complaints = complaint.Stats{Received: 5,
			ByCategory: map[complaint.Category]int{complaint.CategoryFalseInfo: 3, complaint.CategoryPayout: 2},
			ByOutcome:  map[complaint.Outcome]int{complaint.OutcomeUpheld: 1, complaint.OutcomeNotUpheld: 3},
			Open:       1, AckedInTime: 4, HandledInTime: 3, Escalated: 1, MedianHandleHours: 30}
		for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
			b := r.CSV(lang)
			rest, ok := bytes.CutPrefix(b, []byte("\ufeff"))
			if !ok {
				t.Fatalf("%s: no byte order mark", lang)
			}
			rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if rows[0][0] != i18n.T(lang, "report.csv.period") {
				t.Errorf("%s: header %q", lang, rows[0])
			}
			got := map[string]string{}
			for _, row := range rows[1:] {
				got[row[4]] = row[3]
				if row[0] != "2026-h1" {
					t.Errorf("row %q: period %q", row, row[0])
				}
			}
			if len(rows)-1 != len(r.Lines()) {
				t.Errorf("%s: %d rows for %d figures", lang, len(rows)-1, len(r.Lines()))
			}
			for k, v := range map[string]string{"money.raised": "499.00", "money.refunded": "200.00", "money.to_charity": "50.00",
				"money.paid_out": "0.00", "requests.terminated": "1", "complaints.category.false_info": "3",
				"complaints.outcome.not_upheld": "3", "complaints.median_hours": "30"} {
				if got[k] != v {
					t.Errorf("%s: %s = %q, want %q", lang, k, got[k], v)
				}
			}
		}
	})
}

// testFont is the system's CJK font, which CI installs: a test that needs
// it fails under CI=true without it, and skips elsewhere.
func testFont(t *testing.T) *Font {
	t.Helper()
	f, err := FindFont("")
	if errors.Is(err, ErrNoFont) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// R-DISC-4: the annual report's PDF opens (pdftotext reads it) and its
// text holds the figures, in Chinese, and the identity tying them out.
func TestAnnualPDF(t *testing.T) {
	font := testFont(t)
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHistory(t, db)
		r, err := h.svc.Annual(ctx, 2025, By{})
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := r.PDF(i18n.ZH, font)
		if err != nil {
			t.Fatal(err)
		}
		file := t.TempDir() + "/annual.pdf"
		if err := os.WriteFile(file, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, "-layout", file, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v\n%s", err, out)
		}
		text := string(out)
		for _, want := range []string{"2025 年度工作报告和财务报告", "筹得善款", "¥1,501.00", "已拨付", "¥600.00", "托管中（增减）", "¥901.00",
			"收到求助", "驳回求助", "投诉类别：信息不实", "账目平衡：筹得 ¥1,501.00 + 追回 ¥0.00 = 手续费 ¥0.00 + 已拨付 ¥600.00"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF's text lacks %q:\n%s", want, text)
			}
		}
	})
}

// R-DISC-4: without a glyph for a character of the report the PDF is
// refused, naming the text; without any CJK font the message says how to
// get one.
func TestPDFRefusesMissingGlyphs(t *testing.T) {
	font := testFont(t)
	holed := &Font{Path: "holed", TTF: font.TTF, cmap: map[rune]bool{}}
	for r := range font.cmap {
		if r != '筹' {
			holed.cmap[r] = true
		}
	}
	r := Report{Name: "2025", From: YearStart(2025), To: YearEnd(2025)}
	if _, err := r.PDF(i18n.ZH, holed); err == nil || !strings.Contains(err.Error(), "筹") {
		t.Errorf("a font without 筹: %v, want a refusal naming it", err)
	}
	if _, err := r.PDF(i18n.ZH, font); err != nil {
		t.Errorf("the full font: %v", err)
	}
	if !strings.Contains(ErrNoFont.Error(), "fonts-wqy-zenhei") || !strings.Contains(ErrNoFont.Error(), "--report-font") {
		t.Errorf("the message without a font does not say how to get one: %v", ErrNoFont)
	}
	if _, err := FindFont(t.TempDir() + "/none.ttf"); err == nil {
		t.Error("a missing --report-font was accepted")
	}
	if _, err := ParseFont([]byte("not a font at all")); err == nil {
		t.Error("a text file parsed as a font")
	}
}

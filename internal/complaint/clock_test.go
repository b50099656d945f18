package complaint

import (
	"github.com/carefund/carefund/internal/apperr"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/staff"
)

func sh(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, Shanghai)
}

// endOf is 24:00 of the day in Shanghai.
func endOf(y int, m time.Month, d int) time.Time { return sh(y, m, d, 24, 0).UTC() }

// TestDue: the clocks count working days in Shanghai, skipping weekends
// and holidays and counting make-up working days (R-COMP-2).
func TestDue(t *testing.T) {
	cal := Calendar{Overrides: map[string]bool{
		"2026-10-01": false, "2026-10-02": false, "2026-10-05": false, "2026-10-06": false, "2026-10-07": false,
		"2026-10-10": true, // a Saturday worked
	}}
	cases := []struct {
		name     string
		received time.Time
		n        int
		want     time.Time
	}{
		{"TuesdayAck", sh(2026, 12, 8, 10, 0), 1, endOf(2026, 12, 9)},
		{"TuesdayHandle", sh(2026, 12, 8, 10, 0), 7, endOf(2026, 12, 17)},
		{"FridayEveningAckMonday", sh(2026, 12, 11, 23, 30), 1, endOf(2026, 12, 14)},
		{"SaturdayAckMonday", sh(2026, 12, 12, 9, 0), 1, endOf(2026, 12, 14)},
		{"SundayHandle", sh(2026, 12, 13, 9, 0), 7, endOf(2026, 12, 22)},
		// 16:30 UTC on Friday is already Saturday in Shanghai.
		{"UTCFridayIsShanghaiSaturday", time.Date(2026, 12, 11, 16, 30, 0, 0, time.UTC), 1, endOf(2026, 12, 14)},
		// Received the day before National Day: the holiday week is skipped
		// and the make-up Saturday counts.
		{"BeforeHolidayAck", sh(2026, 9, 30, 15, 0), 1, endOf(2026, 10, 8)},
		{"BeforeHolidayHandle", sh(2026, 9, 30, 15, 0), 7, endOf(2026, 10, 15)}, // 8, 9, 10 (Sat, worked), 12…15
		{"HolidaySaturdayWorked", sh(2026, 10, 9, 15, 0), 1, endOf(2026, 10, 10)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// R-COMP-2
			if got := cal.Due(c.received, c.n); !got.Equal(c.want) {
				t.Errorf("Due(%v, %d) = %v, want %v", c.received, c.n, got.In(Shanghai), c.want.In(Shanghai))
			}
		})
	}
	// A calendar with no working day at all still ends.
	all := Calendar{Overrides: map[string]bool{}}
	for d := sh(2026, 1, 1, 0, 0); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		all.Overrides[d.Format(DayLayout)] = false
	}
	if got := all.Due(sh(2026, 1, 1, 0, 0), 1); got.IsZero() {
		t.Error("Due on a calendar without working days returned zero")
	}
}

// TestRunOut: each clock runs out once, only while its step is not done
// (R-COMP-2).
func TestRunOut(t *testing.T) {
	cl := Clocks{AckDue: endOf(2026, 12, 9), HandleDue: endOf(2026, 12, 17)}
	before, afterAck, afterHandle := endOf(2026, 12, 9).Add(-time.Second), endOf(2026, 12, 9), endOf(2026, 12, 17)
	cases := []struct {
		name                          string
		now                           time.Time
		acked, closed, ackEsc, hanEsc bool
		want                          []Clock
	}{
		{"InTime", before, false, false, false, false, nil},
		{"AckRunOut", afterAck, false, false, false, false, []Clock{ClockAck}},
		{"AckedInTime", afterAck, true, false, false, false, nil},
		{"AckEscalatedOnce", afterAck, false, false, true, false, nil},
		{"BothRunOut", afterHandle, false, false, false, false, []Clock{ClockAck, ClockHandle}},
		{"HandleRunOut", afterHandle, true, false, true, false, []Clock{ClockHandle}},
		{"HandleEscalatedOnce", afterHandle, true, false, true, true, nil},
		{"Closed", afterHandle, true, true, false, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := RunOut(c.now, cl, c.acked, c.closed, c.ackEsc, c.hanEsc)
			if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) || (len(got) > 1 && got[1] != c.want[1]) {
				t.Errorf("RunOut = %v, want %v", got, c.want)
			}
		})
	}
}

// TestNextHandler: an escalation goes to another complaints handler, then
// to an admin, never to the staff member complained about (R-COMP-1).
func TestNextHandler(t *testing.T) {
	h := func(id int64, r staff.Role) staff.Staff { return staff.Staff{ID: id, Role: r} }
	all := []staff.Staff{h(1, staff.Reviewer), h(2, staff.Complaints), h(3, staff.Complaints), h(4, staff.Admin), h(5, staff.Admin), h(6, staff.Auditor)}
	disabled := staff.Staff{ID: 7, Role: staff.Complaints, Disabled: true}
	cases := []struct {
		name             string
		all              []staff.Staff
		subject, current int64
		level            int
		want             int64
		ok               bool
	}{
		{"AckToFirstHandler", all, 0, 0, 1, 2, true},
		{"AckToAnotherHandler", all, 0, 2, 1, 3, true},
		{"AckSkipsSubject", all, 2, 3, 1, 4, true},
		{"HandleToAdmin", all, 0, 3, 2, 4, true},
		{"HandleSkipsSubjectAdmin", all, 4, 3, 2, 5, true},
		{"NoAdminFallsBackToHandler", []staff.Staff{h(2, staff.Complaints), h(3, staff.Complaints)}, 0, 3, 2, 2, true},
		{"OnlySubjectLeft", []staff.Staff{h(2, staff.Complaints)}, 2, 0, 1, 0, false},
		{"DisabledNeverPicked", []staff.Staff{disabled, h(4, staff.Admin)}, 0, 0, 1, 4, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// R-COMP-1, R-COMP-2
			got, ok := NextHandler(c.all, c.subject, c.current, c.level)
			if got != c.want || ok != c.ok {
				t.Errorf("NextHandler = %d, %v; want %d, %v", got, ok, c.want, c.ok)
			}
			if ok && got == c.subject {
				t.Errorf("escalated to the subject %d", c.subject)
			}
		})
	}
}

// TestMayHandle: the subject of a complaint neither handles nor sees it,
// whatever their role (R-COMP-1).
func TestMayHandle(t *testing.T) {
	for _, r := range staff.Roles {
		s := staff.Staff{ID: 9, Role: r}
		if MayHandle(s, 9) || MaySee(s, 9) {
			t.Errorf("%s: the subject may handle or see the complaint about them", r)
		}
		wantHandle := r == staff.Complaints || r == staff.Admin
		if MayHandle(s, 0) != wantHandle || MayHandle(s, 3) != wantHandle {
			t.Errorf("%s: MayHandle = %v, want %v", r, MayHandle(s, 0), wantHandle)
		}
		if MaySee(s, 0) != (wantHandle || r == staff.Auditor) {
			t.Errorf("%s: MaySee = %v", r, MaySee(s, 0))
		}
	}
}

func TestStatsCompute(t *testing.T) {
	to := endOf(2026, 12, 31)
	d := func(day, h int) time.Time { return sh(2026, 12, day, h, 0).UTC() }
	rows := []statRow{
		// acked and closed in time, upheld: 48 hours
		{category: CategoryMisuse, outcome: OutcomeUpheld, received: d(1, 10), acked: d(1, 12), closed: d(3, 10), ackDue: endOf(2026, 12, 2), handleDue: endOf(2026, 12, 10)},
		// acked late, closed late, escalated: 240 hours
		{category: CategoryMisuse, outcome: OutcomeNotUpheld, received: d(1, 10), acked: d(4, 10), closed: d(11, 10), ackDue: endOf(2026, 12, 2), handleDue: endOf(2026, 12, 10), escalated: d(3, 0)},
		// open at the end of the period: closed after it
		{category: CategoryPrivacy, outcome: OutcomeDismissed, received: d(30, 10), acked: d(30, 11), closed: to.Add(time.Hour), ackDue: endOf(2026, 12, 31), handleDue: to.Add(200 * time.Hour)},
		// still open
		{category: CategoryOther, received: d(31, 10), ackDue: to.Add(24 * time.Hour), handleDue: to.Add(200 * time.Hour)},
	}
	s := computeStats(rows, to)
	if s.Received != 4 || s.ByCategory[CategoryMisuse] != 2 || s.ByCategory[CategoryPrivacy] != 1 || s.ByCategory[CategoryOther] != 1 {
		t.Errorf("received %d by category %v", s.Received, s.ByCategory)
	}
	if s.ByOutcome[OutcomeUpheld] != 1 || s.ByOutcome[OutcomeNotUpheld] != 1 || s.ByOutcome[OutcomeDismissed] != 0 {
		t.Errorf("by outcome %v", s.ByOutcome)
	}
	if s.Open != 2 || s.AckedInTime != 2 || s.HandledInTime != 1 || s.Escalated != 1 || s.MedianHandleHours != (48+240)/2 {
		t.Errorf("stats = %+v", s)
	}
}

func TestValidate(t *testing.T) {
	in, err := Validate(Input{Category: CategoryOther, Text: " x ", ContactPhone: "+86 138-1234-5678", ContactEmail: ""})
	if err != nil || in.ContactPhone != "13812345678" || in.Text != "x" {
		t.Errorf("Validate = %+v, %v", in, err)
	}
	// Signed in: no contact needed.
	if _, err := Validate(Input{Category: CategoryStaff, Text: "态度差", AccountID: 5}); err != nil {
		t.Errorf("signed in without contact: %v", err)
	}
	if _, err := Validate(Input{Category: "nonsense", Text: "x", AccountID: 5}); !hasField(err, FieldCategory, KeyCategory) {
		t.Errorf("unknown category: %v", err)
	}
	if _, err := Validate(Input{Category: CategoryOther, Text: "a\x00b", AccountID: 5}); !hasField(err, FieldText, KeyChars) {
		t.Errorf("control character: %v", err)
	}
	if got := (Contact{Name: "李小四", Phone: "13812345678", Email: "lisi@example.com"}).Masked(); got != "李*四 · 138****5678 · l***@example.com" {
		t.Errorf("Masked = %q", got)
	}
}

func TestCheckResponse(t *testing.T) {
	if _, err := CheckResponse("经核查，情况属实，已暂停筹款。"); err != nil {
		t.Errorf("plain response: %v", err)
	}
	for text, key := range map[string]string{
		"":                      KeyResponseEmpty,
		string(make([]rune, 1)): KeyChars,
	} {
		if _, err := CheckResponse(text); !hasField(err, FieldResponse, key) {
			t.Errorf("CheckResponse(%q) = %v, want %s", text, err, key)
		}
	}
}

func TestParseNumber(t *testing.T) {
	n := NewNumber(sh(2026, 12, 8, 10, 0))
	if !regexpNumber(n) {
		t.Fatalf("NewNumber = %q", n)
	}
	for _, s := range []string{n, " " + n + " ", lower(n)} {
		if got, err := ParseNumber(s); err != nil || got != n {
			t.Errorf("ParseNumber(%q) = %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "TS20261208-", "TS20261308-ABCDE", "TS20261208-ABCD0", "XX20261208-ABCDE", n + "2"} {
		if _, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) accepted", s)
		}
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func regexpNumber(s string) bool {
	_, err := ParseNumber(s)
	return err == nil && len(s) == numberLen && s[:10] == "TS20261208"
}

// FuzzParseNumber: whatever is typed, ParseNumber never panics, and what
// it accepts is a number of the issued shape that parses to itself.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"TS20261208-7K3Q9", " ts20261208-7k3q9 ", "TS20261308-ABCDE", "", "TS\x0020261208-ABCDE", "TS2026120８-ABCDE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			return
		}
		if len(n) != numberLen {
			t.Fatalf("ParseNumber(%q) = %q: wrong length", s, n)
		}
		if again, err := ParseNumber(n); err != nil || again != n {
			t.Fatalf("ParseNumber(%q) = %q, %v; not stable", n, again, err)
		}
		if _, err := ParseSecret(s); err == nil && len(s) == numberLen {
			t.Fatalf("%q is both a number and a secret", s)
		}
	})
}

// FuzzValidate: whatever the form sends, Validate never panics, what it
// accepts validates again to itself, and an accepted complaint can always
// be reached (R-COMP-1).
func FuzzValidate(f *testing.F) {
	f.Add("false_info", int64(1), "", "信息不实", "李四", "+86 138-1234-5678", "", int64(0))
	f.Add("other", int64(0), "handler1", "<script>alert(1)</script>", "", "", "a@b.cn", int64(0))
	f.Add("staff", int64(0), "#3", "\x00", "", "", "", int64(5))
	f.Fuzz(func(t *testing.T, cat string, req int64, staffRef, text, name, phone, email string, account int64) {
		in := Input{Category: Category(cat), RequestID: req, StaffRef: staffRef, Text: text, ContactName: name,
			ContactPhone: phone, ContactEmail: email, AccountID: account}
		out, err := Validate(in)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("Validate: %v, want an Invalid refusal", err)
			}
			return
		}
		again, err := Validate(out)
		if err != nil || again.ContactPhone != out.ContactPhone || again.Text != out.Text {
			t.Fatalf("Validate is not stable: %+v → %+v, %v", out, again, err)
		}
		if out.ContactPhone == "" && out.ContactEmail == "" && out.AccountID == 0 {
			t.Fatalf("accepted a complaint nobody can reach: %+v", out)
		}
		if out.Category.NeedsRequest() && out.RequestID <= 0 {
			t.Fatalf("accepted %s without a request", out.Category)
		}
	})
}

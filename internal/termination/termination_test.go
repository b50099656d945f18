package termination

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
)

// R-REV-4: only a published request can be suspended; drafts, requests in
// review, rejected, suspended or terminated ones cannot.
func TestSuspendable(t *testing.T) {
	for _, st := range campaign.States {
		want := slices.Contains([]campaign.State{campaign.Approved, campaign.Fundraising, campaign.Closed,
			campaign.Settling, campaign.Completed}, st)
		if got := Suspendable(st); got != want {
			t.Errorf("Suspendable(%s) = %v, want %v", st, got, want)
		}
	}
}

// R-REF-2: a termination names what was found, at least one known finding,
// each once, in a fixed order; the reasons are required and bounded.
func TestCheckProposal(t *testing.T) {
	ok := Proposal{RequestID: 1, Reason: " r ", PublicReason: "p", Findings: []Finding{Misappropriation, Fabrication, Fabrication}}
	got, err := CheckProposal(ok)
	if err != nil || got.Reason != "r" || !slices.Equal(got.Findings, []Finding{Fabrication, Misappropriation}) {
		t.Errorf("CheckProposal(ok) = %+v, %v", got, err)
	}
	for name, c := range map[string]struct {
		p    Proposal
		want string
	}{
		"no findings":     {Proposal{Reason: "r", PublicReason: "p"}, "invalid " + KeyInvalid + " findings:" + KeyFinding},
		"unknown":         {Proposal{Reason: "r", PublicReason: "p", Findings: []Finding{"rumour"}}, "invalid " + KeyInvalid + " findings:" + KeyFinding},
		"no reasons":      {Proposal{Findings: []Finding{Other}}, "invalid " + KeyInvalid + " reason:" + KeyText + " public_reason:" + KeyText},
		"public too long": {Proposal{Reason: "r", PublicReason: strings.Repeat("长", MaxNotice+1), Findings: []Finding{Other}}, "invalid " + KeyInvalid + " public_reason:" + KeyText},
		"nul":             {Proposal{Reason: "a\x00b", PublicReason: "p", Findings: []Finding{Other}}, "invalid " + KeyInvalid + " reason:" + KeyText},
	} {
		_, err := CheckProposal(c.p)
		if got := describe(err); got != c.want {
			t.Errorf("%s: got %q, want %q", name, got, c.want)
		}
	}
}

// R-REF-2: a referral has a station, a case number, an officer and a
// date that is a real date no later than today in China.
func TestCheckReferral(t *testing.T) {
	// 00:30 on 7 March in China is still 6 March in UTC: today is the 7th.
	today := time.Date(2026, 3, 7, 0, 30, 0, 0, campaignZone)
	in := ReferralInput{Station: "朝阳分局", CaseNumber: "123", Officer: "李警官 13900139000", ReferredOn: "2026-03-07"}
	if _, err := CheckReferral(in, today); err != nil {
		t.Errorf("today: %s", describe(err))
	}
	for _, d := range []string{"2026-03-08", "2026-02-30", "07/03/2026", ""} {
		in.ReferredOn = d
		if got := describe(func() error { _, err := CheckReferral(in, today); return err }()); got != "invalid "+KeyInvalid+" referred_on:"+KeyDate {
			t.Errorf("date %q: %q", d, got)
		}
	}
}

// R-PII-1: an officer's contact is masked in lists, never shown whole.
func TestMaskOfficer(t *testing.T) {
	for in, want := range map[string]string{
		"李警官 13900139000": "李**********9000",
		"张三":              "**",
		"":                "*",
	} {
		if got := MaskOfficer(in); got != want {
			t.Errorf("MaskOfficer(%q) = %q, want %q", in, got, want)
		}
	}
}

// R-REF-2: the receivable is what was paid out, less what came back.
func TestRecoveryOf(t *testing.T) {
	if got := RecoveryOf(3_000_00, 2_000_00); got != (Recovery{Receivable: 3_000_00, Outstanding: 2_000_00, Recovered: 1_000_00}) {
		t.Errorf("RecoveryOf = %+v", got)
	}
	if ReceivableKey(7) != "termination:7:receivable" || RefundKey(7) != "termination:7" || ReceivableAccount(3) != "receivable:recovery:3" {
		t.Error("keys and accounts differ from the design's table")
	}
}

func TestFindingsRoundTrip(t *testing.T) {
	fs := []Finding{Fabrication, Concealment}
	if got := splitFindings(joinFindings(fs)); !slices.Equal(got, fs) {
		t.Errorf("round trip = %v", got)
	}
}

// FuzzCheckReferral: whatever staff type, a referral is either refused or
// holds trimmed, bounded texts and a real date no later than today.
func FuzzCheckReferral(f *testing.F) {
	for _, s := range []string{"2026-03-07", "2026-02-30", " 2026-03-01 ", "", "9999-12-31", "2026-3-7"} {
		f.Add("朝阳分局", s, "京公立字123号", "李警官 13900139000")
	}
	today := time.Date(2026, 3, 7, 12, 0, 0, 0, campaignZone)
	f.Fuzz(func(t *testing.T, station, date, number, officer string) {
		got, err := CheckReferral(ReferralInput{Station: station, ReferredOn: date, CaseNumber: number, Officer: officer}, today)
		if err != nil {
			return
		}
		d, perr := time.Parse(time.DateOnly, got.ReferredOn)
		if perr != nil || d.After(time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("accepted date %q", got.ReferredOn)
		}
		for _, s := range []string{got.Station, got.CaseNumber, got.Officer} {
			if s == "" || s != strings.TrimSpace(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("accepted text %q", s)
			}
		}
		if m := MaskOfficer(got.Officer); strings.Contains(m, got.Officer) && len([]rune(got.Officer)) > 5 {
			t.Fatalf("mask %q shows %q", m, got.Officer)
		}
	})
}

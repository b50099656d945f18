package console

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
)

// The review console's pages are tested through the whole server, with its
// permission check and audit log (package server's reviewpages_test.go);
// these are the console's own small helpers.

func TestWaitingFor(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		ago  time.Duration
		want string
	}{
		{-time.Minute, "0 min"}, // a clock a little ahead is no time at all
		{59 * time.Minute, "59 min"},
		{time.Hour, "1 h"},
		{47 * time.Hour, "47 h"},
		{48 * time.Hour, "2 days"},
		{10 * 24 * time.Hour, "10 days"},
	} {
		if got := waitingFor(i18n.EN, now, now.Add(-tc.ago)); got != tc.want {
			t.Errorf("waitingFor(%v ago) = %q, want %q", tc.ago, got, tc.want)
		}
	}
}

func TestDoneNotice(t *testing.T) {
	for _, tc := range []struct {
		target string
		want   string
	}{
		{"/staff/review/1?done=claimed", "Taken: you can review it now."},
		{"/staff/patrol?done=taken_down", "Taken down; the reason is shown in public."},
		{"/staff/review/1", ""},
		{"/staff/review/1?done=", ""},
		{"/staff/review/1?done=whatever", ""}, // only known names have a message
		{"/staff/review/1?done=%zz", ""},
	} {
		r := httptest.NewRequest("GET", tc.target, nil)
		if got := doneNotice(i18n.EN, r); got != tc.want {
			t.Errorf("doneNotice(%s) = %q, want %q", tc.target, got, tc.want)
		}
	}
}

func TestRefusalText(t *testing.T) {
	if got := refusalText(i18n.EN, nil); got != "" {
		t.Errorf("no refusal reads %q, want nothing", got)
	}
	err := apperr.New(apperr.Conflict, "reviewpages.done.claimed")
	if got, want := refusalText(i18n.EN, err), i18n.T(i18n.EN, "reviewpages.done.claimed"); got != want {
		t.Errorf("a refusal reads %q, want %q", got, want)
	}
}

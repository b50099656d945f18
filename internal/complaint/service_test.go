package complaint

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/upload"
)

func hasField(err error, field, key string) bool {
	e := apperr.As(err)
	if e == nil {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field && f.Key == key {
			return true
		}
	}
	return false
}

// TestSubmitBadInput: each bad input of the issue gets a clear answer and
// stores nothing (R-COMP-1).
func TestSubmitBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		cases := []struct {
			name       string
			in         Input
			code       apperr.Code
			field, key string
		}{
			{"NoContactNoRequest", Input{Category: CategoryOther, Text: "有人冒用我的照片"}, apperr.Invalid, FieldPhone, KeyNoContact},
			{"CategoryNeedsRequest", Input{Category: CategoryMisuse, Text: "钱被挪用", ContactPhone: "13812345678"}, apperr.Invalid, FieldRequest, KeyNeedsRequest},
			{"NoSuchRequest", Input{Category: CategoryMisuse, RequestID: 999999, Text: "钱被挪用", ContactPhone: "13812345678"}, apperr.Invalid, FieldRequest, KeyNoRequest},
			{"EmptyText", Input{Category: CategoryOther, Text: "  ", ContactPhone: "13812345678"}, apperr.Invalid, FieldText, KeyTextEmpty},
			{"LongText", Input{Category: CategoryOther, Text: strings.Repeat("长", MaxText+1), ContactPhone: "13812345678"}, apperr.Invalid, FieldText, KeyTextLong},
			{"BadPhone", Input{Category: CategoryOther, Text: "x", ContactPhone: "12"}, apperr.Invalid, FieldPhone, KeyPhone},
			{"BadEmail", Input{Category: CategoryOther, Text: "x", ContactEmail: "a@b"}, apperr.Invalid, FieldEmail, KeyEmail},
			{"BigFile", Input{Category: CategoryOther, Text: "x", ContactPhone: "13812345678",
				Evidence: []Evidence{{Name: "big.pdf", Data: bytes.Repeat([]byte("%PDF-1.4 "), 50<<20/9)}}}, apperr.TooLarge, FieldEvidence, "upload.too_large"},
			{"ScriptFile", Input{Category: CategoryOther, Text: "x", ContactPhone: "13812345678",
				Evidence: []Evidence{{Name: "photo.jpg", Data: []byte("<script>alert(1)</script>")}}}, apperr.Invalid, FieldEvidence, "upload.type"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.Submit(ctx, c.in, SubmitMeta{ClientKey: "c-" + c.name})
				if got := apperr.CodeOf(err); got != c.code {
					t.Fatalf("code = %q (%v), want %q", got, err, c.code)
				}
				if !hasField(err, c.field, c.key) {
					t.Errorf("err = %v, want %s on %s", err, c.key, c.field)
				}
			})
		}
		if n := f.count("complaints"); n != 0 {
			t.Errorf("%d complaints stored after refusals, want 0", n)
		}
		if n := f.count("complaint_evidence"); n != 0 {
			t.Errorf("%d files stored after refusals, want 0", n)
		}
	})
}

// TestSubmitScriptIsText: a script in the text is kept as typed; the
// pages escape it (R-COMP-1).
func TestSubmitScriptIsText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		text := `<script>alert("x")</script> 信息不实`
		r := f.submit(f.input(text), "c1")
		d, err := f.s.Get(context.Background(), rec(f.h1, "complaint.view"), f.id(r.Number), f.h1)
		if err != nil {
			t.Fatal(err)
		}
		if d.Text != text {
			t.Errorf("text = %q, want %q as typed", d.Text, text)
		}
		if strings.Contains(d.ContactMasked, "13812345678") || !strings.Contains(d.ContactMasked, "138****5678") {
			t.Errorf("contact shown as %q, want masked", d.ContactMasked)
		}
	})
}

// TestSubmitRepeats: the same complaint sent 100 times from one address is
// one complaint; different ones from one address stop at the hourly limit,
// and the refused ones store nothing (R-COMP-1).
func TestSubmitRepeats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		first := f.submit(f.input("同一条投诉"), "same-client")
		for i := range 99 {
			r, err := f.s.Submit(ctx, f.input("同一条投诉"), SubmitMeta{ClientKey: "same-client"})
			if err != nil {
				t.Fatalf("repeat %d: %v", i, err)
			}
			if r != first {
				t.Fatalf("repeat %d: receipt %v, want the first %v", i, r, first)
			}
		}
		if n := f.count("complaints"); n != 1 {
			t.Fatalf("%d complaints after 100 identical submits, want 1", n)
		}
		// Idempotency key: a double submit of the form returns the first.
		in := f.input("表单重复提交")
		a, err := f.s.Submit(ctx, in, SubmitMeta{ClientKey: "form", IdempotencyKey: "tok-1"})
		if err != nil {
			t.Fatal(err)
		}
		in.Text = "表单重复提交（改了字）"
		b, err := f.s.Submit(ctx, in, SubmitMeta{ClientKey: "form", IdempotencyKey: "tok-1"})
		if err != nil || b != a {
			t.Fatalf("second submit with the same key = %v, %v; want %v", b, err, a)
		}
		// Different texts: MaxPerHour, then rate-limited.
		limited := 0
		for i := range 100 {
			_, err := f.s.Submit(ctx, f.input(fmt.Sprintf("投诉 %d", i)), SubmitMeta{ClientKey: "flood"})
			switch apperr.CodeOf(err) {
			case "":
			case apperr.RateLimited:
				limited++
			default:
				t.Fatalf("submit %d: %v", i, err)
			}
		}
		if limited != 100-MaxPerHour {
			t.Errorf("%d refused, want %d", limited, 100-MaxPerHour)
		}
		if n := f.count("complaints"); n != 2+MaxPerHour {
			t.Errorf("%d complaints, want %d", n, 2+MaxPerHour)
		}
		// An hour later the client may complain again.
		f.now = f.now.Add(time.Hour)
		if _, err := f.s.Submit(ctx, f.input("一小时后"), SubmitMeta{ClientKey: "flood"}); err != nil {
			t.Errorf("an hour later: %v", err)
		}
	})
}

// TestSubmitEvidence: a checked file is stored sealed, stripped, and read
// back by a handler.
func TestSubmitEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := f.input("附件")
		png := tinyPNG(t)
		in.Evidence = []Evidence{{Name: "shot.png", Data: png}, {Name: "shot2.png", Data: png}}
		r := f.submit(in, "c")
		id := f.id(r.Number)
		d, err := f.s.Get(context.Background(), rec(f.h1, "complaint.view"), id, f.h1)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Evidence) != 2 || d.Evidence[1].Kind != string(upload.PNG) {
			t.Fatalf("evidence = %+v", d.Evidence)
		}
		info, data, err := f.s.EvidenceFile(context.Background(), rec(f.h1, "pii.view.complaint_evidence"), id, d.Evidence[1].ID, f.h1)
		if err != nil || info.Name != "shot2.png" || len(data) == 0 {
			t.Fatalf("EvidenceFile = %+v, %d bytes, %v", info, len(data), err)
		}
		if _, _, err := upload.Check(bytes.NewReader(data), "f"); err != nil {
			t.Errorf("stored file does not check: %v", err)
		}
	})
}

// TestTrack: the number and the secret open the status page; a wrong
// secret, a wrong number and another account find nothing; the account
// that filed it needs no secret (R-COMP-2).
func TestTrack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		in := f.input("查进度")
		in.AccountID = f.user
		r := f.submit(in, "c")
		p, err := f.s.Track(ctx, strings.ToLower(" "+r.Number+" "), r.Secret, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.Number != r.Number || p.Status != StatusReceived || !p.AckDue.Equal(time.Date(2026, 12, 9, 24, 0, 0, 0, Shanghai)) {
			t.Errorf("Track = %+v", p)
		}
		if !slices.Equal(p.Disputes, DisputeRoutes) {
			t.Errorf("disputes = %v, want %v (R-DISP-1)", p.Disputes, DisputeRoutes)
		}
		for name, c := range map[string]struct {
			number, secret string
			account        int64
		}{
			"WrongSecret":  {r.Number, "2222222222", 0},
			"EmptySecret":  {r.Number, "", 0},
			"OtherAccount": {r.Number, "", f.user + 1},
			"WrongNumber":  {"TS20261208-22222", r.Secret, 0},
			"Garbage":      {"' OR 1=1 --", r.Secret, 0},
		} {
			if _, err := f.s.Track(ctx, c.number, c.secret, c.account); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s: err = %v, want not found", name, err)
			}
		}
		if _, err := f.s.Track(ctx, r.Number, "", f.user); err != nil {
			t.Errorf("the filing account: %v", err)
		}
	})
}

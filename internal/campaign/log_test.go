package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/translog"
)

// R-PII-1, R-REQ-6 (issue 17): each published version of a request is in
// the transparency log once, in the transaction that publishes it, as the
// digest of its public text and nothing else. Canary personal data planted
// in the filing and the publisher's account (name, ID number, phone) and
// the public text itself (masked name, diagnosis, story) appear in no log
// entry; publishing an unchanged text logs nothing; a version cannot be
// logged twice.
func TestPublishedVersionsLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		phone := "13987654321"
		publisher := f.user(phone)
		fl := valid()
		fl.PatientName, fl.PatientID = "甄英莲", idcard.Demo(7)
		fl.Diagnosis = "甄氏罕见综合征"
		fl.Story = "甄家女儿元宵节走失后染病，" + fl.Story
		r := f.approved(publisher, fl)
		publish := func() int {
			t.Helper()
			var n int
			f.write(func(ctx context.Context, tx *store.Tx) (err error) {
				n, _, err = f.s.Publish(ctx, tx, r.ID, "staff:7")
				return err
			})
			return n
		}
		publish()
		publish() // unchanged: no version, nothing logged
		edit := fl
		edit.Story += "最新进展：手术顺利。"
		rev := f.get(r.ID).Revision
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Amend(ctx, tx, r.ID, rev, edit, today)
			return err
		})
		if n := publish(); n != 2 {
			t.Fatalf("second version %d", n)
		}

		var recs []translog.LoggedRecord
		var vs []Version
		var raw []string
		f.write(func(ctx context.Context, tx *store.Tx) (err error) {
			if recs, err = translog.Records(ctx, tx, translog.TypeRequestVersion); err != nil {
				return err
			}
			if vs, err = f.s.Versions(ctx, tx, r.ID); err != nil {
				return err
			}
			raw = raw[:0]
			return store.Each(ctx, tx, func(rows *sql.Rows) error {
				var b []byte
				err := rows.Scan(&b)
				raw = append(raw, string(b))
				return err
			}, "SELECT data FROM translog_pending UNION ALL SELECT data FROM translog_entries")
		})
		if len(recs) != 2 || len(vs) != 2 {
			t.Fatalf("%d records for %d versions, want 2 and 2: %+v", len(recs), len(vs), recs)
		}
		for i, rec := range recs {
			want := translog.Request{ID: r.ID, Version: i + 1, SHA256: PublicDigest(vs[i].Published)}
			if *rec.Request != want || rec.Source != translog.RequestSource(r.ID, i+1) {
				t.Errorf("record %d = %+v %+v, want %+v", i, rec.Record, rec.Request, want)
			}
		}
		if recs[0].Request.SHA256 == recs[1].Request.SHA256 {
			t.Error("two different texts logged with one digest")
		}
		canaries := []string{phone, fl.PatientName, fl.PatientID, fl.PatientID[len(fl.PatientID)-4:], "甄*莲", fl.Diagnosis, "元宵节"}
		for _, data := range raw {
			for _, c := range canaries {
				if strings.Contains(data, c) {
					t.Errorf("log entry %s holds %q", data, c)
				}
			}
		}

		err := f.try(func(ctx context.Context, tx *store.Tx) error {
			return logVersion(ctx, tx, r.ID, 2, vs[1].Published)
		})
		if err == nil {
			t.Error("version 2 was logged a second time")
		}
	})
}

// PublicText is the canonical form the log's digest covers: fixed field
// order, amounts in fen, disclosures by topic, no HTML escaping, and the
// masked name only.
func TestPublicText(t *testing.T) {
	p := valid().Public()
	p.Story = "<b>A&B</b>"
	text := PublicText(p)
	if strings.Contains(string(text), ExamplePatientID) || strings.Contains(string(text), "张小明") ||
		!strings.Contains(string(text), `"patient":"张*明"`) || !strings.Contains(string(text), `"story":"<b>A&B</b>"`) {
		t.Errorf("PublicText = %s", text)
	}
	if !strings.HasPrefix(string(text), `{"title":`) || strings.Contains(string(text), "\n") {
		t.Errorf("PublicText is not one line starting with the title: %s", text)
	}
	var back publicText
	if err := json.Unmarshal(text, &back); err != nil || back.Target != int64(p.Target) || len(back.Use) != len(p.Use) || len(back.Disclosures) != len(p.Disclosures) {
		t.Errorf("PublicText reads back as %+v, %v", back, err)
	}
	for i := 1; i < len(back.Disclosures); i++ {
		if back.Disclosures[i-1].Topic >= back.Disclosures[i].Topic {
			t.Errorf("disclosures out of order: %+v", back.Disclosures)
		}
	}
	for range 20 { // map order must not leak into the text
		if string(PublicText(p)) != string(text) {
			t.Fatal("PublicText is not deterministic")
		}
	}
	q := p
	q.Target++
	if PublicDigest(q) == PublicDigest(p) {
		t.Error("the digest misses the target")
	}
}

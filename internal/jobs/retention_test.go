package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/retention"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/upload/uploadtest"
	"github.com/carefund/carefund/internal/vault"
)

// retained is a completed request of the retention test and the personal
// data it holds, in clear.
type retained struct {
	id, publisher int64
	secrets       []string
}

// completedRequest files a request for patient (name, ID number) by a
// publisher with phone, with a real-name record, a diagnosis upload, an
// update naming the patient and a paid payout to account, and takes it to
// completed. It returns the request and its personal data in clear, the
// blind indexes included once they are stored.
func completedRequest(t *testing.T, p *platform.Platform, phone, name, patientID, account string) retained {
	t.Helper()
	ctx := context.Background()
	publisher := userWithPhone(t, p, phone)
	const officialName, officialNumber = "王建国", "110101198001010053"
	err := p.DB.Write(ctx, func(tx *store.Tx) error {
		key, err := p.Vault.NewKey(ctx, tx)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO identities (user_id, key_id, name_sealed, number_sealed, number_index,
			verifier, outcome, reason, source, created_at) VALUES ($1, $2, $3, $4, $5, 'sandbox', 'verified', '', '192.0.2.1', $6)`,
			publisher, key.ID, key.SealString("identities.name:"+phone, officialName+phone),
			key.SealString("identities.number:"+phone, officialNumber+phone), p.Vault.BlindIndex("id-number", officialNumber+phone),
			tx.Now.UnixMicro())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := paidPayoutsFor(t, p, publisher, name, patientID, account)
	var req int64
	err = p.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT request_id FROM payouts WHERE id = $1", ids[0]).Scan(&req); err != nil {
			return err
		}
		if _, err := p.Materials.Add(ctx, tx, req, material.Diagnosis, bytes.NewReader(uploadtest.PNG(t, 8, 8+int(phone[len(phone)-1]-'0'))), "diagnosis", "user:1"); err != nil {
			return err
		}
		if _, err := p.Campaigns.PostUpdate(ctx, tx, req, publisher, "急性淋巴细胞白血病的治疗结束了，今天出院，谢谢大家"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO request_devices (request_id, device_index, first_seen) VALUES ($1, $2, $3)",
			req, p.Vault.BlindIndex(campaign.DeviceIndexDomain, "device of "+phone), tx.Now.UnixMicro()); err != nil {
			return err
		}
		if _, err := p.Campaigns.Close(ctx, tx, req, campaign.Closing{Reason: campaign.PurposeAchieved}, "", "staff:1"); err != nil {
			return err
		}
		for _, ev := range []campaign.Event{campaign.Settle, campaign.Complete} {
			if _, err := p.Campaigns.Apply(ctx, tx, req, ev, "system", "test"); err != nil {
				return fmt.Errorf("%s: %w", ev, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := retained{id: req, publisher: publisher, secrets: []string{phone, name, patientID, account, officialName + phone,
		officialNumber + phone, "急性淋巴细胞白血病", "北京大学人民医院"}}
	// The blind indexes, as stored: each finds the person again.
	for _, q := range []string{"SELECT patient_index FROM requests WHERE id = $1",
		"SELECT account_index FROM payouts WHERE request_id = $1",
		"SELECT content_index FROM request_materials WHERE request_id = $1",
		"SELECT device_index FROM request_devices WHERE request_id = $1",
		"SELECT u.phone_index FROM users u JOIN requests r ON r.publisher_user_id = u.id WHERE r.id = $1",
		"SELECT i.number_index FROM identities i JOIN requests r ON r.publisher_user_id = i.user_id WHERE r.id = $1"} {
		var v string
		queryRow(t, p.DB, q, []any{req}, &v)
		r.secrets = append(r.secrets, v)
	}
	return r
}

// paidPayoutsFor is paidPayouts for patient name, paid to account.
func paidPayoutsFor(t *testing.T, p *platform.Platform, publisher int64, name, patientID, account string) []int64 {
	t.Helper()
	f := campaigntest.Filing()
	f.PatientName, f.PatientID = name, patientID
	return paidPayoutsOf(t, p, publisher, f, account, 1, func(req int64) { giveAt(t, p, req, 0, "40000") })
}

// found returns the secrets that any column of any row of any table
// holds, in clear or as stored (a blind index).
func found(t *testing.T, db *store.DB, secrets []string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	hits := map[string][]string{}
	err := db.Read(ctx, func(tx *store.Tx) error {
		clear(hits)
		q := "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
		if tx.Dialect == store.Postgres {
			q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
		}
		tables, err := store.All(ctx, tx, func(rows *sql.Rows) (string, error) {
			var n string
			return n, rows.Scan(&n)
		}, q)
		if err != nil {
			return err
		}
		for _, table := range tables {
			rows, err := tx.QueryContext(ctx, "SELECT * FROM "+table)
			if err != nil {
				return err
			}
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return err
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				for i, v := range vals {
					s := fmt.Sprint(v)
					if b, ok := v.([]byte); ok {
						s = string(b)
					}
					for _, secret := range secrets {
						if strings.Contains(s, secret) {
							hits[secret] = append(hits[secret], table+"."+cols[i])
						}
					}
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// opened returns what the platform's own readers open of request r: its
// filing, published text, updates, materials, payees and publisher's
// phone, with what failed to open.
func opened(t *testing.T, p *platform.Platform, r retained) string {
	t.Helper()
	ctx := context.Background()
	var out strings.Builder
	err := p.DB.Read(ctx, func(tx *store.Tx) error {
		out.Reset()
		req, err := p.Campaigns.Get(ctx, tx, r.id)
		if err != nil {
			return err
		}
		fmt.Fprintf(&out, "filing %+v\n", req.Filing)
		versions, err := p.Campaigns.Versions(ctx, tx, r.id)
		if err != nil {
			return err
		}
		fmt.Fprintf(&out, "versions %+v\n", versions)
		updates, err := p.Campaigns.Updates(ctx, tx, r.id, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(&out, "updates %+v\n", updates)
		ms, err := p.Materials.List(ctx, tx, r.id)
		if err != nil {
			return err
		}
		for _, m := range ms {
			_, content, err := p.Materials.Open(ctx, tx, r.id, m.ID)
			fmt.Fprintf(&out, "material %d: %q %v\n", m.ID, content, err)
		}
		// Every data key of the request's rows and its publisher's:
		// open what each seals, or say it is shredded.
		keys, err := store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
			var k int64
			return k, rows.Scan(&k)
		}, `SELECT key_id FROM payouts WHERE request_id = $1 UNION SELECT key_id FROM users WHERE id = $2
			UNION SELECT key_id FROM identities WHERE user_id = $2`, r.id, r.publisher)
		if err != nil {
			return err
		}
		for _, k := range keys {
			_, err := p.Vault.Key(ctx, tx, k)
			fmt.Fprintf(&out, "key %d: %v\n", k, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// snapshot returns every row of the ledger's and the transparency log's
// tables, and of the audit chain up to seq, in order, as text.
func snapshot(t *testing.T, db *store.DB, auditUpTo int64) string {
	t.Helper()
	ctx := context.Background()
	var out strings.Builder
	err := db.Read(ctx, func(tx *store.Tx) error {
		out.Reset()
		for _, q := range []string{
			"SELECT * FROM ledger_accounts ORDER BY id", "SELECT * FROM ledger_entries ORDER BY id",
			"SELECT * FROM ledger_postings ORDER BY entry_id, account_id", "SELECT * FROM translog_entries ORDER BY 1",
			"SELECT * FROM translog_pending ORDER BY 1", "SELECT * FROM donations ORDER BY id",
			"SELECT * FROM audit_log WHERE seq <= " + strconv.FormatInt(auditUpTo, 10) + " ORDER BY seq",
		} {
			rows, err := tx.QueryContext(ctx, q)
			if err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			n := 0
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				fmt.Fprintf(&out, "%s %q\n", q, fmt.Sprint(vals...))
				n++
			}
			if err := rows.Close(); err != nil {
				return err
			}
			fmt.Fprintf(&out, "%s: %d rows\n", q, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// verifyAll runs what carefund verify runs, and fails the test on a break.
func verifyAll(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := ledger.Verify(ctx, db); err != nil {
		t.Errorf("ledger: %v", err)
	}
	if _, err := audit.Verify(ctx, db); err != nil {
		t.Errorf("audit: %v", err)
	}
	if _, err := donation.Verify(ctx, db); err != nil {
		t.Errorf("donations: %v", err)
	}
	if _, err := refund.Verify(ctx, db); err != nil {
		t.Errorf("refunds: %v", err)
	}
	if _, err := disclosure.Verify(ctx, db); err != nil {
		t.Errorf("money trails: %v", err)
	}
	if ids, n, err := ledger.Unlogged(ctx, db); err != nil || n > 0 {
		t.Errorf("transparency log: %d entries unlogged (%v): %v", n, ids, err)
	}
}

func auditHead(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var seq int64
	queryRow(t, db, "SELECT coalesce(max(seq), 0) FROM audit_log", nil, &seq)
	return seq
}

// TestRetentionAnonymises (R-PII-2): a request completed three years less a
// day ago is left as it is; a day later the job anonymizes it: no column of
// any table holds its patient's or publisher's name, ID number, phone,
// diagnosis or bank account any more, in clear or as a blind index, and
// nothing the platform opens shows them; the keys of the material, payee
// and account are shredded; the public page still opens, with the masked
// name; the ledger, the transparency log, the donations and the audit
// chain before it are byte-identical, and what carefund verify checks still
// passes. A request completed later is untouched; a second run, or a
// second node, anonymizes nothing twice.
func TestRetentionAnonymises(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{}
		db.SetClock(c.now)
		t.Cleanup(func() { db.SetClock(time.Now) })
		p, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Now: c.now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		if p.Retention == nil || p.Retention.Years != retention.MinYears {
			t.Fatalf("retention service %+v, want one with %d years", p.Retention, retention.MinYears)
		}
		a := completedRequest(t, p, "13900001111", "张小明", campaigntest.PatientID, "6222021234567890128")
		var completed int64
		queryRow(t, db, "SELECT max(at) FROM request_events WHERE request_id = $1 AND to_state = 'completed'", []any{a.id}, &completed)
		c.advance(10 * 24 * time.Hour)
		b := completedRequest(t, p, "13700002222", "李小红", "110105198001010024", "6217000010012345678")

		// The test can fail: before anything is anonymized, the scan
		// finds each blind index and the readers open each secret.
		before := found(t, db, a.secrets)
		for _, s := range a.secrets[8:] {
			if len(before[s]) == 0 {
				t.Fatalf("the scan does not find the stored blind index %s", s)
			}
		}
		if o := opened(t, p, a); !strings.Contains(o, "张小明") || !strings.Contains(o, "急性淋巴细胞白血病") {
			t.Fatalf("before: the readers do not open the filing:\n%s", o)
		}
		verifyAll(t, db)

		// Three years less a day after A completed: nothing is due.
		dueAt := time.UnixMicro(completed).UTC().AddDate(3, 0, 0)
		c.advance(dueAt.Add(-24 * time.Hour).Sub(c.now()))
		res, err := Anonymize(ctx, p.Retention)
		if err != nil || res.Anonymized != 0 {
			t.Fatalf("a day early: %+v, %v; want nothing anonymized", res, err)
		}
		if o := opened(t, p, a); !strings.Contains(o, "张小明") {
			t.Fatalf("a day early, the request lost its filing:\n%s", o)
		}
		head := auditHead(t, db)
		kept := snapshot(t, db, head)

		// A day later it is due, and anonymized, once.
		c.advance(24*time.Hour + time.Minute)
		res, err = Anonymize(ctx, p.Retention)
		if err != nil || res.Anonymized != 1 {
			t.Fatalf("due: %+v, %v; want one request anonymized", res, err)
		}
		if hits := found(t, db, a.secrets); len(hits) > 0 {
			t.Errorf("personal data left after anonymization: %v", hits)
		}
		o := opened(t, p, a)
		for _, s := range a.secrets {
			if strings.Contains(o, s) {
				t.Errorf("the platform still opens %q:\n%s", s, o)
			}
		}
		if n := strings.Count(o, vault.ErrShredded.Error()); n < 3 {
			t.Errorf("%d keys shredded, want the payout's, the account's and the identity's:\n%s", n, o)
		}
		if !strings.Contains(o, "material") || strings.Contains(o, "material 1: \"\\x89PNG") {
			t.Errorf("the material still opens:\n%s", o)
		}
		page, err := p.Disclosure.Page(ctx, a.id, "")
		if err != nil {
			t.Fatalf("the public page of the anonymized request: %v", err)
		}
		if pg := fmt.Sprintf("%+v", page); !strings.Contains(pg, "张*") || strings.Contains(pg, "张小明") ||
			!strings.Contains(pg, campaign.AnonymizedTitle(a.id)) {
			t.Errorf("the public page should show the masked name and the anonymized title only:\n%s", pg)
		}
		if after := snapshot(t, db, head); after != kept {
			t.Errorf("the ledger, log, donations or audit chain changed:\nbefore:\n%s\nafter:\n%s", kept, after)
		}
		verifyAll(t, db)

		// Its audit record and retention record, once.
		var audits, records int
		queryRow(t, db, "SELECT count(*) FROM audit_log WHERE actor = 'system' AND action = 'retention.anonymize' AND object = $1",
			[]any{"request:" + strconv.FormatInt(a.id, 10)}, &audits)
		queryRow(t, db, "SELECT count(*) FROM retention_records WHERE request_id = $1", []any{a.id}, &records)
		if audits != 1 || records != 1 {
			t.Errorf("%d audit records and %d retention records, want 1 and 1", audits, records)
		}

		// B, completed ten days after A, keeps everything.
		if o := opened(t, p, b); !strings.Contains(o, "李小红") || !strings.Contains(o, "急性淋巴细胞白血病") {
			t.Errorf("the request completed later lost its personal data:\n%s", o)
		}
		if hits := found(t, db, b.secrets[8:]); len(hits) < len(b.secrets[8:]) {
			t.Errorf("the request completed later lost blind indexes: %v", hits)
		}

		// Again, and on a second node: nothing more.
		p2, err := platform.New(ctx, platform.Config{DB: db, Keys: crashKeys(), Now: c.now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p2.Close)
		for _, s := range []*retention.Service{p.Retention, p2.Retention} {
			if res, err := Anonymize(ctx, s); err != nil || res.Anonymized != 0 {
				t.Errorf("again: %+v, %v; want nothing", res, err)
			}
		}
		var campaignErr error
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, campaignErr = p.Campaigns.Anonymize(ctx, tx, a.id)
			return nil
		})
		if err != nil || campaignErr == nil {
			t.Errorf("anonymizing A again: %v, %v; want a conflict", err, campaignErr)
		}
		// The fixed records stay fixed for a request not anonymized.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE request_versions SET published_sealed = $1 WHERE request_id = $2", []byte("x"), b.id)
			return err
		})
		if err == nil {
			t.Errorf("a published version of a live request changed: %v", err)
		}
	})
}

package bank

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func newFiles(t *testing.T) *Files {
	t.Helper()
	dir := t.TempDir()
	f := &Files{Outbox: filepath.Join(dir, "out"), Inbox: filepath.Join(dir, "in"), Now: func() time.Time { return monday },
		Debtor: iso20022.Party{Name: "某某慈善信托托管户", Account: iso20022.Account{ID: SandboxAccount}, Bank: iso20022.Agent{Name: "托管银行"}}}
	for _, d := range []string{f.Outbox, f.Inbox} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if !e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestFiles runs the file adapter against files the sandbox bank writes:
// transfers out as pain.001, status back as pain.002, the statement as
// camt.053; a broken report is refused whole, and a report for an
// instruction the platform never sent is quarantined, never applied.
func TestFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		files := newFiles(t)
		s := &Service{DB: db, Bank: files, Vault: testVault()}
		ts := []Transfer{transfer("CFPO1A1", 100_00), transfer("CFPO2A1", 200_01)}
		if err := s.Submit(ctx, ts); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Dispatch(ctx); err != nil || n != 2 {
			t.Fatalf("Dispatch = %d, %v", n, err)
		}
		out := names(t, files.Outbox)
		if len(out) != 1 || !strings.HasSuffix(out[0], ".xml") || strings.HasPrefix(out[0], ".") {
			t.Fatalf("outbox holds %v, want one pain.001 and no temporary file", out)
		}
		b, _ := os.ReadFile(filepath.Join(files.Outbox, out[0]))
		if !bytes.Contains(b, []byte("pain.001.001.09")) || !bytes.Contains(b, []byte("<EndToEndId>CFPO2A1</EndToEndId>")) {
			t.Errorf("the pain.001 lacks its transfers:\n%s", b)
		}

		// The sandbox plays the bank: it takes the same transfers and
		// reports on them, and on one the platform never sent.
		sb := newSandbox(t, db)
		if err := sb.Send(ctx, append(ts, transfer("CFPO9A1", 900_00))); err != nil {
			t.Fatal(err)
		}
		sb.Advance(time.Hour)
		var rep bytes.Buffer
		if _, err := sb.WriteStatusReport(ctx, &rep, "", strings.TrimSuffix(out[0], ".xml")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(files.Inbox, "STS-0001.xml"), rep.Bytes(), 0o640); err != nil {
			t.Fatal(err)
		}
		broken := bytes.Replace(rep.Bytes(), []byte("</Document>"), nil, 1)
		if err := os.WriteFile(filepath.Join(files.Inbox, "STS-0002.xml"), broken, 0o640); err != nil {
			t.Fatal(err)
		}
		f := &fakeSettle{}
		if n, err := s.Poll(ctx, f.apply); err != nil || n != 2 {
			t.Fatalf("Poll = %d, %v", n, err)
		}
		want := map[string][]Status{"CFPO1A1": {Paid}, "CFPO2A1": {Rejected}}
		if !reflect.DeepEqual(f.applied, want) {
			t.Errorf("applied %v, want %v", f.applied, want)
		}
		q, err := s.Quarantined(ctx)
		if err != nil || len(q) != 1 || q[0].TransferID != "CFPO9A1" {
			t.Errorf("quarantined %v, %v; want the report on CFPO9A1", q, err)
		}
		if got := names(t, filepath.Join(files.Inbox, "rejected")); !reflect.DeepEqual(got, []string{"STS-0002.xml", "STS-0002.xml.reason"}) {
			t.Errorf("rejected/ holds %v, want the broken report and its reason", got)
		}
		// The next poll acknowledges the report: it moves to done/.
		if n, err := s.Poll(ctx, f.apply); err != nil || n != 0 {
			t.Fatalf("Poll again = %d, %v", n, err)
		}
		if got := names(t, filepath.Join(files.Inbox, "done")); !reflect.DeepEqual(got, []string{"STS-0001.xml"}) {
			t.Errorf("done/ holds %v", got)
		}
		// A report arriving late under a smaller name is read all the
		// same; what it repeats is not applied twice.
		if err := os.WriteFile(filepath.Join(files.Inbox, "STS-0000.xml"), rep.Bytes(), 0o640); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if n, err := s.Poll(ctx, f.apply); err != nil || n != 0 {
				t.Fatalf("Poll of the late report = %d, %v; want nothing applied again", n, err)
			}
		}
		if got := names(t, filepath.Join(files.Inbox, "done")); !reflect.DeepEqual(got, []string{"STS-0000.xml", "STS-0001.xml"}) {
			t.Errorf("done/ holds %v, want the late report too", got)
		}
		if !reflect.DeepEqual(f.applied, want) {
			t.Errorf("applied %v, want %v", f.applied, want)
		}

		// The statement the sandbox wrote reads back through the adapter.
		sb.Advance(24 * time.Hour)
		var stmt bytes.Buffer
		if err := sb.WriteStatement(ctx, &stmt, monday); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(files.Inbox, "STMT-20261207.xml"), stmt.Bytes(), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := files.Statement(ctx, monday)
		if err != nil {
			t.Fatal(err)
		}
		want2, _ := sb.Statement(ctx, monday)
		if !reflect.DeepEqual(got, want2) {
			t.Errorf("Files.Statement = %+v, want %+v", got, want2)
		}
		if _, err := files.Statement(ctx, monday.AddDate(0, 0, 2)); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a day without a statement: %v, want NotFound", err)
		}
		// A bank that exports only CSV: its statement is found by the
		// booking date of its lines.
		csv := iso20022.CSVHeader + "\n" + SandboxAccount + ",2026-12-08,2026-12-08,100.00,DBIT,CFPO1A1,\n"
		if err := os.WriteFile(filepath.Join(files.Inbox, "stmt-20261208.csv"), []byte(csv), 0o640); err != nil {
			t.Fatal(err)
		}
		if st, err := files.Statement(ctx, monday.AddDate(0, 0, 1)); err != nil || len(st.Entries) != 1 || st.Entries[0].EndToEndID != "CFPO1A1" {
			t.Errorf("the CSV statement: %+v, %v", st, err)
		}
		if err := files.Credit(ctx, Credit{}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Credit on files: %v, want ErrUnsupported", err)
		}
	})
}

// TestFilesSendWritesOneFileEach checks that every Send writes its own
// pain.001 under a new MessageID, even for the same transfers (a resend):
// the bank refuses a file id it has seen, and dedups transfers by id.
func TestFilesSendWritesOneFileEach(t *testing.T) {
	files := newFiles(t)
	ts := []Transfer{transfer("CFPO1A1", 100_00)}
	for range 3 {
		if err := files.Send(context.Background(), ts); err != nil {
			t.Fatal(err)
		}
	}
	if got := names(t, files.Outbox); len(got) != 3 {
		t.Errorf("outbox holds %v, want three files", got)
	}
	if err := files.Send(context.Background(), []Transfer{{ID: "CFPO2A1"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("an invalid transfer: %v, want ErrInvalid", err)
	}
	if got := names(t, files.Outbox); len(got) != 3 {
		t.Errorf("a refused batch left a file: %v", got)
	}
}

// FuzzFilesOutcomes puts any bytes in the inbox as a status report. The
// adapter must never panic, and must either refuse the file whole (moved
// to rejected/, nothing returned) or return outcomes with valid statuses
// from it; never both.
func FuzzFilesOutcomes(f *testing.F) {
	for _, name := range []string{"pain002.xml", "pain002_v03.xml", "camt053.xml"} {
		b, err := os.ReadFile(filepath.Join("iso20022", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		files := newFiles(t)
		if err := os.WriteFile(filepath.Join(files.Inbox, "A.xml"), data, 0o640); err != nil {
			t.Fatal(err)
		}
		outs, cursor, err := files.Outcomes(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		rejected := len(names(t, filepath.Join(files.Inbox, "rejected"))) > 0
		if rejected && (len(outs) > 0 || cursor != "") {
			t.Fatalf("a refused file yielded %v, cursor %q", outs, cursor)
		}
		for _, o := range outs {
			if !o.Status.Valid() || o.TransferID == "" {
				t.Fatalf("outcome %+v", o)
			}
		}
	})
}

package bank

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/bank/iso20022"
)

// Files connects to a custody bank the way banks are connected: through
// files in folders the bank's host-to-host gateway shares. Send writes
// each batch of transfers as one pain.001 file into Outbox; the bank puts
// its pain.002 status reports and its camt.053 (or CSV) statements into
// Inbox. A processed status report is moved to Inbox/done; a file that
// cannot be read is moved, whole, to Inbox/rejected with a ".reason" file
// beside it saying why, and nothing of it is applied.
//
// The cursor of Outcomes names the status reports it handed out (a JSON
// list): passed back, once the platform has applied them, those files are
// moved to done/. Reports are read in order of name (banks number or date
// them), but one that arrives late with a smaller name is read all the
// same, since nothing but a handed-out report is ever moved to done/. An
// outcome's Seq orders the outcomes of one answer. A return (退票) is not a payment status: it
// reaches the platform as a reversal line of the statement.
type Files struct {
	Outbox, Inbox string
	// Debtor is the custody account, as each pain.001 names it.
	Debtor iso20022.Party
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Name returns "files".
func (f *Files) Name() string { return "files" }

func (f *Files) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

// Send writes the transfers as one pain.001 file, atomically (a temporary
// file renamed into place once synced), so the bank's gateway never picks
// up half a file. Each file has a new MessageID: the bank refuses a file
// it has seen, and dedups the transfers by end-to-end id, so a resend of
// transfers already sent pays nothing twice.
func (f *Files) Send(ctx context.Context, ts []Transfer) error {
	if len(ts) == 0 {
		return nil
	}
	now := f.now()
	b := iso20022.Batch{MessageID: messageID(now, ts), Created: now, ExecutionDate: Day(now), Debtor: f.Debtor}
	for _, t := range ts {
		b.Transfers = append(b.Transfers, toISO(t))
	}
	var buf bytes.Buffer
	if err := iso20022.WritePain001(&buf, b); err != nil {
		return fmt.Errorf("bank: %v: %w", err, ErrInvalid)
	}
	return writeAtomic(f.Outbox, b.MessageID+".xml", buf.Bytes())
}

// messageID is "CF", the time to the second, a digest of the transfer IDs
// and random bytes: unique, and at most 35 characters.
func messageID(now time.Time, ts []Transfer) string {
	h := sha256.New()
	for _, t := range ts {
		h.Write([]byte(t.ID))
		h.Write([]byte{0})
	}
	r := make([]byte, 4)
	rand.Read(r)
	return "CF" + now.UTC().Format("20060102150405") + "-" + hex.EncodeToString(h.Sum(nil))[:8] + "-" + hex.EncodeToString(r)
}

// writeAtomic writes data to dir/name through a synced temporary file.
func writeAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename itself durable, where the platform allows
		d.Close()
	}
	return nil
}

// inboxFiles returns the names of the files directly in dir whose name
// ends in one of the suffixes, in order.
func inboxFiles(dir string, suffixes ...string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") {
			continue
		}
		for _, s := range suffixes {
			if strings.HasSuffix(strings.ToLower(n), s) {
				names = append(names, n)
				break
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// moveTo moves dir/name into dir/sub.
func moveTo(dir, sub, name string) error {
	if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
		return err
	}
	return os.Rename(filepath.Join(dir, name), filepath.Join(dir, sub, name))
}

// refuse moves a file that cannot be applied to rejected/, with the reason
// beside it.
func (f *Files) refuse(name string, why error) error {
	if err := moveTo(f.Inbox, "rejected", name); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(f.Inbox, "rejected", name+".reason"), []byte(why.Error()+"\n"), 0o640)
}

// maxReports bounds the status reports of one answer of Outcomes.
const maxReports = 50

// Outcomes reads the status reports in Inbox, after moving those the
// cursor names to done/. A report that cannot be read, or that rejects the
// whole file without saying which transfers (the platform would not know
// which payouts failed), is moved to rejected/ and yields nothing.
func (f *Files) Outcomes(ctx context.Context, after string) ([]Outcome, string, error) {
	if after != "" {
		var acked []string
		if err := json.Unmarshal([]byte(after), &acked); err != nil {
			return nil, after, fmt.Errorf("bank: cursor is not a list of file names: %w", ErrInvalid)
		}
		for _, name := range acked {
			if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
				return nil, after, fmt.Errorf("bank: cursor names %.40q, not a file of the inbox: %w", name, ErrInvalid)
			}
			if err := moveTo(f.Inbox, "done", name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, after, err
			}
		}
	}
	names, err := inboxFiles(f.Inbox, ".xml")
	if err != nil {
		return nil, after, err
	}
	var out []Outcome
	var handed []string
	for _, name := range names {
		if len(handed) == maxReports {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, after, err
		}
		path := filepath.Join(f.Inbox, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, after, err
		}
		r, err := iso20022.ParsePain002(bytes.NewReader(data))
		switch {
		case errors.Is(err, iso20022.ErrWrongMessage):
			continue // a statement, or another message: not a status report
		case err != nil:
			if err := f.refuse(name, err); err != nil {
				return nil, after, err
			}
			continue
		case len(r.Transactions) == 0 && r.GroupStatus.Failed():
			if err := f.refuse(name, errors.New("the whole file is rejected without the status of each transfer")); err != nil {
				return nil, after, err
			}
			continue
		}
		at := f.now()
		if fi, err := os.Stat(path); err == nil {
			at = fi.ModTime()
		}
		ids := make([]string, 0, len(r.Transactions))
		for id := range r.Transactions {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			ts := r.Transactions[id]
			o := Outcome{TransferID: id, Status: Pending, Reason: ts.Reason, At: at.UTC(), Seq: int64(len(out) + 1)}
			switch {
			case ts.Status.Settled():
				o.Status = Paid
			case ts.Status.Failed():
				o.Status = Rejected
			}
			out = append(out, o)
		}
		handed = append(handed, name)
	}
	if len(handed) == 0 {
		return nil, "", nil
	}
	cursor, err := json.Marshal(handed)
	return out, string(cursor), err
}

// Statement returns the statement of day from the camt.053 or CSV files in
// Inbox (statements stay there for reconciliation): the camt.053 whose closing balance is dated day, or
// the CSV statement whose lines are all booked on day. A file that cannot
// be read is moved to rejected/. None is apperr.NotFound.
func (f *Files) Statement(ctx context.Context, day time.Time) (iso20022.Statement, error) {
	d := Day(day)
	names, err := inboxFiles(f.Inbox, ".xml", ".csv")
	if err != nil {
		return iso20022.Statement{}, err
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(f.Inbox, name))
		if err != nil {
			return iso20022.Statement{}, err
		}
		var st iso20022.Statement
		if strings.HasSuffix(strings.ToLower(name), ".csv") {
			st, err = iso20022.ParseCSVStatement(bytes.NewReader(data))
		} else {
			st, err = iso20022.ParseCamt053(bytes.NewReader(data))
		}
		switch {
		case errors.Is(err, iso20022.ErrWrongMessage):
			continue
		case err != nil:
			if err := f.refuse(name, err); err != nil {
				return iso20022.Statement{}, err
			}
			continue
		}
		if st.Closing != nil && st.Closing.Date.Equal(d) || st.Closing == nil && allOn(st, d) {
			return st, nil
		}
	}
	return iso20022.Statement{}, apperr.New(apperr.NotFound, "bank.statement_not_ready")
}

func allOn(st iso20022.Statement, d time.Time) bool {
	for _, e := range st.Entries {
		if !e.BookingDate.Equal(d) {
			return false
		}
	}
	return len(st.Entries) > 0
}

// Credit is ErrUnsupported: only the bank books money into custody.
func (f *Files) Credit(context.Context, Credit) error { return ErrUnsupported }

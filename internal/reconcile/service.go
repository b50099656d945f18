package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// Service holds the use cases of settlement and reconciliation: posting a
// provider's settlement, importing a statement, the runs and differences
// finance staff see, and the resolution of a difference (R-FUND-1,
// R-FUND-4). Reading the ledger and writing the run are separate
// transactions: a statement of a million lines is matched in memory
// between them, and a second import of the same file is stopped by the
// run's unique file hash.
type Service struct {
	DB     *store.DB
	Ledger *ledger.Ledger
	// Custody is the custody account; a statement of any other account is
	// refused whole. Zero accepts any (tests and the bench).
	Custody iso20022.Account
	// CutOff is how long before a period's end an entry may be posted and
	// still be in transit; DefaultCutOff when zero.
	CutOff time.Duration
	// Refunder takes the money recovered from a statement (StartRefunds);
	// nil leaves recoveries waiting for one.
	Refunder Refunder
}

func (s *Service) cutOff() time.Duration {
	if s.CutOff > 0 {
		return s.CutOff
	}
	return DefaultCutOff
}

// write runs fn in a transaction that first appends rec.
func (s *Service) write(ctx context.Context, rec audit.Record, fn func(tx *store.Tx) error) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := audit.Append(ctx, tx, rec); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Settled is what Settle did with a settlement file.
type Settled struct {
	// EntryID is the ledger entry custody:<ref>.
	EntryID int64
	// Replayed: the same file was settled before; nothing new was posted.
	Replayed bool
	// Quarantined: another file with this reference was posted before;
	// this one was stored, not posted, and Difference opened.
	Quarantined bool
	Difference  int64
}

// settlementHash digests what a settlement file says, so that a replay is
// told from a different file under the same reference.
func settlementHash(f SettlementFile) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%d\x00%d\x00%d", f.Provider, f.Ref, f.Date.Format(time.DateOnly), f.Gross, f.Fees, f.Refunds, f.Net)
	for _, l := range f.Lines {
		fmt.Fprintf(h, "\x00%s\x00%d\x00%d", l.TransactionID, l.Amount, l.Fee)
	}
	// The refunds and top-ups a file itemises (the sandbox's, since
	// refund funding), digested only when there are any, so that the
	// settlements posted before keep their digest.
	if f.Funding != 0 || len(f.RefundLines)+len(f.FundingLines) > 0 {
		fmt.Fprintf(h, "\x00funding\x00%d", f.Funding)
		for _, r := range f.RefundLines {
			fmt.Fprintf(h, "\x00r\x00%s\x00%d", r.RefundID, r.Amount)
		}
		for _, x := range f.FundingLines {
			fmt.Fprintf(h, "\x00f\x00%s\x00%d", x.Ref, x.Amount)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Settle posts a provider's settlement into custody, exactly once: the
// entry custody:<ref> debits bank:custody and credits psp:<provider> by
// the net (R-FUND-1). The same file again is a replay and posts nothing.
// Another file with the same reference is never credited: it is stored as
// quarantined and opens a difference (an amount mismatch when the net
// differs, a duplicate when only its lines do), and Settle returns the
// outcome with ErrSettlementQuarantined. A file whose figures do not add
// up is refused (payment.ErrSettlementInvalid).
func (s *Service) Settle(ctx context.Context, f SettlementFile) (Settled, error) {
	if err := f.Check(); err != nil {
		return Settled{}, err
	}
	hash := settlementHash(f)
	key := "custody:" + f.Ref
	e := ledger.Transfer(key, "settlement", "bank:custody", "psp:"+f.Provider, f.Net)
	e.Memo = "settlement " + f.Ref
	e.After = func(ctx context.Context, tx *store.Tx, p ledger.Posted) error {
		_, _, err := insertSettlement(ctx, tx, f, hash, "posted", p.ID)
		return err
	}
	p, err := s.Ledger.Post(ctx, e)
	switch {
	case err == nil && !p.Replayed:
		return Settled{EntryID: p.ID}, nil
	case err == nil:
		var row settlementRow
		var ok bool
		if err := s.DB.Read(ctx, func(tx *store.Tx) error {
			var err error
			row, ok, err = postedSettlement(ctx, tx, f.Ref)
			return err
		}); err != nil {
			return Settled{}, err
		}
		if !ok || row.hash == hash {
			return Settled{EntryID: p.ID, Replayed: true}, nil
		}
		return s.quarantine(ctx, f, hash, Found{Kind: Duplicate, Source: FromSettlement, Reference: f.Ref,
			Ledger: fen(row.net), Other: fen(f.Net),
			Detail: fmt.Sprintf("settlement %s: a second file with the same net and other transactions", f.Ref)}, p.ID)
	case errors.Is(err, ledger.ErrKeyReused):
		posted, err := s.Ledger.EntryByKey(ctx, key)
		if err != nil {
			return Settled{}, err
		}
		var was money.Fen
		for _, p := range posted.Postings {
			if p.Account == "bank:custody" {
				was = p.Amount
			}
		}
		return s.quarantine(ctx, f, hash, Found{Kind: AmountMismatch, Source: FromSettlement, Reference: f.Ref,
			Ledger: fen(was), Other: fen(f.Net),
			Detail: fmt.Sprintf("settlement %s: a second file says %s, the ledger posted %s; not credited", f.Ref, f.Net, was)}, posted.ID)
	default:
		return Settled{}, err
	}
}

// quarantine stores a conflicting settlement file once and opens its
// difference; the same conflicting file again adds nothing.
func (s *Service) quarantine(ctx context.Context, f SettlementFile, hash string, d Found, entryID int64) (Settled, error) {
	out := Settled{EntryID: entryID, Quarantined: true}
	err := s.write(ctx, audit.Record{Actor: "system", Action: "reconcile.settlement_quarantine", Object: "settlement:" + f.Ref,
		Result: audit.ResultDenied, Detail: string(d.Kind)}, func(tx *store.Tx) error {
		out.Difference = 0
		id, inserted, err := insertSettlement(ctx, tx, f, hash, "quarantined", 0)
		if err != nil || !inserted {
			return err
		}
		out.Difference, err = insertDifference(ctx, tx, 0, id, d)
		return err
	})
	if err != nil {
		return Settled{}, err
	}
	return out, ErrSettlementQuarantined
}

// Import reconciles a statement of the custody account (R-FUND-4): first
// the settlement file, when given, is settled (Settle) and its
// transactions matched against the ledger's donations; then every
// statement line against the ledger's bank:custody entries (Match). The
// run and every difference are stored; each difference stays open until
// resolved (Resolve). Importing the same file again (same fileHash) is a
// no-op returning the first run with Replayed set. A statement of another
// account (ErrWrongAccount) or a different file with the id of one
// already imported (ErrStatementConflict) is refused whole, and the
// refusal recorded. rec is the audit record of the import.
func (s *Service) Import(ctx context.Context, rec audit.Record, st iso20022.Statement, fileHash string, bill *SettlementFile) (Run, error) {
	if fileHash == "" {
		return Run{}, ErrNoFileHash
	}
	if s.Custody != (iso20022.Account{}) && st.Account != s.Custody {
		return Run{}, s.refuse(ctx, rec, st.ID, fileHash, "statement of another account than custody", ErrWrongAccount)
	}
	var prior Run
	var found, conflict bool
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if prior, found, err = runWhere(ctx, tx, "file_hash = $1", fileHash); err != nil || found {
			return err
		}
		if st.ID != "" {
			_, conflict, err = runWhere(ctx, tx, "statement_id = $1", st.ID)
		}
		return err
	}); err != nil {
		return Run{}, err
	}
	if found {
		prior.Replayed = true
		return prior, nil
	}
	if conflict {
		return Run{}, s.refuse(ctx, rec, st.ID, fileHash, "another file with the id of a statement already imported", ErrStatementConflict)
	}
	var found2 []Found
	if bill != nil {
		if _, err := s.Settle(ctx, *bill); err != nil && !errors.Is(err, ErrSettlementQuarantined) {
			return Run{}, err
		}
	}
	if err := s.postLines(ctx, st); err != nil {
		return Run{}, err
	}

	// Read what the statement is matched against, in one snapshot.
	var (
		prev          Run
		hasPrev       bool
		items         []Item
		prevInTransit map[string]bool
		atEnd         money.Fen
		donations     map[string]money.Fen
	)
	from, to := period(st)
	var w Window
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if prev, hasPrev, err = lastRun(ctx, tx); err != nil {
			return err
		}
		if hasPrev {
			if next := prev.To.AddDate(0, 0, 1); !next.After(to) {
				from = next
			}
			if prevInTransit, err = inTransitOf(ctx, tx, prev.ID); err != nil {
				return err
			}
		}
		w = WindowOf(from, to, s.cutOff())
		if items, err = custodyItems(ctx, tx, w.Start.Add(-Lookback)); err != nil {
			return err
		}
		// The balance at the period's end is the balance now less what was
		// posted since, all of which is among the items read: cheaper
		// than a second scan of the account's postings.
		if atEnd, err = custodyBalance(ctx, tx); err != nil {
			return err
		}
		var lineKeys map[string]bool
		for _, it := range items {
			if it.PostedAt.Before(w.End) {
				continue
			}
			if k, ok := strings.CutPrefix(it.Key, StatementKeyPrefix); ok {
				// A line of this statement posted when it was read
				// is on the statement's side of the period's end.
				if lineKeys == nil {
					lineKeys = make(map[string]bool, len(st.Entries))
					for _, e := range st.Entries {
						lineKeys[LineKey(e)] = true
					}
				}
				if lineKeys[k] {
					continue
				}
			}
			atEnd -= it.Amount
		}
		if bill != nil {
			keys := make([]string, len(bill.Lines))
			for i, l := range bill.Lines {
				keys[i] = DonationKey(bill.Provider, l.TransactionID)
			}
			donations, err = donationAmounts(ctx, tx, bill.Provider, keys)
		}
		return err
	}); err != nil {
		return Run{}, err
	}
	out := Match(st.Entries, items, w, prevInTransit)
	if bill != nil {
		found2 = MatchSettlement(*bill, donations)
	}
	all := append(out.Found, found2...)
	run := Run{
		StatementID: st.ID, FileHash: fileHash, Account: payeeid.MaskAccount(st.Account.String()),
		From: from, To: to, LedgerAtEnd: atEnd, InTransit: out.InTransitSum,
		Lines: len(st.Entries), Matched: out.Matched, InTransitCount: len(out.InTransit), Differences: len(all),
		Actor: rec.Actor,
	}
	if st.Opening != nil {
		run.Opening = fen(st.Opening.Amount)
	}
	if st.Closing != nil {
		run.Closing = fen(st.Closing.Amount)
	}
	if bill != nil {
		run.SettlementRef = bill.Ref
	}
	rec.Object, rec.Detail = "statement:"+st.ID, fmt.Sprintf("%d lines, %d differences", run.Lines, run.Differences)
	err := s.write(ctx, rec, func(tx *store.Tx) error {
		id, err := insertRun(ctx, tx, run)
		if err != nil {
			return err
		}
		run.ID, run.CreatedAt = id, tx.Now
		if err := insertInTransit(ctx, tx, id, out.InTransit); err != nil {
			return err
		}
		for _, f := range all {
			if _, err := insertDifference(ctx, tx, id, 0, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Run{}, err
	}
	return run, nil
}

// period returns the bank dates a statement covers: to is its closing
// balance's date (the last line's booking date for a CSV statement), from
// its first line's booking date; Import moves from to the day after the
// last run's period, so that the statements chain.
func period(st iso20022.Statement) (from, to time.Time) {
	for _, e := range st.Entries {
		if from.IsZero() || e.BookingDate.Before(from) {
			from = e.BookingDate
		}
		if e.BookingDate.After(to) {
			to = e.BookingDate
		}
	}
	if st.Closing != nil {
		to = st.Closing.Date
	}
	if from.IsZero() || from.After(to) {
		from = to
	}
	return from, to
}

// refuse records a refused import and returns err.
func (s *Service) refuse(ctx context.Context, rec audit.Record, statementID, fileHash, reason string, err error) error {
	rec.Object, rec.Result, rec.Detail = "statement:"+statementID, audit.ResultDenied, reason
	werr := s.write(ctx, rec, func(tx *store.Tx) error {
		return insertRefusal(ctx, tx, statementID, fileHash, reason, rec.Actor)
	})
	if werr != nil {
		return werr
	}
	return fmt.Errorf("statement %q: %s: %w", statementID, reason, err)
}

// Runs returns every run, newest first.
func (s *Service) Runs(ctx context.Context) ([]Run, error) {
	var out []Run
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = listRuns(ctx, tx)
		return err
	})
	return out, err
}

// LastReconciled returns the latest run, or ok false when no statement
// has been reconciled yet.
func (s *Service) LastReconciled(ctx context.Context) (r Run, ok bool, err error) {
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		r, ok, err = lastRun(ctx, tx)
		return err
	})
	return r, ok, err
}

// Differences returns the differences, oldest first: only the open ones
// when open is true.
func (s *Service) Differences(ctx context.Context, open bool) ([]Difference, error) {
	var out []Difference
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = listDifferences(ctx, tx, open, 0)
		return err
	})
	return out, err
}

// Difference returns one difference, or ErrNotFound.
func (s *Service) Difference(ctx context.Context, id int64) (Difference, error) {
	var ds []Difference
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		ds, err = listDifferences(ctx, tx, false, id)
		return err
	})
	if err != nil {
		return Difference{}, err
	}
	if len(ds) != 1 {
		return Difference{}, ErrNotFound
	}
	return ds[0], nil
}

// checkResolver returns the reason cleaned, or why by may not resolve.
func checkResolver(by staff.Staff, reason string) (string, error) {
	if by.Role != staff.Finance || by.Disabled || by.Locked {
		return "", ErrNotFinance
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > MaxReason || !utf8.ValidString(reason) {
		return "", ErrReasonRequired
	}
	return reason, nil
}

// Resolve closes an open difference with the finance officer's reason
// (R-FUND-4). It moves no money: a difference whose resolution needs
// money to move is closed with Correct. It returns ErrNotFinance,
// ErrReasonRequired, or ErrNotOpen when there is no such open difference.
func (s *Service) Resolve(ctx context.Context, rec audit.Record, id int64, by staff.Staff, reason string) error {
	reason, err := checkResolver(by, reason)
	if err != nil {
		return err
	}
	rec.Object = "reconcile_difference:" + strconv.FormatInt(id, 10)
	return s.write(ctx, rec, func(tx *store.Tx) error {
		ok, err := resolve(ctx, tx, id, by.ID, reason, 0)
		if err == nil && !ok {
			err = ErrNotOpen
		}
		return err
	})
}

// Correct closes an open difference by posting a correcting ledger entry
// (a reversal or a new entry, never an edit) under the key
// reconcile:correction:<id>, and then resolving the difference with the
// reason and the entry. A retry after a failure finds the entry posted
// (the key) and completes the resolution.
func (s *Service) Correct(ctx context.Context, rec audit.Record, id int64, by staff.Staff, reason string, e ledger.Entry) (ledger.Posted, error) {
	reason, err := checkResolver(by, reason)
	if err != nil {
		return ledger.Posted{}, err
	}
	var open bool
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		ds, err := listDifferences(ctx, tx, false, id)
		open = len(ds) == 1 && ds[0].Open()
		return err
	}); err != nil {
		return ledger.Posted{}, err
	}
	if !open {
		return ledger.Posted{}, ErrNotOpen
	}
	e.Key = "reconcile:correction:" + strconv.FormatInt(id, 10)
	if e.Kind == "" {
		e.Kind = "correction"
	}
	e.Postings = slices.Clone(e.Postings)
	p, err := s.Ledger.Post(ctx, e)
	if err != nil {
		return ledger.Posted{}, err
	}
	rec.Object = "reconcile_difference:" + strconv.FormatInt(id, 10)
	rec.Detail = "correction entry " + strconv.FormatInt(p.ID, 10)
	err = s.write(ctx, rec, func(tx *store.Tx) error {
		ok, err := resolve(ctx, tx, id, by.ID, reason, p.ID)
		if err == nil && !ok {
			err = ErrNotOpen
		}
		return err
	})
	if err != nil {
		return ledger.Posted{}, err
	}
	return p, nil
}

// CustodyCheck is bank:custody held against the last reconciled
// statement.
type CustodyCheck struct {
	Run Run
	// LedgerAtEnd is bank:custody in the ledger at the end of the run's
	// period, read now; InTransit what was in transit then.
	LedgerAtEnd, InTransit money.Fen
	// Open is the number of differences still open, of every run.
	Open int
}

// Gap returns the statement's closing balance less what the ledger says
// it should be (LedgerAtEnd − InTransit); 0 when custody mirrors the
// statement. It is meaningless for a CSV statement, which has no closing
// balance (Run.Closing nil).
func (c CustodyCheck) Gap() money.Fen {
	if c.Run.Closing == nil {
		return 0
	}
	return *c.Run.Closing - (c.LedgerAtEnd - c.InTransit)
}

// CheckCustody holds bank:custody against the last reconciled statement's
// closing balance (R-FUND-1, R-FUND-4), or reports ok false when no
// statement has been reconciled yet.
func (s *Service) CheckCustody(ctx context.Context) (c CustodyCheck, ok bool, err error) {
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		if c.Run, ok, err = lastRun(ctx, tx); err != nil || !ok {
			return err
		}
		w := WindowOf(c.Run.From, c.Run.To, s.cutOff())
		if c.LedgerAtEnd, err = custodyBefore(ctx, tx, w.End); err != nil {
			return err
		}
		// Lines the statement booked that the ledger posted only when it
		// read them (interest, recoveries) belong to the period too.
		late, err := lateCredits(ctx, tx, c.Run.To, w.End)
		if err != nil {
			return err
		}
		c.LedgerAtEnd += late
		c.InTransit = c.Run.InTransit
		return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM reconcile_differences WHERE resolved_at IS NULL").Scan(&c.Open)
	})
	return c, ok, err
}

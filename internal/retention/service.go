package retention

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/store"
)

// Batch is how many requests one run looks at, each in its own
// transaction; the job runs daily, so a backlog clears over a few runs.
const Batch = 200

// Service anonymizes requests on schedule (R-PII-2) and shows what it did.
type Service struct {
	DB        *store.DB
	Campaigns campaign.Store
	// Years is the retention period, at least MinYears (config
	// --retention-years); a shorter one counts as MinYears (Due).
	Years int
	// Anonymizers clear what lies outside the campaign's tables; nil means
	// the package's Anonymizers.
	Anonymizers []Anonymizer
}

func (s *Service) anonymizers() []Anonymizer {
	if s.Anonymizers == nil {
		return Anonymizers
	}
	return s.Anonymizers
}

// Run anonymizes up to limit requests that are due (R-PII-2), the one that
// completed first first, each in its own transaction with its audit record
// (actor "system") and its retention record. It is idempotent: a request
// anonymized meanwhile, by another run or node, is skipped, and one not due
// is never touched.
func (s *Service) Run(ctx context.Context, limit int) (Result, error) {
	var due []Request
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		// Due(completed) <= now ⇔ completed <= now − years: the calendar
		// arithmetic is checked again per request below.
		due, err = completed(ctx, tx, tx.Now.UTC().AddDate(-max(s.Years, MinYears), 0, 0), limit, s.Years)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	var res Result
	for _, r := range due {
		done, err := s.anonymize(ctx, r.ID)
		if err != nil {
			return res, err
		}
		if done {
			res.Anonymized++
		} else {
			res.Skipped++
		}
	}
	res.Complaints, err = s.complaints(ctx, limit)
	return res, err
}

// complaints anonymizes up to limit closed complaints whose retention
// period has passed (R-PII-2), whether or not they concern a request, each
// in its own transaction with its audit record.
func (s *Service) complaints(ctx context.Context, limit int) (int, error) {
	var due []complaint.Closed
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		due, err = complaint.ClosedBefore(ctx, tx, tx.Now.UTC().AddDate(-max(s.Years, MinYears), 0, 0), limit)
		return err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range due {
		var done bool
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			done = false
			if !IsDue(c.ClosedAt, tx.Now, s.Years) {
				return nil
			}
			cleared, ok, err := complaint.Anonymize(ctx, tx, c.ID, Tombstone)
			if err != nil || !ok {
				return err
			}
			if _, err := audit.Append(ctx, tx, audit.Record{Actor: "system", Action: "retention.anonymize",
				Object: "complaint:" + strconv.FormatInt(c.ID, 10), Result: audit.ResultOK,
				Detail: fmt.Sprintf("closed %s, cleared %s", c.ClosedAt.Format(time.DateOnly), strings.Join(cleared, " "))}); err != nil {
				return err
			}
			done = true
			return nil
		})
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// anonymize anonymizes request id in one transaction, if it is still due.
func (s *Service) anonymize(ctx context.Context, id int64) (bool, error) {
	var done bool
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		done = false
		r, ok, err := one(ctx, tx, id, s.Years)
		if err != nil || !ok || !IsDue(From(r.CompletedAt, r.WoundDownAt), tx.Now, s.Years) {
			return err
		}
		cleared, err := s.Campaigns.Anonymize(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, a := range s.anonymizers() {
			c, err := a.Anonymize(ctx, tx, r, s.Years)
			if err != nil {
				return err
			}
			cleared = append(cleared, c...)
		}
		rec := Record{RequestID: id, CompletedAt: r.CompletedAt, DueAt: r.DueAt, AnonymizedAt: tx.Now.UTC(), Cleared: cleared}
		if err := insertRecord(ctx, tx, rec); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, audit.Record{Actor: "system", Action: "retention.anonymize",
			Object: "request:" + strconv.FormatInt(id, 10), Result: audit.ResultOK, Detail: Detail(rec)}); err != nil {
			return err
		}
		done = true
		return nil
	})
	return done, err
}

// Overview is what the console shows: the latest anonymizations and the
// completed requests next due.
type Overview struct {
	Years int
	Done  []Record
	Next  []Request
}

// Overview returns the latest limit anonymizations and the limit
// completed requests due next, in one read.
func (s *Service) Overview(ctx context.Context, limit int) (Overview, error) {
	var o Overview
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		o = Overview{Years: max(s.Years, MinYears)}
		var err error
		if o.Done, err = records(ctx, tx, limit); err != nil {
			return err
		}
		o.Next, err = completed(ctx, tx, time.Time{}, limit, s.Years)
		return err
	})
	return o, err
}

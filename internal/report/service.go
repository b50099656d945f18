package report

import (
	"context"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
)

// Service makes the reports, one transaction each: the ledger's figures,
// the requests' histories and the complaint statistics are read in it, so
// that all are of one moment (and, for an export, its audit record is
// appended in it). DB is required.
type Service struct {
	DB *store.DB
	// FontPath names the CJK font of the annual PDF (--report-font); ""
	// looks for the system's (FontPaths).
	FontPath string
}

// By is who asks for a report and from where, for the audit log: a zero
// By is the public, whose reading is not audited.
type By struct {
	Actor  string // "staff:12", "cli"
	Source string // the client's address, "" for the command line
}

// read runs fn in a read transaction for the public, or in a write one that
// also appends the audit record of by doing action on object (R-RPT-1:
// every export is audited).
func (s *Service) read(ctx context.Context, by By, action, object string, fn func(*store.Tx) error) error {
	if by.Actor == "" {
		return s.DB.Read(ctx, fn)
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Record{Actor: by.Actor, Action: action, Object: object,
			Result: audit.ResultOK, Source: by.Source})
		return err
	})
}

// HalfYear makes the six-monthly report of h (R-DISC-3): apperr.NotFound
// with "report.not_ended" when h is not over by the database's clock, so
// that nobody reads a half-empty report as the half-year's.
func (s *Service) HalfYear(ctx context.Context, h HalfYear, by By) (Report, error) {
	r := Report{Name: h.String(), From: h.Start(), To: h.End()}
	err := s.read(ctx, by, "report.half_year.export", "report:"+r.Name, func(tx *store.Tx) error {
		if !h.Ended(tx.Now) {
			return NotEnded()
		}
		return s.period(ctx, tx, &r, false)
	})
	if err != nil {
		return Report{}, err
	}
	return r, nil
}

// Annual makes year y's annual work and financial report for the ministry
// (R-DISC-4): the year's figures and the platform's totals at its end,
// which tie out to the money trail identity. apperr.NotFound with
// "report.not_ended" before the year is over. The audit record of by
// generating it is the record that it was made, and when.
func (s *Service) Annual(ctx context.Context, y int, by By) (Report, error) {
	r := Report{Name: strconv.Itoa(y), From: YearStart(y), To: YearEnd(y)}
	err := s.read(ctx, by, "report.annual.generate", annualObject(y), func(tx *store.Tx) error {
		if tx.Now.Before(r.To) {
			return NotEnded()
		}
		return s.period(ctx, tx, &r, true)
	})
	if err != nil {
		return Report{}, err
	}
	return r, nil
}

// period reads r's figures of the ledger, the requests' histories and the
// complaints (R-DISC-3, R-RPT-1), all in tx.
func (s *Service) period(ctx context.Context, tx *store.Tx, r *Report, total bool) error {
	r.At = tx.Now
	var err error
	if r.Requests, err = readRequests(ctx, tx, r.From, r.To); err != nil {
		return err
	}
	if r.Complaints, err = complaint.StatsTx(ctx, tx, r.From, r.To); err != nil {
		return err
	}
	if r.Money, err = disclosure.ReadPlatformWithin(ctx, tx, r.From, r.To); err != nil {
		return err
	}
	if total {
		r.Total, err = disclosure.ReadPlatformWithin(ctx, tx, time.Time{}, r.To)
	}
	return err
}

// Index lists the half-years with a report: every one that has ended since
// the half-year of the ledger's first entry, newest first (at most 40:
// twenty years).
func (s *Service) Index(ctx context.Context) ([]HalfYear, error) {
	var hs []HalfYear
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		first, err := firstEntry(ctx, tx)
		if err != nil || first.IsZero() {
			hs = nil
			return err
		}
		hs = Past(first, tx.Now, 40)
		return nil
	})
	return hs, err
}

// Annuals is the state of the annual reports the ministry expects: one for
// each year that ended since the ledger's first entry, newest first, each
// with when it is due, when it was last generated and when it was marked
// submitted (from the audit log), and whether it is late.
type Annuals struct {
	Now   time.Time
	Years []AnnualState
}

// AnnualState is one year's annual report's state.
type AnnualState struct {
	Year                     int
	Due                      time.Time
	Generated, Submitted     time.Time // zero when not yet
	GeneratedBy, SubmittedBy string
	Late                     bool
}

func annualObject(y int) string { return "annual:" + strconv.Itoa(y) }

// AnnualStates reads the annual reports' states (R-DISC-4), and audits that
// by viewed them.
func (s *Service) AnnualStates(ctx context.Context, by By) (Annuals, error) {
	var a Annuals
	err := s.read(ctx, by, "report.list", "reports", func(tx *store.Tx) error {
		first, err := firstEntry(ctx, tx)
		if err != nil {
			return err
		}
		a, err = readAnnuals(ctx, tx, first)
		return err
	})
	return a, err
}

// readAnnuals reads the state of each year's annual report from the year
// of first, the ledger's first entry, to the last year ended.
func readAnnuals(ctx context.Context, tx *store.Tx, first time.Time) (Annuals, error) {
	a := Annuals{Now: tx.Now}
	if first.IsZero() {
		return a, nil
	}
	for y := tx.Now.In(Shanghai).Year() - 1; y >= first.In(Shanghai).Year() && len(a.Years) < 20; y-- {
		st := AnnualState{Year: y, Due: AnnualDue(y)}
		es, err := audit.List(ctx, tx, audit.Filter{Action: "report.annual.", Object: annualObject(y), Result: audit.ResultOK, Limit: audit.MaxLimit})
		if err != nil {
			return a, err
		}
		// Newest first: the first of each action is the latest.
		for _, e := range es {
			switch {
			case e.Action == "report.annual.generate" && st.Generated.IsZero():
				st.Generated, st.GeneratedBy = e.At, e.Actor
			case e.Action == "report.annual.submit" && st.Submitted.IsZero():
				st.Submitted, st.SubmittedBy = e.At, e.Actor
			}
		}
		st.Late = Late(y, tx.Now, !st.Submitted.IsZero())
		a.Years = append(a.Years, st)
	}
	return a, nil
}

// MarkSubmitted records that year y's annual reports were submitted to the
// ministry (R-DISC-4), by by: apperr.Invalid with "report.not_generated"
// before they were generated, apperr.Conflict if already marked.
func (s *Service) MarkSubmitted(ctx context.Context, y int, by By) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		es, err := audit.List(ctx, tx, audit.Filter{Action: "report.annual.", Object: annualObject(y), Result: audit.ResultOK, Limit: audit.MaxLimit})
		if err != nil {
			return err
		}
		generated := false
		for _, e := range es {
			switch e.Action {
			case "report.annual.submit":
				return apperr.New(apperr.Conflict, "report.already_submitted")
			case "report.annual.generate":
				generated = true
			}
		}
		if !generated {
			return apperr.New(apperr.Invalid, "report.not_generated")
		}
		_, err = audit.Append(ctx, tx, audit.Record{Actor: by.Actor, Action: "report.annual.submit", Object: annualObject(y),
			Result: audit.ResultOK, Source: by.Source})
		return err
	})
}

// Totals is the platform's report from its first entry to now, for the
// auditors' export (R-RPT-1): the ledger's totals, the requests and the
// complaints of all time.
func (s *Service) Totals(ctx context.Context, by By) (Report, error) {
	r := Report{Name: "total"}
	err := s.read(ctx, by, "report.totals.export", "report:total", func(tx *store.Tx) error {
		r.To = tx.Now
		return s.period(ctx, tx, &r, false)
	})
	if err != nil {
		return Report{}, err
	}
	return r, nil
}

// Requests lists the requests the ledger holds an account for, whose
// public ledgers the auditors' export writes (R-RPT-1).
func (s *Service) Requests(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		ids, err = requestIDs(ctx, tx)
		return err
	})
	return ids, err
}

// Overview is the auditors' console's reports page: the half-years with a
// report and the annual reports' states.
type Overview struct {
	Halves []HalfYear
	Annuals
}

// Overview reads the console's reports page, audited as by viewing it.
func (s *Service) Overview(ctx context.Context, by By) (Overview, error) {
	var o Overview
	err := s.read(ctx, by, "report.list", "reports", func(tx *store.Tx) error {
		o = Overview{}
		first, err := firstEntry(ctx, tx)
		if err != nil {
			return err
		}
		if !first.IsZero() {
			o.Halves = Past(first, tx.Now, 40)
		}
		o.Annuals, err = readAnnuals(ctx, tx, first)
		return err
	})
	return o, err
}

// Download makes the report file f for by, in lang, audited (R-RPT-1): its
// bytes and content type. An annual PDF needs the CJK font (FontPath, or
// the system's); without one the error says how to get one.
func (s *Service) Download(ctx context.Context, f File, lang i18n.Lang, by By) ([]byte, string, error) {
	var r Report
	var err error
	switch f.Kind {
	case "half-year":
		r, err = s.HalfYear(ctx, f.Half, by)
	case "annual":
		var font *Font
		if f.Format == "pdf" {
			if font, err = FindFont(s.FontPath); err != nil {
				return nil, "", apperr.Wrap(err, apperr.Unavailable, "report.no_font")
			}
		}
		if r, err = s.Annual(ctx, f.Year, by); err != nil {
			return nil, "", err
		}
		if font != nil {
			b, err := r.PDF(lang, font)
			if err != nil {
				return nil, "", apperr.Wrap(err, apperr.Unavailable, "report.no_font")
			}
			return b, "application/pdf", nil
		}
	default:
		r, err = s.Totals(ctx, by)
	}
	if err != nil {
		return nil, "", err
	}
	return r.CSV(lang), "text/csv; charset=utf-8", nil
}

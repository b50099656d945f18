package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/report"
	"github.com/carefund/carefund/internal/store"
)

// reportOptions are the flags of `carefund report` beyond the
// configuration's.
type reportOptions struct {
	csv      bool
	out, pdf string
	csvFile  string
	lang     string
}

func reportFlags(c *config.Config, o *reportOptions) *flag.FlagSet {
	fs := c.FlagSet("report")
	fs.BoolVar(&o.csv, "csv", false, "half-year: print the report as CSV instead of text")
	fs.StringVar(&o.out, "out", "", "half-year: write the CSV to this `file`; export: the `folder` to write every export into")
	fs.StringVar(&o.pdf, "pdf", "", "annual: write the PDF to this `file`")
	fs.StringVar(&o.csvFile, "csv-file", "", "annual: write the CSV to this `file` (also: --csv FILE after the year)")
	fs.StringVar(&o.lang, "lang", "zh-CN", "the `language` of the headers and the PDF: zh-CN or en")
	return fs
}

// reportArgs splits the arguments of `carefund report annual 2025 --pdf F
// --csv F`: "--csv FILE" names the annual CSV file, where the half-year's
// --csv is a switch.
func reportArgs(args []string) (kind, period string, rest []string, err error) {
	if len(args) == 0 {
		return "", "", nil, errors.New("carefund report half-year 2026-h1 [--csv | --out FILE] | annual 2025 --pdf FILE --csv FILE | export --out FOLDER")
	}
	kind, args = args[0], args[1:]
	if kind != "export" {
		if len(args) == 0 || len(args[0]) == 0 || args[0][0] == '-' {
			return "", "", nil, fmt.Errorf("carefund report %s needs a period: 2026-h1 for a half-year, 2025 for a year", kind)
		}
		period, args = args[0], args[1:]
	}
	for i := 0; i < len(args); i++ {
		if kind == "annual" && (args[i] == "--csv" || args[i] == "-csv") && i+1 < len(args) {
			rest = append(rest, "--csv-file", args[i+1])
			i++
			continue
		}
		rest = append(rest, args[i])
	}
	return kind, period, rest, nil
}

// runReport writes the platform's reports (R-DISC-3, R-DISC-4) and the
// exports for the ministry and auditors (R-RPT-1), each audited as made by
// the command line.
func runReport(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	kind, period, rest, err := reportArgs(args)
	if err != nil {
		return badInput(err)
	}
	var c config.Config
	var o reportOptions
	fs := reportFlags(&c, &o)
	if err := c.Parse(fs, rest, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return badInput(err)
	}
	lang, ok := i18n.Parse(o.lang)
	if !ok {
		return badInput(fmt.Errorf("--lang %q: zh-CN or en", o.lang))
	}
	var font *report.Font
	if kind == "annual" && o.pdf != "" {
		// Found before anything is read, so that a missing font costs
		// nothing and says how to get one.
		if font, err = report.FindFont(c.ReportFont); err != nil {
			return badInput(err)
		}
	}
	db, err := openCurrent(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &report.Service{DB: db}
	by := report.By{Actor: "cli"}
	switch kind {
	case "half-year":
		h, err := report.ParseHalfYear(period)
		if err != nil {
			return badInput(reportError(err))
		}
		r, err := svc.HalfYear(ctx, h, by)
		if err != nil {
			return reportError(err)
		}
		switch {
		case o.out != "":
			return writeFile(o.out, r.CSV(lang), stdout)
		case o.csv:
			_, err = stdout.Write(r.CSV(lang))
			return err
		}
		printReport(stdout, lang, r)
		return nil
	case "annual":
		y, err := report.ParseYear(period)
		if err != nil {
			return badInput(reportError(err))
		}
		if o.pdf == "" && o.csvFile == "" {
			return badInput(errors.New("carefund report annual YEAR needs --pdf FILE, --csv FILE or both"))
		}
		r, err := svc.Annual(ctx, y, by)
		if err != nil {
			return reportError(err)
		}
		if !r.Balanced() {
			return fmt.Errorf("the annual report of %d does not tie out to the money trail identity; run carefund verify", y)
		}
		if o.pdf != "" {
			b, err := r.PDF(lang, font)
			if err != nil {
				return err
			}
			if err := writeFile(o.pdf, b, stdout); err != nil {
				return err
			}
		}
		if o.csvFile != "" {
			return writeFile(o.csvFile, r.CSV(lang), stdout)
		}
		return nil
	case "export":
		if o.out == "" {
			return badInput(errors.New("carefund report export needs --out FOLDER"))
		}
		return exportAll(ctx, db, svc, by, lang, o.out, stdout)
	}
	return badInput(fmt.Errorf("unknown report %q: half-year, annual or export", kind))
}

// reportError says a report's refusal in words, as the pages do.
func reportError(err error) error {
	if e := apperr.As(err); e != nil && e.Key != "" && i18n.Has(e.Key) {
		return badInput(errors.New(i18n.T(i18n.ZH, e.Key) + " " + i18n.T(i18n.EN, e.Key)))
	}
	return err
}

func writeFile(name string, b []byte, stdout io.Writer) error {
	if err := os.WriteFile(name, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", name, len(b))
	return nil
}

// printReport prints r's figures as text, one a line.
func printReport(w io.Writer, lang i18n.Lang, r report.Report) {
	fmt.Fprintf(w, "%s\n", r.Name)
	for _, l := range r.Lines() {
		fmt.Fprintf(w, "  %-14s %-40s %s\n", l.Section, l.Label(lang), l.Value())
	}
	fmt.Fprintln(w, r.IdentityText(lang))
}

// exportAll writes every export for the ministry and auditors into dir
// (R-RPT-1): the platform's totals, each past half-year's report, each
// ended year's annual report as CSV (complaint statistics in each), and
// each request's public ledger.
func exportAll(ctx context.Context, db *store.DB, svc *report.Service, by report.By, lang i18n.Lang, dir string, stdout io.Writer) error {
	if err := os.MkdirAll(filepath.Join(dir, "requests"), 0o755); err != nil {
		return badInput(err)
	}
	t, err := svc.Totals(ctx, by)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "totals.csv"), t.CSV(lang), stdout); err != nil {
		return err
	}
	hs, err := svc.Index(ctx)
	if err != nil {
		return err
	}
	for _, h := range hs {
		r, err := svc.HalfYear(ctx, h, by)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, "half-year-"+h.String()+".csv"), r.CSV(lang), stdout); err != nil {
			return err
		}
	}
	states, err := svc.AnnualStates(ctx, by)
	if err != nil {
		return err
	}
	for _, st := range states.Years {
		r, err := svc.Annual(ctx, st.Year, by)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, "annual-"+strconv.Itoa(st.Year)+".csv"), r.CSV(lang), stdout); err != nil {
			return err
		}
	}
	ids, err := svc.Requests(ctx)
	if err != nil {
		return err
	}
	// A request's state is all the public ledger reads of it: no key is
	// needed, and nothing personal is unsealed.
	ds := &disclosure.Service{DB: db, Campaigns: campaign.Store{}}
	for _, id := range ids {
		m, err := ds.Ledger(ctx, id)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue // not public: no public ledger
		}
		if err != nil {
			return err
		}
		b, err := disclosure.LedgerCSV(lang, m.Lines)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, "requests", "request-"+strconv.FormatInt(id, 10)+"-ledger.csv"), b, stdout); err != nil {
			return err
		}
	}
	return nil
}

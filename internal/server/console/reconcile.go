package console

// The reconciliation console (R-FUND-4): the runs, the open differences
// first with the forms that resolve them (a reason; a correcting entry
// where money must move), the resolved ones with who, when and why, and
// the upload of a statement file (camt.053 or CSV, with the provider's
// settlement file if there is one). A file the parser refuses is refused
// whole, nothing imported, and the page says why in a finance officer's
// words. Only finance resolves (R-STAFF-1); auditors and admins read.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// MaxStatementUpload bounds a statement file uploaded in the console; a
// larger statement is reconciled by the statement job or the command.
const MaxStatementUpload = 900 << 10

// runsShown and resolvedShown bound the page: a run a day makes a long
// list, and the work is in the open differences, which are all shown.
const (
	runsShown     = 92
	resolvedShown = 200
)

// reconcileNotices are the notices a redirect after an action may ask for.
var reconcileNotices = map[string]string{"resolved": "money.reconcile.notice.resolved", "corrected": "money.reconcile.notice.corrected"}

func (c *Console) reconcilePage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.reconcileView(r, 0, "", web.Form{})
	if err != nil {
		return err
	}
	if key, ok := reconcileNotices[site.Params(r).Get("done")]; ok {
		p.Notice = i18n.T(lang(r), key)
	}
	return c.render(w, r, p)
}

// fenText shows an amount in yuan, or "—" when that side has none.
func fenText(l i18n.Lang, f *money.Fen) string {
	if f == nil {
		return "—"
	}
	return f.Format(l)
}

// reconcileView builds the page; the form named by which ("resolve",
// "correct" or "upload") of difference refused shows f.
func (c *Console) reconcileView(r *http.Request, refused int64, which string, f web.Form) (web.StaffReconcile, error) {
	if c.Reconcile == nil {
		return web.StaffReconcile{}, apperr.New(apperr.NotFound, "")
	}
	l := lang(r)
	p := web.StaffReconcile{CanResolve: c.may(r, "POST /staff/reconcile/{id}/resolve"), CanUpload: c.may(r, "POST /staff/reconcile/upload")}
	if which == "upload" {
		p.Upload = f
	}
	runs, err := c.Reconcile.Runs(r.Context())
	if err != nil {
		return p, err
	}
	if len(runs) > runsShown {
		p.OlderRuns = len(runs) - runsShown
		runs = runs[:runsShown]
	}
	for _, run := range runs {
		row := web.RunRow{ID: run.ID, Statement: run.StatementID, Account: run.Account,
			Period:  run.From.Format("2006-01-02") + " — " + run.To.Format("2006-01-02"),
			Opening: fenText(l, run.Opening), Closing: fenText(l, run.Closing),
			LedgerAtEnd: run.LedgerAtEnd.Format(l), InTransit: run.InTransit.Format(l),
			Lines: run.Lines, Matched: run.Matched, InTransitCount: run.InTransitCount, Differences: run.Differences,
			Settlement: run.SettlementRef, Actor: run.Actor, At: site.Minute(run.CreatedAt)}
		p.Runs = append(p.Runs, row)
	}
	all, err := c.Reconcile.Differences(r.Context(), false)
	if err != nil {
		return p, err
	}
	names, err := c.staffNames(r.Context())
	if err != nil {
		return p, err
	}
	for _, d := range all {
		row := web.DifferenceRow{ID: d.ID, Run: d.RunID, Kind: string(d.Kind), Source: string(d.Source), Reference: d.Reference,
			Ledger: fenText(l, d.Ledger), Other: fenText(l, d.Other), Detail: d.Detail, Found: site.Minute(d.CreatedAt)}
		if d.Open() {
			if d.ID == refused && which == "resolve" {
				row.Resolve = f
			}
			if d.ID == refused && which == "correct" {
				row.Correct = f
			}
			p.Open = append(p.Open, row)
			continue
		}
		row.ResolvedBy, row.ResolvedAt, row.Reason = names[d.Resolved.By], site.Minute(d.Resolved.At), d.Resolved.Reason
		row.Correction = d.Resolved.Correction
		p.Resolved = append(p.Resolved, row)
	}
	// Newest resolutions first, as the open ones are oldest first.
	slices.Reverse(p.Resolved)
	if len(p.Resolved) > resolvedShown {
		p.OlderResolved = len(p.Resolved) - resolvedShown
		p.Resolved = p.Resolved[:resolvedShown]
	}
	return p, nil
}

// resolveDifference closes difference {id} with the finance officer's
// reason; it moves no money.
func (c *Console) resolveDifference(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, "reason")
	if err != nil {
		return err
	}
	err = c.Auditor.Act(r, "reconcile_difference:"+strconv.FormatInt(id, 10), "", func(rec audit.Record) error {
		if c.Reconcile == nil {
			return apperr.New(apperr.NotFound, "")
		}
		return c.Reconcile.Resolve(r.Context(), rec, id, *me(r), values["reason"])
	})
	if err != nil {
		return reshow(c, w, r, reasonField(err), values, func(f web.Form) (web.StaffReconcile, error) {
			return c.reconcileView(r, id, "resolve", f)
		})
	}
	return site.Redirect(w, r, "/staff/reconcile?done=resolved")
}

// reasonField puts a missing reason next to its field.
func reasonField(err error) error {
	if errors.Is(err, reconcile.ErrReasonRequired) {
		return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "reason", Key: "reconcile.reason_required"}}}
	}
	return err
}

// correctFields are the fields of the correcting entry's form.
var correctFields = []string{"debit", "credit", "amount", "memo", "reason"}

// correctDifference closes difference {id} by posting a correcting entry:
// the amount from one ledger account to another, never an edit of a
// posted entry. The ledger refuses an entry that takes money out of
// custody other than its four ways (R-FUND-2).
func (c *Console) correctDifference(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	values, err := site.Posted(r, correctFields...)
	if err != nil {
		return err
	}
	var fields []apperr.FieldError
	debit, credit := strings.TrimSpace(values["debit"]), strings.TrimSpace(values["credit"])
	// An account outside the chart is refused here, next to its field,
	// rather than by the ledger as a fault.
	if _, err := ledger.Classify(debit); err != nil {
		fields = append(fields, apperr.FieldError{Field: "debit", Key: "money.reconcile.account_unknown"})
	}
	if _, err := ledger.Classify(credit); err != nil || credit == debit {
		fields = append(fields, apperr.FieldError{Field: "credit", Key: "money.reconcile.account_unknown"})
	}
	amount, aerr := money.Parse(strings.TrimSpace(values["amount"]))
	if aerr != nil || amount <= 0 {
		fields = append(fields, apperr.FieldError{Field: "amount", Key: "money.reconcile.amount"})
	}
	if strings.TrimSpace(values["reason"]) == "" {
		fields = append(fields, apperr.FieldError{Field: "reason", Key: "reconcile.reason_required"})
	}
	err = c.Auditor.Act(r, "reconcile_difference:"+strconv.FormatInt(id, 10), "", func(rec audit.Record) error {
		if c.Reconcile == nil {
			return apperr.New(apperr.NotFound, "")
		}
		if fields != nil {
			return &apperr.Error{Code: apperr.Invalid, Fields: fields}
		}
		e := ledger.Transfer("", "correction", debit, credit, amount)
		e.Memo = site.AuditText(values["memo"], 200)
		_, err := c.Reconcile.Correct(r.Context(), rec, id, *me(r), values["reason"], e)
		return ledgerRefusal(err)
	})
	if err != nil {
		return reshow(c, w, r, reasonField(err), values, func(f web.Form) (web.StaffReconcile, error) {
			return c.reconcileView(r, id, "correct", f)
		})
	}
	return site.Redirect(w, r, "/staff/reconcile?done=corrected")
}

// ledgerRefusal says why the ledger refused a correcting entry, in words:
// its errors are the program's, not a finance officer's.
func ledgerRefusal(err error) error {
	switch {
	case errors.Is(err, ledger.ErrInvalid):
		return apperr.Wrap(err, apperr.Invalid, "money.reconcile.entry_refused")
	case errors.Is(err, ledger.ErrInsufficientFunds):
		return apperr.Wrap(err, apperr.Invalid, "money.reconcile.entry_insufficient")
	case errors.Is(err, ledger.ErrKeyReused):
		return apperr.Wrap(err, apperr.Conflict, "money.reconcile.entry_differs")
	}
	return err
}

// lineNumber finds the line a parser's refusal names ("line 3").
var lineNumber = regexp.MustCompile(`line (\d+)`)

// refusalOf says in a finance officer's words why a file was refused:
// the parser's reason by its kind, and the line it names, never the
// parser's own text (which is for developers, and may quote the file).
func refusalOf(l i18n.Lang, file string, err error) string {
	key := "money.reconcile.refused.malformed"
	switch {
	case errors.Is(err, iso20022.ErrUnbalanced):
		key = "money.reconcile.refused.unbalanced"
	case errors.Is(err, iso20022.ErrDuplicate):
		key = "money.reconcile.refused.duplicate"
	case errors.Is(err, iso20022.ErrCurrency):
		key = "money.reconcile.refused.currency"
	case errors.Is(err, iso20022.ErrWrongMessage):
		key = "money.reconcile.refused.wrong_message"
	case errors.Is(err, iso20022.ErrMalformed) && strings.Contains(err.Error(), "another account"):
		key = "money.reconcile.refused.other_account_line"
	case errors.Is(err, payment.ErrSettlementInvalid):
		key = "money.reconcile.refused.settlement"
	case errors.Is(err, reconcile.ErrWrongAccount):
		key = "money.reconcile.refused.wrong_account"
	case errors.Is(err, reconcile.ErrStatementConflict):
		key = "money.reconcile.refused.conflict"
	}
	msg := i18n.T(l, key, file)
	if m := lineNumber.FindStringSubmatch(err.Error()); m != nil {
		msg += " " + i18n.T(l, "money.reconcile.refused.line", m[1])
	}
	return msg
}

// readUpload reads one uploaded file, or nil when none was sent.
func readUpload(r *http.Request, field string) ([]byte, string, error) {
	f, h, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", site.BadForm(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxStatementUpload+1))
	if err != nil {
		return nil, "", site.BadForm(err)
	}
	if len(b) > MaxStatementUpload {
		return nil, "", apperr.New(apperr.TooLarge, "")
	}
	return b, site.AuditText(h.Filename, 100), nil
}

// uploadStatement reconciles an uploaded statement, with the provider's
// settlement file when one is sent. A file the parser refuses changes
// nothing; the refusal is recorded in the audit log and shown in words.
func (c *Console) uploadStatement(w http.ResponseWriter, r *http.Request) error {
	if c.Reconcile == nil {
		return apperr.New(apperr.NotFound, "")
	}
	if err := r.ParseMultipartForm(2 * MaxStatementUpload); err != nil {
		return site.BadForm(err)
	}
	defer func() {
		if r.MultipartForm != nil {
			r.MultipartForm.RemoveAll()
		}
	}()
	l := lang(r)
	raw, name, err := readUpload(r, "statement")
	if err != nil {
		return err
	}
	refuse := func(status int, object string, err error, form web.Form) error {
		c.Auditor.Refused(r, object, "", err)
		site.MarkAudited(r)
		p, verr := c.reconcileView(r, 0, "upload", form)
		if verr != nil {
			return verr
		}
		return c.Pages.RenderStatus(w, r, status, p)
	}
	if raw == nil {
		return refuse(http.StatusUnprocessableEntity, "statement", apperr.New(apperr.Invalid, "money.reconcile.statement_required"),
			web.Form{Errors: map[string]string{"statement": i18n.T(l, "money.reconcile.statement_required")}, Message: i18n.T(l, "form.fix")})
	}
	st, err := parseStatement(raw)
	if err != nil {
		return refuse(http.StatusUnprocessableEntity, "statement:"+name, apperr.Wrap(err, apperr.Invalid, "money.reconcile.refused"),
			web.Form{Message: refusalOf(l, name, err)})
	}
	var bill *reconcile.SettlementFile
	braw, bname, err := readUpload(r, "settlement")
	if err != nil {
		return err
	}
	if braw != nil {
		b, err := payment.ParseSandboxSettlement(bytes.NewReader(braw))
		if err != nil {
			return refuse(http.StatusUnprocessableEntity, "settlement:"+bname, apperr.Wrap(err, apperr.Invalid, "money.reconcile.refused"),
				web.Form{Errors: map[string]string{"settlement": refusalOf(l, bname, err)}, Message: refusalOf(l, bname, err)})
		}
		bill = &b
	}
	sum := sha256.Sum256(raw)
	var run reconcile.Run
	err = c.Auditor.Act(r, "statement:"+st.ID, name, func(rec audit.Record) error {
		var err error
		run, err = c.Reconcile.Import(r.Context(), rec, st, hex.EncodeToString(sum[:]), bill)
		return err
	})
	if err != nil {
		if apperr.As(err) == nil || site.StatusOf[apperr.CodeOf(err)] >= 500 {
			return err
		}
		// The service recorded its refusal (another account, another
		// file under a known id); Act recorded it too.
		p, verr := c.reconcileView(r, 0, "upload", web.Form{Message: refusalOf(l, name, err)})
		if verr != nil {
			return verr
		}
		return c.Pages.RenderStatus(w, r, site.StatusOf[apperr.CodeOf(err)], p)
	}
	p, err := c.reconcileView(r, 0, "", web.Form{})
	if err != nil {
		return err
	}
	key := "money.reconcile.imported"
	if run.Replayed {
		key = "money.reconcile.replayed"
	}
	p.Result = i18n.T(l, key, name, run.ID, run.Lines, run.Matched, run.InTransitCount, run.Differences)
	return c.render(w, r, p)
}

// parseStatement reads a camt.053 (a file starting with '<' after blanks
// and a byte order mark) or a CSV statement.
func parseStatement(raw []byte) (iso20022.Statement, error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(raw, []byte("\uFEFF")), " \t\r\n")
	if bytes.HasPrefix(trimmed, []byte("<")) {
		return iso20022.ParseCamt053(bytes.NewReader(raw))
	}
	return iso20022.ParseCSVStatement(bytes.NewReader(raw))
}

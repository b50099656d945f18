package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/translog"
)

// reconcileOptions are the flags of `carefund reconcile` beyond the
// configuration's.
type reconcileOptions struct {
	statement, bill         string
	tradeBill, fundFlowBill string
}

func reconcileFlags(c *config.Config, o *reconcileOptions) *flag.FlagSet {
	fs := c.FlagSet("reconcile")
	fs.StringVar(&o.statement, "statement", "", "the custody bank's statement `file`: camt.053 (XML) or the CSV statement")
	fs.StringVar(&o.bill, "bill", "", "the payment provider's settlement `file` for the statement's day (the sandbox's settlement CSV), posted into custody and reconciled three ways")
	fs.StringVar(&o.tradeBill, "trade-bill", "", "WeChat Pay's trade bill `file` (交易账单, ALL) of the settled day; with --fund-flow-bill, instead of --bill")
	fs.StringVar(&o.fundFlowBill, "fund-flow-bill", "", "WeChat Pay's fund-flow bill `file` (资金账单, BASIC) carrying the withdrawal of that day's money into custody")
	return fs
}

// runReconcile imports a bank statement of the custody account, with the
// provider's settlement file when given, reconciles it against the ledger
// (R-FUND-4), prints every open difference, and exits 1 while any is
// open: nothing is absorbed, a finance officer resolves each with a
// reason.
func runReconcile(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	var c config.Config
	var o reconcileOptions
	fs := reconcileFlags(&c, &o)
	if err := c.Parse(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return badInput(err)
	}
	if o.statement == "" {
		return badInput(errors.New("--statement is required; see 'carefund help reconcile'"))
	}
	if c.CustodyAccount == "" {
		return badInput(errors.New("--custody-account is required: statements of any other account are refused; see 'carefund help reconcile'"))
	}
	raw, err := os.ReadFile(o.statement)
	if err != nil {
		return badInput(err)
	}
	st, err := parseStatement(raw)
	if err != nil {
		// The parser's error says what is wrong (a closing balance that
		// the lines do not make, a line twice); the file is refused whole.
		return badInput(fmt.Errorf("statement %s refused, nothing imported: %w", o.statement, err))
	}
	bill, err := readBill(o, st)
	if err != nil {
		return err
	}
	db, err := openCurrent(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	// What it posts goes into the transparency log as every entry does.
	keys, err := loadKeys(ctx, &c, db)
	if err != nil {
		return err
	}
	l := ledger.New(db, ledger.Options{CommitKey: translog.CommitKey(keys.Index[:])})
	defer l.Close()
	// The account is named the way the statement names it, by IBAN or by
	// the bank's own number; its value decides.
	custody := iso20022.Account{ID: c.CustodyAccount}
	if st.Account.IBAN != "" {
		custody = iso20022.Account{IBAN: c.CustodyAccount}
	}
	svc := &reconcile.Service{DB: db, Ledger: l, Custody: custody}
	sum := sha256.Sum256(raw)
	rec := audit.Record{Actor: "system", Action: "reconcile.import", Result: audit.ResultOK, Detail: "carefund reconcile"}
	run, err := svc.Import(ctx, rec, st, hex.EncodeToString(sum[:]), bill)
	if err != nil {
		return err
	}
	if run.Replayed {
		fmt.Fprintf(stdout, "statement %q was imported before (run %d): nothing new\n", run.StatementID, run.ID)
	}
	fmt.Fprintf(stdout, "run %d: statement %q of account %s, %s to %s: %d lines, %d matched, %d in transit (%s), %d differences\n",
		run.ID, run.StatementID, run.Account, run.From.Format("2006-01-02"), run.To.Format("2006-01-02"),
		run.Lines, run.Matched, run.InTransitCount, run.InTransit, run.Differences)
	if run.Closing != nil {
		fmt.Fprintf(stdout, "closing balance %s; ledger bank:custody at the period's end %s, less in transit %s\n",
			*run.Closing, run.LedgerAtEnd, run.LedgerAtEnd-run.InTransit)
	}
	open, err := svc.Differences(ctx, true)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		fmt.Fprintln(stdout, "no open differences")
		return nil
	}
	fmt.Fprintf(stdout, "%d open differences (resolved only by a finance officer, with a reason):\n", len(open))
	for _, d := range open {
		fmt.Fprintf(stdout, "  #%d %s (%s) %s: ledger %s, %s %s; %s\n", d.ID, d.Kind, d.Source, d.Reference,
			amount(d.Ledger), d.Source, amount(d.Other), d.Detail)
	}
	return &exitError{code: 1, err: fmt.Errorf("%d reconciliation differences open", len(open))}
}

func amount(f *money.Fen) string {
	if f == nil {
		return "none"
	}
	return f.String()
}

// parseStatement reads a camt.053 (anything starting with '<' after
// blanks and a byte order mark) or a CSV statement.
func parseStatement(raw []byte) (iso20022.Statement, error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(raw, []byte("\uFEFF")), " \t\r\n")
	if bytes.HasPrefix(trimmed, []byte("<")) {
		return iso20022.ParseCamt053(bytes.NewReader(raw))
	}
	return iso20022.ParseCSVStatement(bytes.NewReader(raw))
}

// readBill reads the settlement named by the flags: the sandbox's
// settlement file, or WeChat Pay's two bills of one day; nil when none.
func readBill(o reconcileOptions, st iso20022.Statement) (*reconcile.SettlementFile, error) {
	switch {
	case o.bill != "" && (o.tradeBill != "" || o.fundFlowBill != ""):
		return nil, badInput(errors.New("give --bill, or --trade-bill and --fund-flow-bill, not both"))
	case o.bill != "":
		f, err := os.Open(o.bill)
		if err != nil {
			return nil, badInput(err)
		}
		defer f.Close()
		b, err := payment.ParseSandboxSettlement(f)
		if err != nil {
			return nil, badInput(fmt.Errorf("settlement file %s refused, nothing imported: %w", o.bill, err))
		}
		return &b, nil
	case o.tradeBill != "" || o.fundFlowBill != "":
		if o.tradeBill == "" || o.fundFlowBill == "" {
			return nil, badInput(errors.New("--trade-bill and --fund-flow-bill go together"))
		}
		tf, err := os.Open(o.tradeBill)
		if err != nil {
			return nil, badInput(err)
		}
		defer tf.Close()
		trade, err := wechatpay.ParseTradeBill(tf)
		if err != nil {
			return nil, badInput(fmt.Errorf("trade bill %s refused, nothing imported: %w", o.tradeBill, err))
		}
		ff, err := os.Open(o.fundFlowBill)
		if err != nil {
			return nil, badInput(err)
		}
		defer ff.Close()
		fund, err := wechatpay.ParseFundFlowBill(ff)
		if err != nil {
			return nil, badInput(fmt.Errorf("fund-flow bill %s refused, nothing imported: %w", o.fundFlowBill, err))
		}
		// The settled day is the trade bill's: its payments' date in China.
		var date time.Time
		if len(trade.Lines) > 0 {
			y, m, d := trade.Lines[0].Time.Date()
			date = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		} else if st.Closing != nil {
			date = st.Closing.Date
		}
		b, err := wechatpay.Settlement(date, trade, fund)
		if err != nil {
			return nil, badInput(fmt.Errorf("WeChat Pay bills refused, nothing imported: %w", err))
		}
		return &b, nil
	}
	return nil, nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/config"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
)

// runVerify checks every invariant of the ledger, the audit log's hash
// chain, the donations against the ledger, the orders and the totals
// (R-DON-1, R-FUND-1), and every request's money trail (R-DISC-1), and
// exits 1 naming the first breaks in each.
//
// The audit chain must also pass through every head logged in the
// transparency log, and through each --audit-head SEQ:HASH given: a head
// noted elsewhere (a ticket, a signed report, the regulator's copy).
func runVerify(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	var cfg config.Config
	var heads auditHeads
	fs := verifyFlags(&cfg, &heads)
	if err := cfg.Parse(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return badInput(err)
	}
	db, err := openCurrent(ctx, &cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// Each is checked even when another fails: a broken ledger is no
	// reason to leave the audit log unchecked, and the log may say who
	// broke it.
	s, ledgerErr := ledger.Verify(ctx, db)
	if ledgerErr == nil {
		fmt.Fprintf(stdout, "%s: ledger verified: %d entries in %d accounts; every entry has two or more postings summing to zero and matches its hash; every posting has its entry and account; every reversal undoes its entry; every balance equals its postings; no request, payable or charity account is negative; bank:custody holds %s\n",
			db, s.Entries, s.Accounts, s.Custody)
	}
	a, auditErr := audit.Verify(ctx, db, heads...)
	if auditErr == nil {
		// The head is what to note down elsewhere: a later run whose
		// chain no longer passes through it shows the log was rewritten.
		fmt.Fprintf(stdout, "audit log verified: %d entries, head %s; it passes through %d recorded heads (%d given, the rest logged in the transparency log); note %d:%s to check later runs with --audit-head\n",
			a.Entries, a.Head[:16], a.Anchors, len(heads), a.Entries, a.Head[:16])
	}
	d, donationErr := donation.Verify(ctx, db)
	if donationErr == nil {
		fmt.Fprintf(stdout, "donations verified: %d donations (%d after their request closed) of %d paid orders; %s raised for %d requests; %d share links; every donation has its own ledger entry from psp:<provider> to its request under its payment's key, and every such entry its donation; no order or payment counted twice; totals and share counts equal their donations\n",
			d.Donations, d.AfterClose, d.PaidOrders, d.Raised, d.Requests, d.Shares)
		if d.Unkeyed > 0 {
			fmt.Fprintf(stdout, "%d ledger entries of kind donation are under keys no payment makes (benchmark or test entries): not held to a donation\n", d.Unkeyed)
		}
	}
	r, refundErr := refund.Verify(ctx, db)
	if refundErr == nil {
		fmt.Fprintf(stdout, "refunds verified: %d runs, %d refunds; %s decided, %s paid back, %s to charity; every refund has its one refund entry and at most one outcome, by its donation's own route, never more than the donation; every run's payable equals decided less paid and to charity\n",
			r.Runs, r.Refunds, r.Decided, r.Paid, r.Charity)
	}
	m, moneyErr := disclosure.Verify(ctx, db)
	if moneyErr == nil {
		fmt.Fprintf(stdout, "money trails verified: %d requests; for each, raised + recovered (%s in all) = fees + paid out + refunded + being refunded + to charity + held, as its public page shows them\n",
			m.Requests, m.In)
	}
	custodyErr := verifyCustody(ctx, &reconcile.Service{DB: db}, stdout)
	charityErr := verifyCharity(ctx, &charitypay.Service{DB: db}, stdout)
	logErr := verifyLogged(ctx, db, stdout)
	return errors.Join(ledgerErr, auditErr, donationErr, refundErr, moneyErr, custodyErr, charityErr, logErr)
}

// verifyLogged holds the ledger to the transparency log: every entry is in
// the log or its outbox, so that the public figures re-derived from the log
// are the ledger's.
func verifyLogged(ctx context.Context, db *store.DB, stdout io.Writer) error {
	ids, n, err := ledger.Unlogged(ctx, db)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%d ledger entries are not in the transparency log, the first %v", n, ids)
	}
	fmt.Fprintln(stdout, "transparency log: every ledger entry is logged or on its way")
	return nil
}

// verifyFlags are the configuration's flags and --audit-head.
func verifyFlags(c *config.Config, heads *auditHeads) *flag.FlagSet {
	fs := c.FlagSet("verify")
	fs.Var(heads, "audit-head", "a head of the audit chain recorded elsewhere, `SEQ:HASH` as an earlier verify printed it (entries and head); the chain must still pass through it; may be repeated")
	return fs
}

// auditHeads are the --audit-head flags.
type auditHeads []audit.Anchor

func (h *auditHeads) String() string {
	if h == nil {
		return ""
	}
	s := make([]string, len(*h))
	for i, a := range *h {
		s[i] = fmt.Sprintf("%d:%s", a.Seq, a.Hash)
	}
	return strings.Join(s, ",")
}

func (h *auditHeads) Set(v string) error {
	a, err := audit.ParseAnchor(v, fmt.Sprintf("--audit-head %s", strings.TrimSpace(v)))
	if err != nil {
		return err
	}
	*h = append(*h, a)
	return nil
}

// verifyCharity holds charity:payable to what came in and went out
// (R-CHAR-1): the interest and the unrefundable refunds posted to it less
// the transfers paid to charity (net of returns).
func verifyCharity(ctx context.Context, svc *charitypay.Service, stdout io.Writer) error {
	s, err := svc.Public(ctx)
	if err != nil {
		return err
	}
	if !s.Consistent() {
		return fmt.Errorf("charity:payable holds %s, but interest %s + unrefundable %s - paid to charity %s = %s: an entry of another kind moved it",
			s.Held, s.Interest, s.Unrefundable, s.Paid, s.Interest+s.Unrefundable-s.Paid)
	}
	fmt.Fprintf(stdout, "charity:payable verified: %s = interest %s + unrefundable %s - paid to charity %s in %d transfers\n",
		s.Held, s.Interest, s.Unrefundable, s.Paid, len(s.Transfers))
	return nil
}

// verifyCustody holds bank:custody against the last reconciled statement's
// closing balance (R-FUND-1, R-FUND-4): the ledger at the period's end,
// less what was in transit then, must equal it.
func verifyCustody(ctx context.Context, svc *reconcile.Service, stdout io.Writer) error {
	c, ok, err := svc.CheckCustody(ctx)
	switch {
	case err != nil:
		return err
	case !ok:
		// Said plainly, so nobody reads more into "verified" than was
		// checked.
		fmt.Fprintln(stdout, "bank statement not yet checked: no statement of the custody account has been reconciled ('carefund reconcile')")
		return nil
	case c.Run.Closing == nil:
		fmt.Fprintf(stdout, "bank statement not yet checked against a balance: the last reconciled statement (run %d, to %s) is a CSV statement without balances; %d differences open\n",
			c.Run.ID, c.Run.To.Format("2006-01-02"), c.Open)
		return nil
	case c.Gap() != 0:
		return fmt.Errorf("bank:custody does not mirror the custody account: the last reconciled statement %q closes %s on %s, the ledger holds %s then less %s in transit = %s (%d differences open; see 'carefund reconcile')",
			c.Run.StatementID, *c.Run.Closing, c.Run.To.Format("2006-01-02"), c.LedgerAtEnd, c.InTransit, c.LedgerAtEnd-c.InTransit, c.Open)
	}
	fmt.Fprintf(stdout, "bank:custody verified against the last reconciled statement %q: %s on %s, ledger %s less %s in transit; %d differences open\n",
		c.Run.StatementID, *c.Run.Closing, c.Run.To.Format("2006-01-02"), c.LedgerAtEnd, c.InTransit, c.Open)
	return nil
}

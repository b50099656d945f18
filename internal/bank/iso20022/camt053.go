package iso20022

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/money"
)

// Statement is one account statement of one account: a camt.053 Stmt, or a
// CSV statement.
type Statement struct {
	// ID is the bank's id of the statement; empty for a CSV statement,
	// whose file the caller identifies by its hash.
	ID      string
	Account Account
	// Opening and Closing are the booked balances before the first entry
	// and after the last; nil for a CSV statement, which has none.
	Opening, Closing *Balance
	// Entries are the booked lines, in the file's order; each Reference
	// appears once.
	Entries []Entry
}

// Balance is a booked balance of a statement.
type Balance struct {
	// Amount is signed: a debit balance (an overdrawn account, which
	// custody never should be) is negative.
	Amount money.Fen
	Date   time.Time
}

// Entry is one booked line of a statement.
type Entry struct {
	// Reference identifies the line within the statement: the entry
	// reference (NtryRef), or the bank's reference when there is none.
	// A second line with the same Reference is the same line twice.
	Reference string
	// BankReference is the bank's own reference for the booking
	// (AcctSvcrRef), when given.
	BankReference string
	// EndToEndID is the end-to-end id of the transfer the line books: for
	// a payout, the id WritePain001 sent. Empty when the bank gives none
	// (or gives ISO's placeholder NOTPROVIDED).
	EndToEndID string
	// Amount is positive; Direction says which way it moved.
	Amount    money.Fen
	Direction Direction
	// Reversal marks the line as the reversal of an earlier one, as a
	// payout returned by the payee's bank (退票) is booked.
	Reversal    bool
	BookingDate time.Time
	// ValueDate is the date the money counts from; the booking date when
	// the bank gives none.
	ValueDate time.Time
	// Counterparty is the other side's name: the payee of a debit, the
	// payer of a credit; CounterpartyAccount its account, when given.
	Counterparty        string
	CounterpartyAccount Account
	// Remittance is the unstructured remittance information.
	Remittance string
	// TxCode is the bank transaction code (BkTxCd/Domn) when the bank
	// gives one: what kind of booking the line is.
	TxCode TxCode
}

// TxCode is an ISO 20022 bank transaction code (ExternalBankTransaction
// Domain, Family and SubFamily codes).
type TxCode struct {
	Domain, Family, SubFamily string
}

// The bank transaction code of interest credited to an account: domain
// Account Management (ACMT), family Miscellaneous Credit Operations
// (MCOP), sub-family Interest (INTR).
var InterestCode = TxCode{Domain: "ACMT", Family: "MCOP", SubFamily: "INTR"}

// Interest reports whether the line books interest credited by the bank:
// a credit whose transaction code is of domain ACMT and sub-family INTR
// (whatever the family the bank files it under), not a reversal.
func (e Entry) Interest() bool {
	return e.Direction == Credit && !e.Reversal && e.TxCode.Domain == "ACMT" && e.TxCode.SubFamily == "INTR"
}

type balanceXML struct {
	Tp []struct {
		CdOrPrtry []struct {
			Cd    []string
			Prtry []string
		}
	}
	Amt       []amountXML
	CdtDbtInd []string
	Dt        []dateXML
}

type partyXML struct {
	Nm  []string
	Pty []struct{ Nm []string }
}

type entryXML struct {
	NtryRef   []string
	Amt       []amountXML
	CdtDbtInd []string
	RvslInd   []string
	Sts       []struct {
		Code string `xml:",chardata"`
		Cd   []string
	}
	BookgDt     []dateXML
	ValDt       []dateXML
	AcctSvcrRef []string
	BkTxCd      []struct {
		Domn []struct {
			Cd   []string
			Fmly []struct {
				Cd        []string
				SubFmlyCd []string
			}
		}
	}
	NtryDtls []struct{ TxDtls []txDetailsXML }
}

type txDetailsXML struct {
	Refs      []struct{ EndToEndId []string }
	RltdPties []struct {
		Dbtr     []partyXML
		DbtrAcct []accountIDXML
		Cdtr     []partyXML
		CdtrAcct []accountIDXML
	}
	RmtInf []struct{ Ustrd []string }
}

// camt053Versions are the camt.053 versions ParseCamt053 reads: the one of
// the release pain.001.001.09 belongs to, and the 2009 one.
var camt053Versions = []string{"camt.053.001.08", "camt.053.001.02"}

// ParseCamt053 reads a bank-to-customer statement holding one statement of
// one account. It reads the file as a stream, one entry at a time, so a
// statement of a million lines needs memory for its entries but not for
// its XML. It refuses the whole file when the XML is not well-formed or an
// element is missing, repeated or invalid (ErrMalformed); when it is not a
// camt.053 of a version it reads (ErrWrongMessage); when it holds more than
// one statement (ErrMalformed: each file is applied whole, so one account
// and one period per file); when any amount or the account is not in CNY
// (ErrCurrency); when an entry is not booked (status other than BOOK: a
// pending line belongs in an intraday camt.052, not in the statement the
// ledger is reconciled to) or books several transfers at once, which would
// hide their end-to-end ids (ErrMalformed); when two entries have the same
// reference (ErrDuplicate); and when the opening balance plus the credits
// less the debits is not the closing balance (ErrUnbalanced). Whether the
// account is the custody account is for the caller to check.
func ParseCamt053(r io.Reader) (Statement, error) {
	dec, root, err := openDocument(r, camt053Versions...)
	if err != nil {
		return Statement{}, err
	}
	var st Statement
	var stmts, rpts int
	err = children(dec, root, func(se xml.StartElement) error {
		if se.Name.Local != "BkToCstmrStmt" {
			return fmt.Errorf("iso20022: unexpected element %.40s in Document: %w", se.Name.Local, ErrWrongMessage)
		}
		rpts++
		return children(dec, se, func(se xml.StartElement) error {
			if se.Name.Local != "Stmt" {
				return skip(dec)
			}
			if stmts++; stmts > 1 {
				return fmt.Errorf("iso20022: camt.053 holds more than one statement: %w", ErrMalformed)
			}
			return readStatement(dec, se, &st)
		})
	})
	if err != nil {
		return Statement{}, err
	}
	if err := closeDocument(dec); err != nil {
		return Statement{}, err
	}
	if rpts != 1 || stmts != 1 {
		return Statement{}, fmt.Errorf("iso20022: camt.053 holds %d BkToCstmrStmt and %d Stmt, want one of each: %w", rpts, stmts, ErrMalformed)
	}
	if err := checkBalance(st); err != nil {
		return Statement{}, err
	}
	return st, nil
}

// children calls fn for each child element of parent, which has just been
// read; fn must consume the element it is given. Text between children
// must be white space.
func children(dec *xml.Decoder, parent xml.StartElement, fn func(xml.StartElement) error) error {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		case xml.CharData:
			if text(string(t)) != "" {
				return fmt.Errorf("iso20022: text inside %.40s: %w", parent.Name.Local, ErrMalformed)
			}
		}
	}
}

// skip consumes an element the parser does not read.
func skip(dec *xml.Decoder) error {
	if err := dec.Skip(); err != nil {
		return xmlError(err)
	}
	return nil
}

// readStatement reads one Stmt into st, checking each entry as it comes.
func readStatement(dec *xml.Decoder, stmt xml.StartElement, st *Statement) error {
	var ids, accts int
	seen := map[string]bool{}
	err := children(dec, stmt, func(se xml.StartElement) error {
		switch se.Name.Local {
		case "Id":
			var s string
			if err := dec.DecodeElement(&s, &se); err != nil {
				return xmlError(err)
			}
			ids++
			st.ID = text(s)
		case "Acct":
			var a accountIDXML
			if err := dec.DecodeElement(&a, &se); err != nil {
				return xmlError(err)
			}
			accts++
			acc, err := a.account("Stmt/Acct")
			if err != nil {
				return err
			}
			st.Account = acc
		case "Bal":
			var b balanceXML
			if err := dec.DecodeElement(&b, &se); err != nil {
				return xmlError(err)
			}
			return readBalance(b, st)
		case "Ntry":
			var x entryXML
			if err := dec.DecodeElement(&x, &se); err != nil {
				return xmlError(err)
			}
			e, err := readEntry(x)
			if err != nil {
				return fmt.Errorf("entry %d: %w", len(st.Entries)+1, err)
			}
			if seen[e.Reference] {
				return fmt.Errorf("iso20022: entry %q appears twice: %w", e.Reference, ErrDuplicate)
			}
			if len(st.Entries) >= maxEntries {
				return fmt.Errorf("iso20022: statement has more than %d entries: %w", maxEntries, ErrMalformed)
			}
			seen[e.Reference] = true
			st.Entries = append(st.Entries, e)
		default:
			return skip(dec)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ids != 1 || !checkText(st.ID, 35, true) {
		return fmt.Errorf("iso20022: Stmt/Id is missing, repeated or invalid: %w", ErrMalformed)
	}
	if accts != 1 {
		return fmt.Errorf("iso20022: Stmt/Acct appears %d times, want once: %w", accts, ErrMalformed)
	}
	if st.Opening == nil || st.Closing == nil {
		return fmt.Errorf("iso20022: statement lacks an opening (OPBD or PRCD) or closing (CLBD) booked balance: %w", ErrMalformed)
	}
	return nil
}

// readBalance keeps the opening and closing booked balances; a statement
// may carry others (available, forward), which reconciliation does not use.
func readBalance(b balanceXML, st *Statement) error {
	tp, err := one("Bal/Tp", b.Tp)
	if err != nil {
		return err
	}
	cp, err := one("Bal/Tp/CdOrPrtry", tp.CdOrPrtry)
	if err != nil {
		return err
	}
	cd, err := opt("Bal/Tp/CdOrPrtry/Cd", cp.Cd)
	if err != nil {
		return err
	}
	var dst **Balance
	switch text(cd) {
	case "OPBD", "PRCD":
		dst = &st.Opening
	case "CLBD":
		dst = &st.Closing
	default:
		return nil
	}
	if *dst != nil {
		return fmt.Errorf("iso20022: statement has two %s balances: %w", text(cd), ErrMalformed)
	}
	amt, err := one("Bal/Amt", b.Amt)
	if err != nil {
		return err
	}
	f, err := amt.fen("balance " + text(cd))
	if err != nil {
		return err
	}
	dir, err := direction("Bal/CdtDbtInd", b.CdtDbtInd)
	if err != nil {
		return err
	}
	if dir == Debit {
		f = -f
	}
	d, err := one("Bal/Dt", b.Dt)
	if err != nil {
		return err
	}
	dt, dtTm, err := d.value("Bal/Dt")
	if err != nil {
		return err
	}
	date, err := dateOf(dt, dtTm)
	if err != nil {
		return fmt.Errorf("iso20022: balance %s: %w", text(cd), err)
	}
	*dst = &Balance{Amount: f, Date: date}
	return nil
}

func direction(what string, xs []string) (Direction, error) {
	s, err := one(what, xs)
	if err != nil {
		return "", err
	}
	switch d := Direction(text(s)); d {
	case Credit, Debit:
		return d, nil
	}
	return "", fmt.Errorf("iso20022: %s %.8q is neither CRDT nor DBIT: %w", what, s, ErrMalformed)
}

// readEntry checks one Ntry and reads what reconciliation needs of it.
func readEntry(x entryXML) (Entry, error) {
	var e Entry
	ref, err := opt("NtryRef", x.NtryRef)
	if err != nil {
		return Entry{}, err
	}
	bank, err := opt("AcctSvcrRef", x.AcctSvcrRef)
	if err != nil {
		return Entry{}, err
	}
	e.Reference, e.BankReference = text(ref), text(bank)
	if e.Reference == "" {
		e.Reference = e.BankReference
	}
	if !checkText(e.Reference, 35, true) || !checkText(e.BankReference, 35, false) {
		return Entry{}, fmt.Errorf("iso20022: entry has no reference (NtryRef or AcctSvcrRef), or an invalid one: %w", ErrMalformed)
	}
	sts, err := one("Ntry/Sts", x.Sts)
	if err != nil {
		return Entry{}, err
	}
	code := text(sts.Code)
	if len(sts.Cd) > 0 {
		// camt.053.001.08 wraps the code in Cd; .02 has it bare.
		cd, err := one("Ntry/Sts/Cd", sts.Cd)
		if err != nil || code != "" {
			return Entry{}, fmt.Errorf("iso20022: entry %q status is not one code: %w", e.Reference, ErrMalformed)
		}
		code = text(cd)
	}
	if code != "BOOK" {
		return Entry{}, fmt.Errorf("iso20022: entry %q has status %.8q, not BOOK: %w", e.Reference, code, ErrMalformed)
	}
	amt, err := one("Ntry/Amt", x.Amt)
	if err != nil {
		return Entry{}, err
	}
	if e.Amount, err = amt.fen("entry " + e.Reference); err != nil {
		return Entry{}, err
	}
	if e.Amount == 0 {
		return Entry{}, fmt.Errorf("iso20022: entry %q has amount zero: %w", e.Reference, ErrMalformed)
	}
	if e.Direction, err = direction("Ntry/CdtDbtInd", x.CdtDbtInd); err != nil {
		return Entry{}, err
	}
	rv, err := opt("Ntry/RvslInd", x.RvslInd)
	if err != nil {
		return Entry{}, err
	}
	switch text(rv) {
	case "", "false", "0":
	case "true", "1":
		e.Reversal = true
	default:
		return Entry{}, fmt.Errorf("iso20022: entry %q RvslInd %.8q is not a boolean: %w", e.Reference, rv, ErrMalformed)
	}
	bd, err := one("Ntry/BookgDt", x.BookgDt)
	if err != nil {
		return Entry{}, err
	}
	if e.BookingDate, err = entryDate("BookgDt", bd); err != nil {
		return Entry{}, err
	}
	e.ValueDate = e.BookingDate
	if len(x.ValDt) > 0 {
		vd, err := one("Ntry/ValDt", x.ValDt)
		if err != nil {
			return Entry{}, err
		}
		if e.ValueDate, err = entryDate("ValDt", vd); err != nil {
			return Entry{}, err
		}
	}
	if e.TxCode, err = readTxCode(x); err != nil {
		return Entry{}, fmt.Errorf("entry %q: %w", e.Reference, err)
	}
	if err := readDetails(x, &e); err != nil {
		return Entry{}, fmt.Errorf("entry %q: %w", e.Reference, err)
	}
	return e, nil
}

// transferCode is the code of a plain credit transfer, sent (a debit) or
// received (a credit): what WriteCamt053 writes for a line without a code.
func transferCode(d Direction) TxCode {
	if d == Credit {
		return TxCode{Domain: "PMNT", Family: "RCDT", SubFamily: "DMCT"}
	}
	return TxCode{Domain: "PMNT", Family: "ICDT", SubFamily: "DMCT"}
}

// readTxCode reads the optional domain code of BkTxCd (a proprietary code
// alone, which some banks give, reads as none).
func readTxCode(x entryXML) (TxCode, error) {
	var c TxCode
	b, err := opt("Ntry/BkTxCd", x.BkTxCd)
	if err != nil || len(b.Domn) == 0 {
		return c, err
	}
	d, err := one("Ntry/BkTxCd/Domn", b.Domn)
	if err != nil {
		return c, err
	}
	cd, err := one("Ntry/BkTxCd/Domn/Cd", d.Cd)
	if err != nil {
		return c, err
	}
	f, err := one("Ntry/BkTxCd/Domn/Fmly", d.Fmly)
	if err != nil {
		return c, err
	}
	fc, err := one("Ntry/BkTxCd/Domn/Fmly/Cd", f.Cd)
	if err != nil {
		return c, err
	}
	sc, err := one("Ntry/BkTxCd/Domn/Fmly/SubFmlyCd", f.SubFmlyCd)
	if err != nil {
		return c, err
	}
	c = TxCode{Domain: text(cd), Family: text(fc), SubFamily: text(sc)}
	if c == transferCode(Debit) || c == transferCode(Credit) {
		// The plain transfer codes say nothing the line's direction does
		// not: they read as none, which WriteCamt053 writes back as them.
		return TxCode{}, nil
	}
	for _, v := range []string{c.Domain, c.Family, c.SubFamily} {
		if !checkText(v, 4, true) {
			return TxCode{}, fmt.Errorf("iso20022: bank transaction code %.16q is not a code: %w", v, ErrMalformed)
		}
	}
	return c, nil
}

func entryDate(what string, d dateXML) (time.Time, error) {
	dt, dtTm, err := d.value(what)
	if err != nil {
		return time.Time{}, err
	}
	return dateOf(dt, dtTm)
}

// readDetails reads the transaction details of an entry, which must book
// at most one transfer: a batch booking would hide the end-to-end id of
// each payout it holds (WritePain001 asks for single bookings).
func readDetails(x entryXML, e *Entry) error {
	var n int
	for _, d := range x.NtryDtls {
		n += len(d.TxDtls)
	}
	if n > 1 {
		return fmt.Errorf("iso20022: entry books %d transfers at once: %w", n, ErrMalformed)
	}
	if n == 0 {
		return nil
	}
	var t txDetailsXML
	for _, d := range x.NtryDtls {
		if len(d.TxDtls) == 1 {
			t = d.TxDtls[0]
		}
	}
	refs, err := opt("TxDtls/Refs", t.Refs)
	if err != nil {
		return err
	}
	e2e, err := opt("TxDtls/Refs/EndToEndId", refs.EndToEndId)
	if err != nil {
		return err
	}
	if e2e = text(e2e); e2e != "NOTPROVIDED" {
		if !checkText(e2e, 35, false) {
			return fmt.Errorf("iso20022: EndToEndId %.40q is not valid: %w", e2e, ErrMalformed)
		}
		e.EndToEndID = e2e
	}
	parties, err := opt("TxDtls/RltdPties", t.RltdPties)
	if err != nil {
		return err
	}
	// The counterparty of money out is its creditor, of money in its
	// debtor.
	party, acct := parties.Dbtr, parties.DbtrAcct
	if e.Direction == Debit {
		party, acct = parties.Cdtr, parties.CdtrAcct
	}
	p, err := opt("RltdPties party", party)
	if err != nil {
		return err
	}
	nm, err := opt("party Nm", p.Nm)
	if err != nil {
		return err
	}
	if len(p.Pty) > 0 {
		pty, err := one("party Pty", p.Pty)
		if err != nil {
			return err
		}
		if nm, err = one("party Pty/Nm", pty.Nm); err != nil {
			return err
		}
	}
	e.Counterparty = strings.TrimSpace(nm)
	if !checkText(e.Counterparty, 140, false) {
		return fmt.Errorf("iso20022: counterparty name is not valid text: %w", ErrMalformed)
	}
	if len(acct) > 0 {
		a, err := one("RltdPties account", acct)
		if err != nil {
			return err
		}
		if e.CounterpartyAccount, err = a.account("counterparty account"); err != nil {
			return err
		}
	}
	rmt, err := opt("TxDtls/RmtInf", t.RmtInf)
	if err != nil {
		return err
	}
	e.Remittance = strings.TrimSpace(strings.Join(rmt.Ustrd, ""))
	if !checkText(e.Remittance, 140*len(rmt.Ustrd), false) {
		return fmt.Errorf("iso20022: remittance information is not valid text: %w", ErrMalformed)
	}
	return nil
}

// checkBalance proves that the entries account for the whole movement of
// the account: opening + credits − debits = closing. A line missing, a
// line twice that slipped past its reference, or a wrong amount all break
// the sum, and the file is refused rather than reconciled from (R-FUND-4).
func checkBalance(st Statement) error {
	sum := st.Opening.Amount
	for _, e := range st.Entries {
		a := e.Amount
		if e.Direction == Debit {
			a = -a
		}
		var err error
		if sum, err = add(sum, a); err != nil {
			return fmt.Errorf("iso20022: statement %q: %w", st.ID, err)
		}
	}
	if sum != st.Closing.Amount {
		return fmt.Errorf("iso20022: statement %q: opening %s plus entries makes %s, but the closing balance is %s: %w",
			st.ID, st.Opening.Amount, sum, st.Closing.Amount, ErrUnbalanced)
	}
	return nil
}

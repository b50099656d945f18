package iso20022

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/carefund/carefund/internal/money"
)

// Party is an account holder as a payment instruction names them: the
// custody account as debtor, or a payee as creditor.
type Party struct {
	Name    string
	Account Account
	Bank    Agent
}

// Transfer is one payout in a batch.
type Transfer struct {
	// ID is the payout's instruction id, sent as the end-to-end id: the
	// bank returns it in the status report and the statement, and that is
	// how each answer finds its payout.
	ID       string
	Amount   money.Fen
	Creditor Party
	// Remittance is the unstructured remittance information the payee
	// sees on their statement (at most 140 characters); it may be empty.
	Remittance string
}

// Batch is one pain.001 file: transfers from the custody account, all to be
// executed on one date.
type Batch struct {
	// MessageID identifies the file to the bank, which refuses a second
	// file with the same id; it is also the payment information id, as
	// the file holds one block of payments.
	MessageID string
	Created   time.Time
	// ExecutionDate is the date the bank is asked to pay on; only its
	// calendar date is written.
	ExecutionDate time.Time
	Debtor        Party
	Transfers     []Transfer
}

// The pain.001.001.09 document, as much of it as the platform writes. Field
// order is the schema's order, which banks validate.
type pain001Doc struct {
	XMLName xml.Name `xml:"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09 Document"`
	Initn   struct {
		GrpHdr struct {
			MsgId    string
			CreDtTm  string
			NbOfTxs  int
			CtrlSum  string
			InitgPty struct{ Nm string }
		}
		PmtInf struct {
			PmtInfId    string
			PmtMtd      string
			BtchBookg   bool
			NbOfTxs     int
			CtrlSum     string
			ReqdExctnDt struct{ Dt string }
			Dbtr        struct{ Nm string }
			DbtrAcct    accountXML
			DbtrAgt     agentXML
			CdtTrfTxInf []creditTransferXML
		}
	} `xml:"CstmrCdtTrfInitn"`
}

type accountXML struct {
	Id struct {
		IBAN string `xml:",omitempty"`
		Othr *struct{ Id string }
	}
	Ccy string `xml:",omitempty"`
}

type agentXML struct {
	FinInstnId struct {
		BICFI       string `xml:",omitempty"`
		ClrSysMmbId *struct {
			ClrSysId struct{ Cd string }
			MmbId    string
		}
		Nm string `xml:",omitempty"`
	}
}

type creditTransferXML struct {
	PmtId struct {
		InstrId    string
		EndToEndId string
	}
	Amt struct {
		InstdAmt struct {
			Ccy   string `xml:",attr"`
			Value string `xml:",chardata"`
		}
	}
	CdtrAgt  agentXML
	Cdtr     struct{ Nm string }
	CdtrAcct accountXML
	RmtInf   *struct{ Ustrd string }
}

func toAccountXML(a Account, ccy string) accountXML {
	var x accountXML
	if a.IBAN != "" {
		x.Id.IBAN = a.IBAN
	} else {
		x.Id.Othr = &struct{ Id string }{a.ID}
	}
	x.Ccy = ccy
	return x
}

func toAgentXML(a Agent) agentXML {
	var x agentXML
	x.FinInstnId.BICFI = a.BIC
	if a.CNAPS != "" {
		x.FinInstnId.ClrSysMmbId = &struct {
			ClrSysId struct{ Cd string }
			MmbId    string
		}{MmbId: a.CNAPS}
		x.FinInstnId.ClrSysMmbId.ClrSysId.Cd = "CNAPS"
	}
	x.FinInstnId.Nm = a.Name
	return x
}

// checkParty reports what is wrong with a debtor or creditor, or nil.
func checkParty(p Party) error {
	if !checkText(p.Name, 140, true) {
		return fmt.Errorf("name is missing, too long or has control characters")
	}
	if err := checkAccount(p.Account); err != nil {
		return err
	}
	b := p.Bank
	if b.BIC == "" && b.CNAPS == "" && b.Name == "" {
		return fmt.Errorf("bank is missing")
	}
	if b.BIC != "" && !((len(b.BIC) == 8 || len(b.BIC) == 11) && alnum(b.BIC) && upper(b.BIC[4:6])) {
		return fmt.Errorf("bank BIC is not valid")
	}
	if b.CNAPS != "" && (len(b.CNAPS) != 12 || !allDigits(b.CNAPS)) {
		return fmt.Errorf("bank CNAPS code is not 12 digits")
	}
	if !checkText(b.Name, 140, false) {
		return fmt.Errorf("bank name is too long or has control characters")
	}
	return nil
}

// WritePain001 writes b as a pain.001.001.09 customer credit transfer
// initiation: one payment block from the custody account, with the number
// of transfers and their control sum in the group header and the block (the
// bank rejects the file when either disagrees with the transfers, which
// catches a file truncated on the way), and batch booking off, so the bank
// books and reports every transfer on its own line, which is what
// reconciliation matches one by one. The output depends only on b: the same
// batch always gives the same bytes, so a file can be rewritten and compared
// after a crash. It returns ErrInvalidTransfer, and writes nothing, for a
// batch the bank would refuse.
func WritePain001(w io.Writer, b Batch) error {
	var doc pain001Doc
	if err := fillPain001(&doc, b); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("iso20022: encoding pain.001: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

func fillPain001(doc *pain001Doc, b Batch) error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("iso20022: pain.001 %s: %w", fmt.Sprintf(format, args...), ErrInvalidTransfer)
	}
	if !checkID(b.MessageID) {
		return invalid("message id %.40q is not 1 to 35 letters, digits or /-?:().,'+", b.MessageID)
	}
	if b.Created.IsZero() || b.ExecutionDate.IsZero() {
		return invalid("creation time or execution date is missing")
	}
	if err := checkParty(b.Debtor); err != nil {
		return invalid("debtor: %v", err)
	}
	if len(b.Transfers) == 0 || len(b.Transfers) > maxEntries {
		return invalid("batch has %d transfers, want 1 to %d", len(b.Transfers), maxEntries)
	}
	seen := make(map[string]bool, len(b.Transfers))
	var sum money.Fen
	txs := make([]creditTransferXML, len(b.Transfers))
	for i, t := range b.Transfers {
		if !checkID(t.ID) {
			return invalid("transfer %d: id %.40q is not 1 to 35 letters, digits or /-?:().,'+", i, t.ID)
		}
		if seen[t.ID] {
			return invalid("transfer id %q appears twice", t.ID)
		}
		seen[t.ID] = true
		if t.Amount <= 0 || t.Amount > money.MaxFen {
			return invalid("transfer %q: amount %s is not positive", t.ID, t.Amount)
		}
		var err error
		if sum, err = add(sum, t.Amount); err != nil {
			return invalid("control sum: %v", err)
		}
		if err := checkParty(t.Creditor); err != nil {
			return invalid("transfer %q: creditor: %v", t.ID, err)
		}
		if !checkText(t.Remittance, 140, false) {
			return invalid("transfer %q: remittance information is over 140 characters or has control characters", t.ID)
		}
		x := &txs[i]
		x.PmtId.InstrId = t.ID
		x.PmtId.EndToEndId = t.ID
		x.Amt.InstdAmt.Ccy = Currency
		x.Amt.InstdAmt.Value = t.Amount.String()
		x.CdtrAgt = toAgentXML(t.Creditor.Bank)
		x.Cdtr.Nm = t.Creditor.Name
		x.CdtrAcct = toAccountXML(t.Creditor.Account, "")
		if t.Remittance != "" {
			x.RmtInf = &struct{ Ustrd string }{t.Remittance}
		}
	}
	g := &doc.Initn.GrpHdr
	g.MsgId = b.MessageID
	g.CreDtTm = b.Created.Truncate(time.Second).Format(time.RFC3339)
	g.NbOfTxs = len(txs)
	g.CtrlSum = sum.String()
	g.InitgPty.Nm = b.Debtor.Name
	p := &doc.Initn.PmtInf
	p.PmtInfId = b.MessageID
	p.PmtMtd = "TRF"
	p.BtchBookg = false
	p.NbOfTxs = len(txs)
	p.CtrlSum = sum.String()
	p.ReqdExctnDt.Dt = b.ExecutionDate.Format(time.DateOnly)
	p.Dbtr.Nm = b.Debtor.Name
	p.DbtrAcct = toAccountXML(b.Debtor.Account, Currency)
	p.DbtrAgt = toAgentXML(b.Debtor.Bank)
	p.CdtTrfTxInf = txs
	return nil
}

package iso20022

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/money"
)

// The writers of the bank's side of the conversation: a camt.053 statement
// and a pain.002 status report. The platform never sends these to a bank;
// the sandbox bank writes them, so that the file adapter, reconciliation and
// `carefund reconcile --statement FILE` are tested against files in the
// formats a real bank sends. Each writer parses what it wrote before
// handing it out, so it never produces a file its own parser refuses.

type camt053Doc struct {
	XMLName xml.Name `xml:"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08 Document"`
	Stmt    struct {
		GrpHdr struct {
			MsgId   string
			CreDtTm string
		}
		Stmt struct {
			Id      string
			CreDtTm string
			Acct    accountXML
			Bal     []balanceOutXML
			Ntry    []entryOutXML
		}
	} `xml:"BkToCstmrStmt"`
}

type balanceOutXML struct {
	Tp struct {
		CdOrPrtry struct{ Cd string }
	}
	Amt       amountOutXML
	CdtDbtInd Direction
	Dt        struct{ Dt string }
}

type amountOutXML struct {
	Ccy   string `xml:",attr"`
	Value string `xml:",chardata"`
}

type partyOutXML struct {
	Pty struct{ Nm string }
}

type entryOutXML struct {
	NtryRef   string
	Amt       amountOutXML
	CdtDbtInd Direction
	RvslInd   bool
	Sts       struct{ Cd string }
	BookgDt   struct{ Dt string }
	ValDt     struct{ Dt string }
	// AcctSvcrRef is optional; omitted when empty.
	AcctSvcrRef string `xml:",omitempty"`
	BkTxCd      struct {
		Domn struct {
			Cd   string
			Fmly struct {
				Cd        string
				SubFmlyCd string
			}
		}
	}
	NtryDtls *struct {
		TxDtls struct {
			Refs struct {
				EndToEndId string
			}
			RltdPties *struct {
				Dbtr     *partyOutXML
				DbtrAcct *accountXML
				Cdtr     *partyOutXML
				CdtrAcct *accountXML
			}
			RmtInf *struct{ Ustrd []string }
		}
	}
}

func amountOut(f money.Fen) amountOutXML {
	return amountOutXML{Ccy: Currency, Value: f.String()}
}

// chunks splits s into pieces of at most n characters, as ISO 20022's
// repeated text elements carry long text.
func chunks(s string, n int) []string {
	var out []string
	for s != "" {
		i, c := 0, 0
		for i < len(s) && c < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			c++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

// WriteCamt053 writes st as a camt.053.001.08 statement created at
// created. The statement needs an ID, an account, and opening and closing
// balances that its entries account for: whatever ParseCamt053 would refuse
// is refused here (with the parser's error), and nothing is written. Each
// entry is written with its bank transaction code (payment, credit
// transfer) and, when it has any, its end-to-end id, counterparty and
// remittance information; entries without an end-to-end id carry ISO's
// NOTPROVIDED.
func WriteCamt053(w io.Writer, st Statement, created time.Time) error {
	if st.Opening == nil || st.Closing == nil {
		return fmt.Errorf("iso20022: a camt.053 needs opening and closing balances: %w", ErrMalformed)
	}
	var doc camt053Doc
	cre := created.In(bankZone).Truncate(time.Second).Format(time.RFC3339)
	doc.Stmt.GrpHdr.MsgId = st.ID
	doc.Stmt.GrpHdr.CreDtTm = cre
	s := &doc.Stmt.Stmt
	s.Id, s.CreDtTm = st.ID, cre
	s.Acct = toAccountXML(st.Account, Currency)
	for _, b := range []struct {
		code string
		bal  *Balance
	}{{"OPBD", st.Opening}, {"CLBD", st.Closing}} {
		var x balanceOutXML
		x.Tp.CdOrPrtry.Cd = b.code
		x.Amt, x.CdtDbtInd = amountOut(b.bal.Amount), Credit
		if b.bal.Amount < 0 {
			x.Amt, x.CdtDbtInd = amountOut(-b.bal.Amount), Debit
		}
		x.Dt.Dt = b.bal.Date.Format(time.DateOnly)
		s.Bal = append(s.Bal, x)
	}
	s.Ntry = make([]entryOutXML, len(st.Entries))
	for i, e := range st.Entries {
		x := &s.Ntry[i]
		x.NtryRef, x.Amt, x.CdtDbtInd, x.RvslInd = e.Reference, amountOut(e.Amount), e.Direction, e.Reversal
		x.Sts.Cd = "BOOK"
		x.BookgDt.Dt = e.BookingDate.Format(time.DateOnly)
		vd := e.ValueDate
		if vd.IsZero() {
			vd = e.BookingDate
		}
		x.ValDt.Dt = vd.Format(time.DateOnly)
		x.AcctSvcrRef = e.BankReference
		code := e.TxCode
		if code == (TxCode{}) {
			code = transferCode(e.Direction)
		}
		x.BkTxCd.Domn.Cd, x.BkTxCd.Domn.Fmly.Cd, x.BkTxCd.Domn.Fmly.SubFmlyCd = code.Domain, code.Family, code.SubFamily
		hasAcct := e.CounterpartyAccount != (Account{})
		if e.EndToEndID == "" && e.Counterparty == "" && !hasAcct && e.Remittance == "" {
			continue
		}
		x.NtryDtls = new(struct {
			TxDtls struct {
				Refs struct {
					EndToEndId string
				}
				RltdPties *struct {
					Dbtr     *partyOutXML
					DbtrAcct *accountXML
					Cdtr     *partyOutXML
					CdtrAcct *accountXML
				}
				RmtInf *struct{ Ustrd []string }
			}
		})
		t := &x.NtryDtls.TxDtls
		t.Refs.EndToEndId = e.EndToEndID
		if t.Refs.EndToEndId == "" {
			t.Refs.EndToEndId = "NOTPROVIDED"
		}
		if e.Counterparty != "" || hasAcct {
			t.RltdPties = new(struct {
				Dbtr     *partyOutXML
				DbtrAcct *accountXML
				Cdtr     *partyOutXML
				CdtrAcct *accountXML
			})
			var p *partyOutXML
			if e.Counterparty != "" {
				p = &partyOutXML{}
				p.Pty.Nm = e.Counterparty
			}
			var a *accountXML
			if hasAcct {
				ax := toAccountXML(e.CounterpartyAccount, "")
				a = &ax
			}
			if e.Direction == Debit {
				t.RltdPties.Cdtr, t.RltdPties.CdtrAcct = p, a
			} else {
				t.RltdPties.Dbtr, t.RltdPties.DbtrAcct = p, a
			}
		}
		if e.Remittance != "" {
			t.RmtInf = &struct{ Ustrd []string }{chunks(e.Remittance, 140)}
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("iso20022: encoding camt.053: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := ParseCamt053(bytes.NewReader(buf.Bytes())); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type pain002OutDoc struct {
	XMLName xml.Name `xml:"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10 Document"`
	Rpt     struct {
		GrpHdr struct {
			MsgId   string
			CreDtTm string
		}
		OrgnlGrpInfAndSts struct {
			OrgnlMsgId   string
			OrgnlMsgNmId string
			GrpSts       string        `xml:",omitempty"`
			StsRsnInf    *reasonOutXML `xml:",omitempty"`
		}
		OrgnlPmtInfAndSts *struct {
			OrgnlPmtInfId string
			TxInfAndSts   []txStatusOutXML
		}
	} `xml:"CstmrPmtStsRpt"`
}

type reasonOutXML struct {
	Rsn *struct {
		Cd    string `xml:",omitempty"`
		Prtry string `xml:",omitempty"`
	}
	AddtlInf []string
}

type txStatusOutXML struct {
	OrgnlInstrId    string
	OrgnlEndToEndId string
	TxSts           Status
	StsRsnInf       *reasonOutXML
}

// reasonOut writes a reason: an ISO external code (four upper-case letters
// or digits) as Cd, anything else as the bank's proprietary code.
func reasonOut(reason, info string) *reasonOutXML {
	if reason == "" && info == "" {
		return nil
	}
	r := &reasonOutXML{AddtlInf: chunks(info, 105)}
	if reason != "" {
		r.Rsn = &struct {
			Cd    string `xml:",omitempty"`
			Prtry string `xml:",omitempty"`
		}{}
		if len(reason) == 4 && alnum(reason) && upper(reason[:1]) {
			r.Rsn.Cd = reason
		} else {
			r.Rsn.Prtry = reason
		}
	}
	return r
}

// WritePain002 writes r as a pain.002.001.10 payment status report created
// at created, answering the pain.001.001.09 named by r.OriginalMessageID,
// its transfers in order of end-to-end id (the report's map has no order,
// and the same report must always give the same bytes). Whatever
// ParsePain002 would refuse (no status at all, an unknown code, a
// rejection without a reason) is refused here with the parser's error, and
// nothing is written.
func WritePain002(w io.Writer, r StatusReport, created time.Time) error {
	var doc pain002OutDoc
	doc.Rpt.GrpHdr.MsgId = r.MessageID
	doc.Rpt.GrpHdr.CreDtTm = created.In(bankZone).Truncate(time.Second).Format(time.RFC3339)
	g := &doc.Rpt.OrgnlGrpInfAndSts
	g.OrgnlMsgId, g.OrgnlMsgNmId = r.OriginalMessageID, "pain.001.001.09"
	g.GrpSts = string(r.GroupStatus)
	if r.GroupStatus != "" {
		g.StsRsnInf = reasonOut(r.GroupReason, "")
	}
	ids := make([]string, 0, len(r.Transactions))
	for id := range r.Transactions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) > 0 {
		doc.Rpt.OrgnlPmtInfAndSts = &struct {
			OrgnlPmtInfId string
			TxInfAndSts   []txStatusOutXML
		}{OrgnlPmtInfId: r.OriginalMessageID}
		for _, id := range ids {
			t := r.Transactions[id]
			doc.Rpt.OrgnlPmtInfAndSts.TxInfAndSts = append(doc.Rpt.OrgnlPmtInfAndSts.TxInfAndSts, txStatusOutXML{
				OrgnlInstrId: id, OrgnlEndToEndId: id, TxSts: t.Status, StsRsnInf: reasonOut(t.Reason, t.Info),
			})
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("iso20022: encoding pain.002: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := ParsePain002(bytes.NewReader(buf.Bytes())); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

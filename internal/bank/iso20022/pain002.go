package iso20022

import (
	"fmt"
	"io"
	"strings"
)

// Status is an ISO 20022 payment status code, as a pain.002 reports it for
// a whole file or for one transfer.
type Status string

// The status codes a pain.002 may carry (ISO's external code lists for
// group and transaction status). Any other code is refused: a status the
// platform does not understand must not be taken for "paid" or for
// "rejected".
const (
	Received                  Status = "RCVD" // the bank has the file, nothing checked yet
	AcceptedTechnical         Status = "ACTC" // syntax and signature checked
	Accepted                  Status = "ACCP" // customer profile checked
	AcceptedFundsChecked      Status = "ACFC" // funds available
	AcceptedSettlementProcess Status = "ACSP" // on its way
	AcceptedWithChange        Status = "ACWC" // accepted, some detail changed
	AcceptedWithoutPosting    Status = "ACWP" // accepted, not yet posted to the creditor
	AcceptedIssued            Status = "ACIS" // accepted, instrument issued
	AcceptedDebitedPending    Status = "ACPD" // accepted, clearing pending
	AcceptedSettled           Status = "ACSC" // the custody account has been debited
	AcceptedCreditSettled     Status = "ACCC" // the payee's account has been credited
	Pending                   Status = "PDNG" // waiting for a check or a cut-off
	PartiallyAccepted         Status = "PART" // group only: some transfers rejected
	Rejected                  Status = "RJCT" // not paid; a reason says why
	Cancelled                 Status = "CANC" // cancelled before settlement
	Blocked                   Status = "BLCK" // blocked, for sanctions or a court order
	Presented                 Status = "PRES" // presented, awaiting acceptance
	PaymentCancelled          Status = "PATC" // partially accepted technical, cancelled
)

var knownStatus = map[Status]bool{
	Received: true, AcceptedTechnical: true, Accepted: true, AcceptedFundsChecked: true,
	AcceptedSettlementProcess: true, AcceptedWithChange: true, AcceptedWithoutPosting: true,
	AcceptedIssued: true, AcceptedDebitedPending: true, AcceptedSettled: true,
	AcceptedCreditSettled: true, Pending: true, PartiallyAccepted: true, Rejected: true,
	Cancelled: true, Blocked: true, Presented: true, PaymentCancelled: true,
}

// Failed reports whether the status means the money did not leave and will
// not: the payout goes back to the request.
func (s Status) Failed() bool { return s == Rejected || s == Cancelled }

// Settled reports whether the status means the money left the custody
// account. The statement, not this report, is what the ledger posts from;
// this only lets the payout show "paid" before the statement arrives.
func (s Status) Settled() bool { return s == AcceptedSettled || s == AcceptedCreditSettled }

// TransactionStatus is the bank's answer about one transfer.
type TransactionStatus struct {
	// EndToEndID is the transfer's id as sent in the pain.001.
	EndToEndID string
	Status     Status
	// Reason is the ISO reason code (AC04 "account closed", AM04
	// "insufficient funds", …) or the bank's proprietary code; a
	// rejection always has one.
	Reason string
	// Info is the bank's additional text about the status, if any.
	Info string
}

// StatusReport is a parsed pain.002.
type StatusReport struct {
	// MessageID is the report's own id, which the adapter uses to notice a
	// report it has already applied.
	MessageID string
	// OriginalMessageID is the MessageID of the pain.001 the report
	// answers.
	OriginalMessageID string
	// GroupStatus is the status of the whole pain.001, or "" when the
	// report gives only the transfers'.
	GroupStatus Status
	GroupReason string
	// Transactions holds each reported transfer's status by end-to-end
	// id; a transfer of the pain.001 that is not here has no news.
	Transactions map[string]TransactionStatus
}

type reasonXML struct {
	Rsn []struct {
		Cd    []string
		Prtry []string
	}
	AddtlInf []string
}

type pain002Doc struct {
	Rpt []struct {
		GrpHdr []struct {
			MsgId []string
		}
		OrgnlGrpInfAndSts []struct {
			OrgnlMsgId   []string
			OrgnlMsgNmId []string
			GrpSts       []string
			StsRsnInf    []reasonXML
		}
		OrgnlPmtInfAndSts []struct {
			TxInfAndSts []struct {
				OrgnlEndToEndId []string
				TxSts           []string
				StsRsnInf       []reasonXML
			}
		}
	} `xml:"CstmrPmtStsRpt"`
}

// pain002Versions are the pain.002 versions ParsePain002 reads: the one that
// answers pain.001.001.09, and the 2009 one many banks still send.
var pain002Versions = []string{"pain.002.001.10", "pain.002.001.03"}

// ParsePain002 reads a payment status report. It refuses the whole file
// when it is not well-formed XML (ErrMalformed), is not a pain.002 of a
// version it reads (ErrWrongMessage), lacks the report's id, the original
// message id, or any status at all, has a status code it does not know, a
// rejection without a reason, or a transfer without its end-to-end id
// (ErrMalformed), or reports one end-to-end id twice (ErrDuplicate), since
// two answers about one transfer cannot both be believed. Whether each id
// belongs to a payout the platform sent is for the caller to check: this
// package knows no payouts.
func ParsePain002(r io.Reader) (StatusReport, error) {
	dec, root, err := openDocument(r, pain002Versions...)
	if err != nil {
		return StatusReport{}, err
	}
	var doc pain002Doc
	if err := dec.DecodeElement(&doc, &root); err != nil {
		return StatusReport{}, xmlError(err)
	}
	if err := closeDocument(dec); err != nil {
		return StatusReport{}, err
	}
	rpt, err := one("CstmrPmtStsRpt", doc.Rpt)
	if err != nil {
		return StatusReport{}, err
	}
	var sr StatusReport
	hdr, err := one("GrpHdr", rpt.GrpHdr)
	if err != nil {
		return StatusReport{}, err
	}
	if sr.MessageID, err = requiredID("GrpHdr/MsgId", hdr.MsgId); err != nil {
		return StatusReport{}, err
	}
	grp, err := one("OrgnlGrpInfAndSts", rpt.OrgnlGrpInfAndSts)
	if err != nil {
		return StatusReport{}, err
	}
	if sr.OriginalMessageID, err = requiredID("OrgnlGrpInfAndSts/OrgnlMsgId", grp.OrgnlMsgId); err != nil {
		return StatusReport{}, err
	}
	nm, err := opt("OrgnlMsgNmId", grp.OrgnlMsgNmId)
	if err != nil {
		return StatusReport{}, err
	}
	if nm = text(nm); nm != "" && !strings.HasPrefix(nm, "pain.001.") {
		return StatusReport{}, fmt.Errorf("iso20022: pain.002 answers a %.40q, not a pain.001: %w", nm, ErrWrongMessage)
	}
	gs, err := opt("GrpSts", grp.GrpSts)
	if err != nil {
		return StatusReport{}, err
	}
	if gs = text(gs); gs != "" {
		if sr.GroupStatus, sr.GroupReason, _, err = status("group", gs, grp.StsRsnInf); err != nil {
			return StatusReport{}, err
		}
	}
	sr.Transactions = map[string]TransactionStatus{}
	for _, pmt := range rpt.OrgnlPmtInfAndSts {
		for _, tx := range pmt.TxInfAndSts {
			var ts TransactionStatus
			if ts.EndToEndID, err = requiredID("TxInfAndSts/OrgnlEndToEndId", tx.OrgnlEndToEndId); err != nil {
				return StatusReport{}, err
			}
			st, err := one("TxInfAndSts/TxSts", tx.TxSts)
			if err != nil {
				return StatusReport{}, fmt.Errorf("transfer %q: %w", ts.EndToEndID, err)
			}
			if ts.Status, ts.Reason, ts.Info, err = status("transfer "+ts.EndToEndID, text(st), tx.StsRsnInf); err != nil {
				return StatusReport{}, err
			}
			if ts.Status == PartiallyAccepted {
				return StatusReport{}, fmt.Errorf("iso20022: transfer %q has the group-only status PART: %w", ts.EndToEndID, ErrMalformed)
			}
			if _, dup := sr.Transactions[ts.EndToEndID]; dup {
				return StatusReport{}, fmt.Errorf("iso20022: transfer %q is reported twice: %w", ts.EndToEndID, ErrDuplicate)
			}
			sr.Transactions[ts.EndToEndID] = ts
		}
	}
	if sr.GroupStatus == "" && len(sr.Transactions) == 0 {
		return StatusReport{}, fmt.Errorf("iso20022: pain.002 reports no status at all: %w", ErrMalformed)
	}
	return sr, nil
}

// requiredID reads an identifier that must appear exactly once and not be
// blank.
func requiredID(what string, xs []string) (string, error) {
	s, err := one(what, xs)
	if err != nil {
		return "", err
	}
	s = text(s)
	if s == "" || !checkText(s, 35, true) {
		return "", fmt.Errorf("iso20022: %s %.40q is blank, over 35 characters or has control characters: %w", what, s, ErrMalformed)
	}
	return s, nil
}

// status checks a status code and reads its first reason; a rejection
// must have one.
func status(what, code string, reasons []reasonXML) (Status, string, string, error) {
	s := Status(code)
	if !knownStatus[s] {
		return "", "", "", fmt.Errorf("iso20022: %s has unknown status %.8q: %w", what, code, ErrMalformed)
	}
	var reason string
	var info []string
	for _, ri := range reasons {
		rsn, err := opt(what+" StsRsnInf/Rsn", ri.Rsn)
		if err != nil {
			return "", "", "", err
		}
		cd, err := opt(what+" Rsn/Cd", rsn.Cd)
		if err != nil {
			return "", "", "", err
		}
		prtry, err := opt(what+" Rsn/Prtry", rsn.Prtry)
		if err != nil {
			return "", "", "", err
		}
		cd, prtry = text(cd), text(prtry)
		if cd != "" && prtry != "" {
			return "", "", "", fmt.Errorf("iso20022: %s reason has both a code and a proprietary code: %w", what, ErrMalformed)
		}
		if r := cd + prtry; reason == "" && r != "" {
			if !checkText(r, 35, true) {
				return "", "", "", fmt.Errorf("iso20022: %s reason %.40q is not valid: %w", what, r, ErrMalformed)
			}
			reason = r
		}
		for _, a := range ri.AddtlInf {
			if a = text(a); a != "" {
				if !checkText(a, 105, false) {
					return "", "", "", fmt.Errorf("iso20022: %s additional information is not valid text: %w", what, ErrMalformed)
				}
				info = append(info, a)
			}
		}
	}
	if s == Rejected && reason == "" {
		return "", "", "", fmt.Errorf("iso20022: %s is rejected without a reason code: %w", what, ErrMalformed)
	}
	return s, reason, strings.Join(info, " "), nil
}

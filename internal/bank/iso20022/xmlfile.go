package iso20022

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/carefund/carefund/internal/money"
)

// isoNamespace is the prefix of every ISO 20022 message's XML namespace;
// the rest is the message name and version, "camt.053.001.08".
const isoNamespace = "urn:iso:std:iso:20022:tech:xsd:"

// openDocument reads r up to the start of its root element, which must be
// an ISO 20022 Document in one of the namespaces of versions (message
// names such as "pain.002.001.10"). It returns the decoder, positioned
// inside the root, and the root element. A DOCTYPE is refused: no bank file
// needs one, and entity declarations are a way to smuggle content in.
func openDocument(r io.Reader, versions ...string) (*xml.Decoder, xml.StartElement, error) {
	dec := xml.NewDecoder(r)
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, xml.StartElement{}, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.TrimPrefix(t.Name.Space, isoNamespace)
			if t.Name.Local != "Document" || name == t.Name.Space {
				return nil, t, fmt.Errorf("iso20022: root element {%.80s}%.40s is not an ISO 20022 Document: %w", t.Name.Space, t.Name.Local, ErrWrongMessage)
			}
			for _, v := range versions {
				if name == v {
					return dec, t, nil
				}
			}
			return nil, t, fmt.Errorf("iso20022: file is a %.40s, want one of %s: %w", name, strings.Join(versions, ", "), ErrWrongMessage)
		case xml.Directive:
			return nil, xml.StartElement{}, fmt.Errorf("iso20022: file has a DOCTYPE or other directive: %w", ErrMalformed)
		case xml.CharData:
			if strings.Trim(string(t), " \t\r\n") != "" {
				return nil, xml.StartElement{}, fmt.Errorf("iso20022: text before the root element: %w", ErrMalformed)
			}
		}
	}
}

// closeDocument checks that nothing but white space, comments and
// processing instructions follows the root element, so that two documents
// run together, or a document with garbage after it, are refused rather
// than read in part.
func closeDocument(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if strings.Trim(string(t), " \t\r\n") != "" {
				return fmt.Errorf("iso20022: text after the root element: %w", ErrMalformed)
			}
		case xml.Comment, xml.ProcInst:
		default:
			return fmt.Errorf("iso20022: content after the root element: %w", ErrMalformed)
		}
	}
}

// xmlError wraps a decoding error as ErrMalformed; an unexpected end of
// file is one too, since a truncated file must never be read as a shorter
// one.
func xmlError(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("iso20022: XML syntax error on line %d: %w", se.Line, ErrMalformed)
	}
	return fmt.Errorf("iso20022: reading XML: %v: %w", err, ErrMalformed)
}

// text is an element's character data with the white space XML Schema
// collapses for the simple types used here (codes, amounts, dates, ids)
// removed from both ends.
func text(s string) string { return strings.Trim(s, " \t\r\n") }

// one returns the single element of xs, which holds every occurrence of the
// element what: a required element missing, or one that may appear once
// appearing twice, makes the file malformed. Decoding into slices is how
// the parsers notice a repeated element, which encoding/xml would
// otherwise let overwrite the first silently.
func one[T any](what string, xs []T) (T, error) {
	var zero T
	if len(xs) != 1 {
		return zero, fmt.Errorf("iso20022: %s appears %d times, want once: %w", what, len(xs), ErrMalformed)
	}
	return xs[0], nil
}

// opt is one for an optional element: it returns the zero value when the
// element is absent.
func opt[T any](what string, xs []T) (T, error) {
	if len(xs) == 0 {
		var zero T
		return zero, nil
	}
	return one(what, xs)
}

// amountXML is an ISO 20022 ActiveOrHistoricCurrencyAndAmount.
type amountXML struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// fen reads the amount, which must be in CNY.
func (a amountXML) fen(what string) (money.Fen, error) {
	if a.Ccy != Currency {
		return 0, fmt.Errorf("iso20022: %s is in %.8q, not CNY: %w", what, a.Ccy, ErrCurrency)
	}
	f, err := parseAmount(text(a.Value))
	if err != nil {
		return 0, fmt.Errorf("iso20022: %s: %w", what, err)
	}
	return f, nil
}

// dateXML is an ISO 20022 DateAndDateTime2Choice.
type dateXML struct {
	Dt   []string
	DtTm []string
}

func (d dateXML) value(what string) (dt, dtTm string, err error) {
	if dt, err = opt(what+"/Dt", d.Dt); err != nil {
		return "", "", err
	}
	if dtTm, err = opt(what+"/DtTm", d.DtTm); err != nil {
		return "", "", err
	}
	return text(dt), text(dtTm), nil
}

// accountIDXML is an ISO 20022 CashAccount's Id and currency.
type accountIDXML struct {
	Id []struct {
		IBAN []string
		Othr []struct{ Id []string }
	}
	Ccy []string
}

// account reads the account's identifier: exactly one of IBAN and Othr/Id.
// A currency, when given, must be CNY.
func (a accountIDXML) account(what string) (Account, error) {
	id, err := one(what+"/Id", a.Id)
	if err != nil {
		return Account{}, err
	}
	var acc Account
	iban, err := opt(what+"/Id/IBAN", id.IBAN)
	if err != nil {
		return Account{}, err
	}
	acc.IBAN = text(iban)
	if len(id.Othr) > 0 {
		othr, err := one(what+"/Id/Othr", id.Othr)
		if err != nil {
			return Account{}, err
		}
		oid, err := one(what+"/Id/Othr/Id", othr.Id)
		if err != nil {
			return Account{}, err
		}
		acc.ID = text(oid)
	}
	if err := checkAccount(acc); err != nil {
		return Account{}, fmt.Errorf("iso20022: %s: %v: %w", what, err, ErrMalformed)
	}
	ccy, err := opt(what+"/Ccy", a.Ccy)
	if err != nil {
		return Account{}, err
	}
	if ccy != "" && text(ccy) != Currency {
		return Account{}, fmt.Errorf("iso20022: %s is in %.8q, not CNY: %w", what, ccy, ErrCurrency)
	}
	return acc, nil
}

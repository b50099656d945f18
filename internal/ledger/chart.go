package ledger

import (
	"fmt"
	"strings"
)

// Type is an account's type, which fixes its normal balance direction.
type Type string

// The account types.
const (
	Asset     Type = "asset"     // what the platform holds or is owed: debits increase it
	Liability Type = "liability" // what it owes (to requests, payees, charity): credits increase it
	Income    Type = "income"    // fees earned with consent: credits increase it
)

// Class is what the chart of accounts says about an account.
type Class struct {
	Type Type
	// NonNegative accounts can never be overdrawn: money held for a request,
	// money owed to a payee or to charity.
	NonNegative bool
}

// sign converts a signed posting amount (debit positive) into the change of
// the account's balance in its normal direction.
func (c Class) sign() int64 {
	if c.Type == Asset {
		return 1
	}
	return -1
}

// The chart of accounts of the project design's money model. A name with a trailing colon
// takes an identifier: request:42, payable:payout:7.
var chart = map[string]Class{
	"bank:custody":         {Asset, false},    // the custody deposit account (R-FUND-1)
	"psp:":                 {Asset, false},    // owed by a payment provider, not yet settled
	"request:":             {Liability, true}, // held for one request
	"payable:payout:":      {Liability, true}, // a payout approved, not yet paid
	"payable:refund:":      {Liability, true}, // a refund decided, not yet paid
	"receivable:recovery:": {Asset, false},    // to claw back after fraud (R-REF-2)
	"charity:payable":      {Liability, true}, // owed to a charity (R-CHAR-1)
	"income:fees":          {Income, false},   // platform fees, only with consent (R-FEE-1)
}

// Classify returns the class of an account name, or an error naming what is
// wrong with it. Identifiers are 1 to 64 letters, digits, '-' or '_'.
func Classify(name string) (Class, error) {
	if c, ok := chart[name]; ok && !strings.HasSuffix(name, ":") {
		return c, nil
	}
	i := strings.LastIndexByte(name, ':')
	if i < 0 {
		return Class{}, fmt.Errorf("account %q is not in the chart of accounts", name)
	}
	c, ok := chart[name[:i+1]]
	if !ok {
		return Class{}, fmt.Errorf("account %q is not in the chart of accounts", name)
	}
	if id := name[i+1:]; !validID(id) {
		return Class{}, fmt.Errorf("account %q: identifier %q must be 1 to 64 letters, digits, - or _", name, id)
	}
	return c, nil
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

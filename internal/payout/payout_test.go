package payout

import (
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
)

// describe names an error by what callers check: its code, key and field
// keys, never its text. nil is "".
func describe(err error) string {
	if err == nil {
		return ""
	}
	e := apperr.As(err)
	if e == nil {
		return "not an apperr: " + err.Error()
	}
	s := string(e.Code)
	if e.Key != "" {
		s += " " + e.Key
	}
	for _, f := range e.Fields {
		s += " " + f.Field + ":" + f.Key
	}
	return s
}

// TestKeysInCatalog checks that every message this package can show is in
// the catalog in both languages (the i18n test checks the languages).
func TestKeysInCatalog(t *testing.T) {
	keys := []string{
		KeyInvalid, KeyModeSmall, KeyModeDisclosed, KeyModeIncomplete, KeyModeLarge,
		KeyPayeeKind, KeyPayeeNotClose, KeyPayeeProof, KeyPayeeDesignation, KeyPayeeHospital,
		KeyPayeeHospitalOnly, KeyBatchUnpublished, KeyAmountMin, KeyAmountBalance, KeyAmountInFlight,
		KeyRelated, KeyVoucher, KeyNotClaimed, KeyNoFirst, KeySameApprover,
		Direct.NameKey(), HospitalOrBatches.NameKey(),
		KeyState, KeyUsageOverdue, KeyUnknown, KeyNotYours, KeyNotFinance, KeyKeyReused, KeyInsufficient,
		KeyOutcome, KeyTransfer, KeyNotPayable, KeyPurpose, KeyPayeeName, KeyBankName, KeyMaterial, KeyText,
		KeyIdemKey, KeyRelationship,
	}
	for _, s := range States {
		keys = append(keys, s.NameKey())
	}
	for _, k := range PayeeKinds {
		keys = append(keys, k.NameKey())
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if !strings.HasPrefix(k, "payout.") || !i18n.Has(k) {
			t.Errorf("%q is not a payout message of the catalog", k)
		}
		if seen[k] {
			t.Errorf("%q is used for two messages", k)
		}
		seen[k] = true
	}
	// The amount in a mode reason is formatted by its message.
	for _, k := range []string{KeyModeSmall, KeyModeDisclosed, KeyModeIncomplete, KeyModeLarge} {
		for _, l := range i18n.Langs {
			if got := i18n.T(l, k, "1.00"); strings.Contains(got, "%!") || !strings.Contains(got, "1.00") {
				t.Errorf("T(%s, %s) = %q", l, k, got)
			}
		}
	}
}

func asErr(t *testing.T, err error) *apperr.Error {
	t.Helper()
	e := apperr.As(err)
	if e == nil {
		t.Fatalf("error %v is not an *apperr.Error", err)
	}
	return e
}

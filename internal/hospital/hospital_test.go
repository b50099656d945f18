package hospital_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/payeeid"
)

// good is a valid draft: a public hospital (authority 1, type 2).
func good() hospital.Draft {
	return hospital.Draft{Name: " 测试人民医院 ", CreditCode: hospital.DemoCode("12", "330100", "47000111"),
		BankName: "中国银行杭州分行", City: "杭州", Account: "3560 1234 5678 9012", Reason: "医院来函核实"}
}

func fieldsOf(err error) []string {
	var fs []string
	if e := apperr.As(err); e != nil {
		for _, f := range e.Fields {
			fs = append(fs, f.Field+"="+f.Key)
		}
	}
	return fs
}

func TestValidate(t *testing.T) {
	d, err := hospital.Validate(good())
	if err != nil {
		t.Fatalf("a good draft: %v %v", err, fieldsOf(err))
	}
	if d.Name != "测试人民医院" || d.Account != "3560123456789012" || len(d.CreditCode) != 18 {
		t.Errorf("not normalised: %+v", d)
	}
	code := good().CreditCode
	swapped := code[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(len(code)+int(code[17]))%31])
	if swapped == code {
		swapped = code[:17] + "1"
	}
	for _, tc := range []struct {
		name   string
		change func(*hospital.Draft)
		want   []string
	}{
		{"empty", func(d *hospital.Draft) { *d = hospital.Draft{} }, []string{"name=hospital.name_required",
			"credit_code=" + payeeid.ErrCreditEmpty, "bank_name=hospital.bank_name_required", "city=hospital.city_required",
			"account=" + payeeid.ErrAccountEmpty, "reason=staff.reason_required"}},
		{"check character", func(d *hospital.Draft) { d.CreditCode = swapped }, []string{"credit_code=" + payeeid.ErrCreditCheck}},
		{"short code", func(d *hospital.Draft) { d.CreditCode = "1234567" }, []string{"credit_code=" + payeeid.ErrCreditLength}},
		// A foundation (5 3) has a valid code, but is not a hospital.
		{"foundation", func(d *hospital.Draft) { d.CreditCode = hospital.DemoCode("53", "100000", "50000222") }, []string{"credit_code=hospital.credit_type"}},
		// An individual business (9 2) is not a hospital either.
		{"individual business", func(d *hospital.Draft) { d.CreditCode = hospital.DemoCode("92", "100000", "50000222") }, []string{"credit_code=hospital.credit_type"}},
		{"account letters", func(d *hospital.Draft) { d.Account = "12345678X" }, []string{"account=" + payeeid.ErrAccountChars}},
		{"account short", func(d *hospital.Draft) { d.Account = "1234567" }, []string{"account=" + payeeid.ErrAccountLength}},
		{"control character", func(d *hospital.Draft) { d.City = "杭\x01州" }, []string{"city=hospital.text_invalid"}},
		{"long name", func(d *hospital.Draft) { d.Name = strings.Repeat("医", hospital.MaxName+1) }, []string{"name=hospital.text_long"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := good()
			tc.change(&d)
			_, err := hospital.Validate(d)
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("code %v, want invalid", apperr.CodeOf(err))
			}
			if got := fieldsOf(err); !slices.Equal(got, tc.want) {
				t.Errorf("fields %v, want %v", got, tc.want)
			}
		})
	}
	// Every kind of hospital passes: public institution, private non-profit
	// unit, company.
	for _, prefix := range []string{"12", "52", "91"} {
		d := good()
		d.CreditCode = hospital.DemoCode(prefix, "330100", "47000111")
		if _, err := hospital.Validate(d); err != nil {
			t.Errorf("%s: %v", prefix, fieldsOf(err))
		}
	}
}

// The demo hospitals are valid, and every message the package can return
// is in both languages.
func TestDemoAndMessages(t *testing.T) {
	for _, d := range hospital.Demo() {
		if _, err := hospital.Validate(d); err != nil {
			t.Errorf("%s: %v", d.Name, fieldsOf(err))
		}
	}
	for _, k := range []string{"hospital.invalid", "hospital.name_required", "hospital.bank_name_required",
		"hospital.city_required", "hospital.text_invalid", "hospital.text_long", "hospital.credit_code_invalid",
		"hospital.account_invalid", "hospital.credit_type", "hospital.credit_code_taken", "hospital.account_taken",
		"hospital.not_found", "hospital.inactive", "hospital.payload_invalid", "hospital.reveal_forbidden"} {
		for _, l := range i18n.Langs {
			if got := i18n.T(l, k, 1); got == "["+k+"]" {
				t.Errorf("%s has no %s message", k, l)
			}
		}
	}
}

// FuzzValidate: whatever is typed, Validate does not panic, refuses with
// Invalid and field messages only, and what it accepts it accepts again
// unchanged (one spelling).
func FuzzValidate(f *testing.F) {
	g := good()
	f.Add(g.Name, g.CreditCode, g.BankName, g.City, g.Account, g.Reason)
	f.Add("", "９１３１００００ＭＡ１Ｇ０４０４Ｘ", "b", "c", "１２３４-５６７８", "r")
	f.Add("\x00", "12330100470001115", "\xff", " ", "0", "")
	f.Fuzz(func(t *testing.T, name, code, bank, city, account, reason string) {
		d, err := hospital.Validate(hospital.Draft{Name: name, CreditCode: code, BankName: bank, City: city, Account: account, Reason: reason})
		if err != nil {
			if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || len(e.Fields) == 0 {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		again, err := hospital.Validate(d)
		if err != nil || again != d {
			t.Fatalf("accepted %+v, then %+v %v", d, again, err)
		}
		if cc, err := payeeid.ParseCreditCode(d.CreditCode); err != nil || !hospital.HospitalType(cc) {
			t.Fatalf("accepted code %q", d.CreditCode)
		}
	})
}

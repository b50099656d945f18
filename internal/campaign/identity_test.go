package campaign

import (
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
)

// TestRevealsIdentity: public text that names the patient in full or holds
// an ID number, however it is spaced, is caught; ordinary text is not
// (R-PUB-1, R-PII-1).
func TestRevealsIdentity(t *testing.T) {
	f := valid() // patient 张小明, 11010519491231002X
	for _, tc := range []struct {
		name, text string
		want       bool
	}{
		{"plain story", "孩子确诊后需要长期化疗，家里的积蓄已经全部花完。", false},
		{"masked name", "张*明今年五岁", false},
		{"surname alone", "张先生在工地打工", false},
		{"full name", "我的女儿张小明今年五岁", true},
		{"name spaced", "张 小 明住院了", true},
		{"the patient's number", "身份证 11010519491231002X", true},
		{"number spaced and lower-case", "1101 0519-4912 3100 2x", true},
		{"number full-width", "１１０１０５１９４９１２３１００２Ｘ", true},
		{"another valid number", "联系人 110105201001010037", true},
		{"a phone number", "电话 13800138000", false},
		{"an amount", "共计 300000000000000000 元", false},
		{"invoice with a bad check digit", "发票号 110105194912310021", false},
	} {
		if got := RevealsIdentity(tc.text, f); got != tc.want {
			t.Errorf("%s: RevealsIdentity(%q) = %v, want %v", tc.name, tc.text, got, tc.want)
		}
	}
}

// TestValidateRefusesIdentityInPublicText: a filing whose story or use
// names the patient is refused on those fields (R-PUB-1).
func TestValidateRefusesIdentityInPublicText(t *testing.T) {
	f := valid()
	f.Story = strings.Repeat("张小明确诊后需要长期化疗，家里的积蓄已经全部花完。", 3)
	f.Use[1].Note = "患者身份证号 11010519491231002X"
	got := fields(t, f.Validate(today))
	if got["story"] != KeyRevealsIdentity || got["use.1.note"] != KeyRevealsIdentity {
		t.Errorf("Validate fields = %v", got)
	}
	if e := apperr.As(f.Validate(today)); e == nil || e.Code != apperr.Invalid {
		t.Errorf("Validate = %v", f.Validate(today))
	}
}

package payout

import "testing"

// TestCheckStep proves four eyes on a payout: nobody related to the request
// or who vouched for the payee's account touches it, only the claimant
// decides first, and the second approval is someone else's.
// R-STAFF-1, R-DISB-1, R-REF-3
func TestCheckStep(t *testing.T) {
	const alice, bob, carol, dave = 1, 2, 3, 4
	claimed := Hands{Claimant: alice}
	first := Hands{Claimant: alice, FirstApprover: alice}
	related := Hands{Claimant: alice, FirstApprover: alice, Related: []int64{carol}}
	vouched := Hands{Claimant: alice, FirstApprover: alice, Vouchers: []int64{dave}}
	tests := []struct {
		name  string
		step  Step
		staff int64
		h     Hands
		want  string
	}{
		{"claim", StepClaim, alice, Hands{}, ""},
		{"claim, related", StepClaim, carol, related, "forbidden " + KeyRelated},
		{"claim, vouched for the payee", StepClaim, dave, vouched, "forbidden " + KeyVoucher},
		{"first by the claimant", StepFirst, alice, claimed, ""},
		{"first by another", StepFirst, bob, claimed, "forbidden " + KeyNotClaimed},
		{"first, unclaimed", StepFirst, bob, Hands{}, "forbidden " + KeyNotClaimed},
		{"first, claimant related since", StepFirst, alice, Hands{Claimant: alice, Related: []int64{alice}}, "forbidden " + KeyRelated},
		{"no one", StepFirst, 0, Hands{}, "forbidden"},
		{"second by another", StepSecond, bob, first, ""},
		{"second by the first approver", StepSecond, alice, first, "forbidden " + KeySameApprover},
		{"second by the claimant who did not approve first", StepSecond, alice, Hands{Claimant: alice, FirstApprover: bob}, "forbidden " + KeySameApprover},
		{"second without a first", StepSecond, bob, claimed, "conflict " + KeyNoFirst},
		{"second by a relative", StepSecond, carol, related, "forbidden " + KeyRelated},
		{"second by a voucher", StepSecond, dave, vouched, "forbidden " + KeyVoucher},
		{"second, another voucher", StepSecond, bob, vouched, ""},
		{"unknown step", "third", bob, first, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(CheckStep(tt.step, tt.staff, tt.h)); got != tt.want {
				t.Errorf("CheckStep(%s, %d) = %q, want %q", tt.step, tt.staff, got, tt.want)
			}
		})
	}
}

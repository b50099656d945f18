package review

// The rules of the human review, pure functions over what the store read:
// which requests need a second reviewer, who approved so far, what a reason
// must be, and why staff may close a channel. This file imports no storage.

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/screen"
)

// Message keys of the console's own refusals (they keep the keys the
// console had before the review service took them over).
const (
	KeyCloseReasonStaff   = "reviewpages.close_reason_staff"  // field close_reason: not a reason staff close with
	KeyNoteRequired       = "reviewpages.note_required"       // field close_note: closing by the platform says why
	KeyRequestUnpublished = "reviewpages.request_unpublished" // Conflict: material published before the request
	KeyNotReviewable      = "reviewpages.not_reviewable"      // NotFound: a draft is not the console's
	KeyApproveField       = "approve"                         // the field of a refused approval, next to its button
)

// StaffCloseReasons are the reasons staff may close a channel with
// (R-PUB-4): the target reached and the period ended close by themselves,
// and the requester and a wind-down have their own ways.
var StaffCloseReasons = []campaign.CloseReason{campaign.PurposeAchieved, campaign.PurposeGone, campaign.ClosedByStaff}

// CheckStaffClosing refuses a closing staff may not make: a reason not in
// StaffCloseReasons (field "reason"), or a closing by the platform without
// a public note saying why (field "note"), with apperr.Invalid.
func CheckStaffClosing(c campaign.Closing, note string) error {
	if !slices.Contains(StaffCloseReasons, c.Reason) {
		return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "reason", Key: KeyCloseReasonStaff}}}
	}
	if c.Reason == campaign.ClosedByStaff && strings.TrimSpace(note) == "" {
		return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "note", Key: KeyNoteRequired}}}
	}
	return nil
}

// NeedsTwoReviewers reports whether a request needs the approval of two
// different reviewers (R-REV-3): its screening level is High (or it was
// never screened), or its target is above the cap and needs a certificate
// (campaign.NeedsCertificate, R-REQ-4).
func NeedsTwoReviewers(level screen.Level, target money.Fen) bool {
	return level == screen.High || level == screen.Blocked || level == "" || campaign.NeedsCertificate(target)
}

// PendingApprovers returns who approved since the last other decision,
// newest first: the first approvals of a request that needs two reviewers
// (R-REV-3). Approvals count since the last request for information, so
// new material is approved afresh.
func PendingApprovers(ds []DecisionRecord) []int64 {
	var out []int64
	for _, d := range slices.Backward(ds) {
		if d.Decision != Approved {
			break
		}
		out = append(out, d.StaffID)
	}
	return out
}

// text checks the reason or questions the requester will read.
func text(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	key := ""
	var args []any
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		key = KeyTextInvalid
	case s == "":
		key = KeyTextRequired
	case utf8.RuneCountInString(s) > MaxText:
		key, args = KeyTextLong, []any{MaxText}
	default:
		return s, nil
	}
	return "", &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: []apperr.FieldError{{Field: field, Key: key, Args: args}}}
}

// Package filing holds the publisher's use cases of a request for help: a
// draft saved as it is typed (R-REQ-1, R-REQ-2), its documents (R-REQ-3),
// submission with the consents, the declaration and the machine screen
// (R-RULES-2, R-RULES-4, R-REV-1), the charity referral (R-REQ-7), and, once
// published, closing (R-PUB-4), one extension, progress updates and
// amendments (R-REQ-6).
//
// Each method is one transaction. Every method takes the signed-in
// publisher's user id and the request's id: a request of another publisher
// is apperr.NotFound, as if it did not exist, so that ids cannot be probed.
package filing

import (
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/material"
)

// Message keys of the refusals of the filing.
const (
	KeyVerifyFirst  = "filing.verify_first"
	KeyRulesChanged = "filing.rules_changed"
	KeyWrongState   = "filing.wrong_state"
	KeyCloseReason  = "filing.close_reason"
)

// Draft is a draft as a client sends it to be saved.
type Draft struct {
	// Revision is the revision the client last read.
	Revision int
	Filing   campaign.Filing
	// Unread are the fields whose input could not be read (as KeepUnread
	// takes them): their stored values are kept and the rest is saved.
	Unread []apperr.FieldError
	// Device is the blind index of the browser's device ("" for none).
	Device string
}

// Submission is what a client sends to submit a request.
type Submission struct {
	// Revision is the revision the client last read: what is submitted
	// is what the publisher last saw.
	Revision int
	// Rules are the ids of the versions of the rules the client showed
	// (R-RULES-2).
	Rules []int64
	// Unread are the fields of the form that could not be read: they are
	// reported with every other problem.
	Unread []apperr.FieldError
	// Declare, when not nil, ticks the truthfulness declaration and the
	// consent in the filing with the submission (an app sends them with
	// it); they are saved only if the submission goes through.
	Declare *Declaration
	// Source is the client's address, recorded with the consents.
	Source string
}

// Declaration is the two boxes an app ticks when it submits.
type Declaration struct{ Truthful, Consent bool }

// missingFields are the field errors of the documents the filing f still
// needs (R-REQ-3, R-REQ-4).
func missingFields(ms []material.Material, f campaign.Filing, earlier int) []apperr.FieldError {
	if e := apperr.As(material.Missing(ms, material.Required(f.Relationship, f.Target, earlier))); e != nil {
		return e.Fields
	}
	return nil
}

// tick is the value of a ticked box, as the form sends it.
func tick(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// Amendment is a publisher's change of a published request.
type Amendment struct {
	// Revision is the revision the form showed.
	Revision int
	// Filing is the new text; the relationship, the patient and the
	// consent stay what they were.
	Filing campaign.Filing
	// Unread are the fields of the form that could not be read.
	Unread []apperr.FieldError
	Actor  string
	// Note words the public note of a change: version is the new version's
	// number and changes the names of the changed fields (as
	// campaign.Store.Publish returns them).
	Note func(version int, changes []string) string
}

// Package payout holds the rules of money leaving a request for help (拨付)
// as pure functions and types: which way the money may go (R-DISB-3), to whom
// (R-DISB-2, R-REF-3), how much (at most what the request holds less the
// payouts already in progress), who may approve it (four eyes, R-STAFF-1) and
// when review and payment are due (R-DISB-1).
//
// Nothing here touches a database: the store reads the facts (the amount
// raised, the disclosure gaps, the request's balance, the staff related to
// it) and passes them in as plain values, so every rule is proven by a table
// test.
//
// Errors are *apperr.Error values whose message keys are in the i18n catalog
// (catalog_payout.go). They never carry an account number or a name: errors
// end up in logs.
package payout

// Message keys of the payout rules. Field errors are gathered under KeyInvalid.
const (
	KeyInvalid = "payout.invalid" // Invalid: see the fields

	// The reasons the publisher is shown for the mode (R-DISB-3).
	KeyModeSmall      = "payout.mode.small"      // Args: raised; below ¥50,000
	KeyModeDisclosed  = "payout.mode.disclosed"  // Args: raised; ¥50,000 up to ¥300,000 with complete disclosure
	KeyModeIncomplete = "payout.mode.incomplete" // Args: raised; ≥ ¥50,000 with incomplete disclosure
	KeyModeLarge      = "payout.mode.large"      // Args: raised; ≥ ¥300,000

	// Payee (R-DISB-2, R-REF-3), field errors.
	KeyPayeeKind         = "payout.payee.kind"          // field payee: not one of PayeeKinds
	KeyPayeeNotClose     = "payout.payee.not_close"     // field payee_relationship: not a close relative
	KeyPayeeProof        = "payout.payee.proof"         // field payee_proof: relationship or guardianship not proven
	KeyPayeeDesignation  = "payout.payee.designation"   // field payee_designation: not designated by the requester or guardian
	KeyPayeeHospital     = "payout.payee.unlisted"      // field hospital: not a verified directory hospital
	KeyPayeeHospitalOnly = "payout.payee.hospital_only" // field payee: this mode pays a person only in batches

	// Batches (R-DISB-3), Conflict.
	KeyBatchUnpublished = "payout.batch.unpublished" // the batch's medical plan / expense list is not yet reviewed and public

	// Amount, field errors on "amount" or Conflict.
	KeyAmountMin      = "payout.amount.min"       // field amount: less than one fen
	KeyAmountBalance  = "payout.amount.balance"   // field amount: Args: what the request holds
	KeyAmountInFlight = "payout.amount.in_flight" // Conflict: Args: in progress, still available

	// Four eyes (R-STAFF-1, R-DISB-1).
	KeyRelated      = "payout.related"       // Forbidden: related to the request, or its own
	KeyVoucher      = "payout.voucher"       // Forbidden: vouched for the payee's account
	KeyNotClaimed   = "payout.not_claimed"   // Forbidden: decide only what you claimed
	KeyNoFirst      = "payout.no_first"      // Conflict: the second approval needs a first
	KeySameApprover = "payout.same_approver" // Forbidden: the second approver must be someone else
)

// Message keys of the life cycle, the usage rule and the service.
const (
	KeyState        = "payout.state_conflict"   // Conflict: Args: the current state
	KeyUsageOverdue = "payout.usage.overdue"    // Conflict: Args: the payout whose update is missing
	KeyUnknown      = "payout.unknown"          // NotFound: no such payout or request
	KeyNotYours     = "payout.not_yours"        // Forbidden: not the request's publisher or requester
	KeyNotFinance   = "payout.not_finance"      // Forbidden: not an active finance officer
	KeyKeyReused    = "payout.key_reused"       // Conflict: the idempotency key was used for another application
	KeyInsufficient = "payout.insufficient"     // Conflict: the request does not hold the amount
	KeyOutcome      = "payout.outcome_conflict" // Conflict: the bank's outcome contradicts the recorded one
	KeyTransfer     = "payout.transfer"         // Invalid/Conflict: not this payout's transfer
	KeyNotPayable   = "payout.not_payable"      // Conflict: the request cannot pay out in its state

	// Field errors of Apply, Answer and PostUsage.
	KeyPurpose      = "payout.purpose"      // field purpose: 1 to MaxPurpose characters
	KeyPayeeName    = "payout.payee_name"   // field payee_name: required for a person other than the requester
	KeyBankName     = "payout.bank_name"    // field bank_name: 1 to MaxBankName characters
	KeyMaterial     = "payout.material"     // field materials: not a material of this request
	KeyText         = "payout.text"         // field text: 1 to MaxText characters
	KeyIdemKey      = "payout.idem_key"     // field key: 1 to 100 characters
	KeyRelationship = "payout.relationship" // field payee_relationship: not a relationship
)

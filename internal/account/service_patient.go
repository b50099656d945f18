package account

import (
	"context"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/throttle"
)

// PatientChecksPerDay bounds the provider checks of patients one publisher
// may cause in 24 hours, so the filing form is not a way to test names
// against numbers.
const PatientChecksPerDay = 10

// PatientCheck is one recorded answer about a patient's name and number.
type PatientCheck struct {
	RequestID int64
	UserID    int64
	Verifier  string
	Verified  bool
	Reason    string
	CreatedAt time.Time

	pair, patient string
}

// patientPairDomain separates the name-and-number blind index.
const patientPairDomain = "patient-name-id"

func (s *Service) patientPair(name, number string) string {
	return s.Vault.BlindIndex(patientPairDomain, name+"\x00"+number)
}

// CheckPatient checks the patient's name and ID number of request
// requestID of user with the identity provider (R-ACC-1), unless that pair
// was verified before, and records the answer. A malformed name or number
// is left to the filing's own validation (nil). A mismatch is
// apperr.Invalid on field patient_id; more than PatientChecksPerDay checks
// a day is apperr.RateLimited; a provider that cannot answer is
// apperr.Unavailable, and nothing is recorded.
func (s *Service) CheckPatient(ctx context.Context, user, requestID int64, nameInput, numberInput string) error {
	name, err := idcard.ParseName(nameInput)
	if err != nil {
		return nil
	}
	id, err := idcard.Parse(numberInput, s.now())
	if err != nil {
		return nil
	}
	pair := s.patientPair(name, id.Number)
	var refusal error
	var at time.Time
	key := "patient-check-user:" + strconv.FormatInt(user, 10)
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		refusal, at = nil, tx.Now
		done, err := patientVerified(ctx, tx, pair)
		if err != nil || done {
			if done {
				refusal = errAlreadyVerified
			}
			return err
		}
		// A pair the provider rejected today is refused again without
		// asking (nor counting): resubmitting costs nothing.
		rejected, err := patientRejectedSince(ctx, tx, pair, tx.Now.Add(-24*time.Hour))
		if err != nil {
			return err
		}
		if rejected {
			refusal = patientRejected()
			return nil
		}
		// The check is counted before it is made, and the count is
		// committed even when it refuses.
		ok, wait, err := throttle.Take(tx, key, throttle.Limit{N: PatientChecksPerDay, Window: 24 * time.Hour})
		if err != nil {
			return err
		}
		if !ok {
			hours := int((wait + time.Hour - 1) / time.Hour)
			refusal = &apperr.Error{Code: apperr.RateLimited, Key: "identity.patient_too_many", Args: []any{hours},
				Fields: []apperr.FieldError{{Field: "patient_id", Key: "identity.patient_too_many", Args: []any{hours}}}}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if refusal == errAlreadyVerified {
		return nil
	}
	if refusal != nil {
		return refusal
	}
	ok, reason, err := s.Verifier.Verify(ctx, name, id)
	if err != nil {
		// No answer: nothing is recorded, and the check does not count.
		// The provider's error may quote what was sent: it is not kept.
		if err := s.DB.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
			_, err := throttle.Undo(tx, key, at)
			return err
		}); err != nil {
			return err
		}
		return apperr.New(apperr.Unavailable, "identity.verifier_down")
	}
	c := PatientCheck{RequestID: requestID, UserID: user, Verifier: s.Verifier.Name(), Verified: ok, Reason: reason,
		pair: pair, patient: s.IDIndex(id.Number)}
	if err := s.DB.Write(ctx, func(tx *store.Tx) error { return insertPatientCheck(ctx, tx, c) }); err != nil {
		return err
	}
	if !ok {
		return patientRejected()
	}
	return nil
}

func patientRejected() error {
	return &apperr.Error{Code: apperr.Invalid, Key: "identity.patient_rejected",
		Fields: []apperr.FieldError{{Field: "patient_id", Key: "identity.patient_rejected"}}}
}

// PatientVerified reports, in tx, whether the patient's name and number
// have a verified check; Submit requires it.
func (s *Service) PatientVerified(ctx context.Context, tx *store.Tx, nameInput, numberInput string) (bool, error) {
	name, err := idcard.ParseName(nameInput)
	if err != nil {
		return false, nil
	}
	id, err := idcard.Parse(numberInput, tx.Now)
	if err != nil {
		return false, nil
	}
	return patientVerified(ctx, tx, s.patientPair(name, id.Number))
}

var errAlreadyVerified = apperr.New(apperr.Conflict, "")

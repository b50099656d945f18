package complaint

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/upload"
	"github.com/carefund/carefund/internal/vault"
)

// Service holds the use cases of complaints, one transaction each. Every
// staff action appends its audit record in the transaction that does it.
type Service struct {
	DB    *store.DB
	Vault *vault.Vault
}

// Submit receives a complaint (R-COMP-1) and returns its tracking number
// and secret. It returns apperr.Invalid with field messages for wrong input
// (Validate; a request that does not exist; a file internal/upload
// refuses, apperr.TooLarge for one over its limit), and apperr.RateLimited
// KeyRateLimited when the client sent MaxPerHour complaints in the last
// hour; nothing is stored then. The same complaint sent again — the same
// IdempotencyKey, or the same text from the same client within
// RepeatWindow hours — returns the first receipt and stores nothing.
func (s *Service) Submit(ctx context.Context, in Input, meta SubmitMeta) (Receipt, error) {
	in, err := Validate(in)
	if err != nil {
		return Receipt{}, err
	}
	meta.ClientKey = strings.TrimSpace(meta.ClientKey)
	if meta.ClientKey == "" {
		meta.ClientKey = "unknown"
	}
	n := newComplaint{in: in, meta: meta, textHash: TextHash(in),
		contact: Contact{Name: in.ContactName, Phone: in.ContactPhone, Email: in.ContactEmail}, actor: "anonymous"}
	if in.AccountID != 0 {
		n.actor = "user:" + strconv.FormatInt(in.AccountID, 10)
	}
	for _, f := range in.Evidence {
		kind, b, err := upload.Check(bytes.NewReader(f.Data), FieldEvidence)
		if err != nil {
			return Receipt{}, err
		}
		clean, err := upload.Strip(kind, b)
		if err != nil {
			return Receipt{}, err
		}
		name := strings.TrimSpace(f.Name)
		if !validText(name) || name == "" {
			name = "evidence"
		}
		if utf8.RuneCountInString(name) > MaxFileName {
			name = string([]rune(name)[:MaxFileName])
		}
		n.files = append(n.files, storedFile{name: name, kind: string(kind), data: clean})
	}
	var receipt Receipt
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		first, found, err := s.repeat(ctx, tx, n)
		if err != nil || found {
			receipt = first
			return err
		}
		if c, err := countSince(ctx, tx, meta.ClientKey, tx.Now.Add(-time.Hour)); err != nil {
			return err
		} else if c >= MaxPerHour {
			return apperr.New(apperr.RateLimited, KeyRateLimited)
		}
		if in.RequestID != 0 {
			if ok, err := requestExists(ctx, tx, in.RequestID); err != nil {
				return err
			} else if !ok {
				return &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: []apperr.FieldError{{Field: FieldRequest, Key: KeyNoRequest}}}
			}
		}
		n.subject = 0
		if in.StaffRef != "" {
			if n.subject, err = subjectOf(ctx, tx, in.StaffRef); err != nil {
				return err
			}
		}
		cal, err := calendar(ctx, tx, tx.Now)
		if err != nil {
			return err
		}
		n.clocks = cal.ClocksFor(tx.Now)
		n.secretRaw = NewSecret()
		id, number, err := insert(ctx, tx, s.Vault, n)
		if err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, audit.Record{Actor: n.actor, Action: "complaint.submit",
			Object: "complaint:" + strconv.FormatInt(id, 10), Result: audit.ResultOK, Detail: string(in.Category)}); err != nil {
			return err
		}
		receipt = Receipt{Number: number, Secret: n.secretRaw}
		return nil
	})
	return receipt, err
}

// repeat finds the complaint n repeats: the one with its idempotency key,
// or the same text from the same client within RepeatWindow hours.
func (s *Service) repeat(ctx context.Context, tx *store.Tx, n newComplaint) (Receipt, bool, error) {
	var r row
	var ok bool
	var err error
	if n.meta.IdempotencyKey != "" {
		if r, ok, err = one(ctx, tx, false, "idem_key = $1", n.meta.IdempotencyKey); err != nil {
			return Receipt{}, false, err
		}
	}
	if !ok {
		r, ok, err = one(ctx, tx, false, "id = (SELECT min(id) FROM complaints WHERE client_key = $1 AND text_hash = $2 AND received_at >= $3)",
			n.meta.ClientKey, n.textHash, tx.Now.Add(-RepeatWindow*time.Hour).UnixMicro())
		if err != nil || !ok {
			return Receipt{}, false, err
		}
	}
	sec, err := secret(ctx, tx, s.Vault, r)
	return Receipt{Number: r.Number, Secret: sec}, err == nil, err
}

// subjectOf finds the staff member a complaint names: by username, or by
// number ("12", "#12", "staff:12"). It returns 0 when none matches: the
// handler may link one later (SetSubject).
func subjectOf(ctx context.Context, tx *store.Tx, ref string) (int64, error) {
	ref = strings.TrimSpace(strings.ToLower(ref))
	num := strings.TrimPrefix(strings.TrimPrefix(ref, "staff:"), "#")
	if id, err := strconv.ParseInt(num, 10, 64); err == nil && id > 0 {
		st, err := staff.Get(ctx, tx, id)
		if apperr.CodeOf(err) == apperr.NotFound {
			return 0, nil
		}
		return st.ID, err
	}
	st, err := staff.GetByUsername(ctx, tx, ref)
	if apperr.CodeOf(err) == apperr.NotFound {
		return 0, nil
	}
	return st.ID, err
}

// Track returns what the complainant may see of complaint number (R-COMP-2:
// the clocks; R-DISP-1: the dispute routes): to the holder of its secret,
// or to the signed-in account that filed it (accountID, 0 for none). Any
// other caller, and a malformed number, gets apperr.NotFound.
func (s *Service) Track(ctx context.Context, number, secretText string, accountID int64) (Public, error) {
	notFound := apperr.New(apperr.NotFound, KeyNotFound)
	number, err := ParseNumber(number)
	if err != nil {
		return Public{}, notFound
	}
	var p Public
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		r, ok, err := one(ctx, tx, false, "number = $1", number)
		if err != nil {
			return err
		}
		if !ok {
			return notFound
		}
		if accountID == 0 || r.AccountID != accountID {
			given, perr := ParseSecret(secretText)
			if perr != nil {
				return notFound
			}
			want, err := secret(ctx, tx, s.Vault, r)
			if errors.Is(err, vault.ErrShredded) {
				// Anonymized (R-PII-2): the secret went with the key.
				return notFound
			}
			if err != nil {
				return err
			}
			if subtle.ConstantTimeCompare([]byte(given), []byte(want)) != 1 {
				return notFound
			}
		}
		p = r.Public(tx.Now)
		return nil
	})
	return p, err
}

// Responses returns the published responses about request requestID,
// newest first, each with the dispute routes (R-DISC-2, R-DISP-1).
func (s *Service) Responses(ctx context.Context, requestID int64) ([]PublicResponse, error) {
	var out []PublicResponse
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		rows, err := list(ctx, tx, "request_id = $1 AND published = 1", "closed_at DESC, id DESC", 500, requestID)
		if err != nil || len(rows) == 0 {
			return err
		}
		refs := make([]string, len(rows))
		for i, r := range rows {
			refs[i] = ResponseRef(r.Number)
		}
		// R-CONT-1: a response held by the screen or taken down is not
		// shown; one taken down shows its public reason instead.
		statuses, err := content.Statuses(ctx, tx, content.PlaceComplaintResponse, refs)
		if err != nil {
			return err
		}
		for _, r := range rows {
			st := statuses[ResponseRef(r.Number)]
			if st.Held {
				continue
			}
			removed := ""
			if st.TakenDown {
				r.Response, removed = "", st.Reason
			}
			out = append(out, PublicResponse{Number: r.Number, Category: r.Category, Outcome: r.Outcome,
				Response: r.Response, Removed: removed, At: r.ClosedAt, Disputes: DisputeRoutes})
		}
		return err
	})
	return out, err
}

// Stats counts the complaints received in [from, to) (R-DISC-3, R-RPT-1).
func (s *Service) Stats(ctx context.Context, from, to time.Time) (Stats, error) {
	var st Stats
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		st, err = StatsTx(ctx, tx, from, to)
		return err
	})
	return st, err
}

// StatsTx counts the complaints received in [from, to) in tx (R-DISC-3,
// R-RPT-1), for a report that reads them with its other figures in one
// transaction, so that all are of one moment.
func StatsTx(ctx context.Context, tx *store.Tx, from, to time.Time) (Stats, error) {
	rows, err := statRows(ctx, tx, from, to)
	if err != nil {
		return Stats{}, err
	}
	return computeStats(rows, to), nil
}

// MaxMine is how many of their complaints Mine lists, newest first.
const MaxMine = 100

// Mine lists the complaints the signed-in account accountID filed, newest
// first (at most MaxMine), each as the complainant sees it on the status
// page: the number, category, status and the clocks (R-COMP-2). An account
// of 0 has none.
func (s *Service) Mine(ctx context.Context, accountID int64) ([]Public, error) {
	if accountID == 0 {
		return nil, nil
	}
	var out []Public
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		rows, err := list(ctx, tx, "account_id = $1", "received_at DESC, id DESC", MaxMine, accountID)
		out = make([]Public, 0, len(rows))
		for _, r := range rows {
			out = append(out, r.Public(tx.Now))
		}
		return err
	})
	return out, err
}

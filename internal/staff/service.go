package staff

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/store"
)

// Service holds the staff console's use cases for staff accounts: signing
// in and out, passwords, the list of members, unlocking, and the four-eyes
// approvals. Each method is one transaction (signing in reads first, then
// writes, as Authenticate explains). Methods that take an audit.Record
// append it in the transaction that does the action, so that the action and
// its record commit together; the caller records a refusal on its own.
type Service struct {
	DB        *store.DB
	Sealer    Sealer
	Approvals *Approvals
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Get returns the staff account with the ID, or apperr.NotFound.
func (s *Service) Get(ctx context.Context, id int64) (Staff, error) {
	var m Staff
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		m, err = Get(ctx, tx, id)
		return err
	})
	return m, err
}

// EndSessions ends every console session of member id, in every browser:
// for an account locked or disabled since it signed in.
func (s *Service) EndSessions(ctx context.Context, id int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		return session.EndAll(ctx, tx, session.Staff, id)
	})
}

// SignIn checks username, password and TOTP code together (Authenticate),
// records the outcome in the audit log and, on success, ends the session of
// previous (the browser's old cookie) and starts a new one in the same
// transaction, so that the log never says "signed in" without a session. It
// returns the new session's token; whatever is wrong, the error is the same
// apperr.Unauthorized (no user enumeration), except apperr.RateLimited for
// an address with too many failures (AuthenticateFrom), whatever the
// username.
func (s *Service) SignIn(ctx context.Context, username, password, code, source, previous string) (string, error) {
	var token string
	_, err := AuthenticateFrom(ctx, s.DB, s.Sealer, username, password, code, source, s.now(),
		func(ctx context.Context, tx *store.Tx, id int64, result, reason string) error {
			token = ""
			actor := "anonymous"
			if id > 0 {
				actor = "staff:" + strconv.FormatInt(id, 10)
			}
			if _, err := audit.Append(ctx, tx, audit.Record{Actor: actor, Action: "staff.sign_in", Object: actor,
				Result: result, Source: source, Detail: reason}); err != nil {
				return err
			}
			if result != audit.ResultOK {
				return nil
			}
			if err := session.End(ctx, tx, previous); err != nil {
				return err
			}
			t, _, err := session.Start(ctx, tx, session.Staff, id, source)
			token = t
			return err
		})
	if err != nil {
		return "", err
	}
	return token, nil
}

// SignOut ends the console session of token and records rec with it.
func (s *Service) SignOut(ctx context.Context, rec audit.Record, token string) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error { return session.End(ctx, tx, token) })
}

// ChangePassword changes member's password after checking the current one
// and a TOTP code (ChangePassword), records the outcome, and on success ends
// every session of theirs and starts one for the browser in use, whose token
// it returns. A new password that breaks the rules is refused with
// apperr.Invalid before anything is checked or recorded.
func (s *Service) ChangePassword(ctx context.Context, member Staff, current, next, code, source string) (string, error) {
	var token string
	_, err := ChangePassword(ctx, s.DB, s.Sealer, member.ID, current, next, code, s.now(),
		func(ctx context.Context, tx *store.Tx, id int64, result, reason string) error {
			token = ""
			if _, err := audit.Append(ctx, tx, audit.Record{Actor: member.Actor(), Action: "staff.password_change", Object: member.Actor(),
				Result: result, Source: source, Detail: reason}); err != nil {
				return err
			}
			if result != audit.ResultOK {
				return nil
			}
			if err := session.EndAll(ctx, tx, session.Staff, id); err != nil {
				return err
			}
			t, _, err := session.Start(ctx, tx, session.Staff, id, source)
			token = t
			return err
		})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Members returns every staff account, in the order they were created.
func (s *Service) Members(ctx context.Context) ([]Staff, error) {
	var all []Staff
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		all, err = List(ctx, tx)
		return err
	})
	return all, err
}

// Unlock lifts member id's lockout, recording rec with it.
func (s *Service) Unlock(ctx context.Context, rec audit.Record, id int64) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error { return Unlock(ctx, tx, id) })
}

// ProposeRole proposes that member id take role; the change waits for a
// second member's approval (four eyes). It returns apperr.Invalid for an
// unknown role (field "role"), apperr.NotFound for an unknown member, and
// what Approvals.Propose returns.
func (s *Service) ProposeRole(ctx context.Context, rec audit.Record, by Staff, id int64, role, reason string) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		parsed, err := ParseRole(role)
		if err != nil {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "role", Key: "staff.role_unknown"}}}
		}
		if _, err := Get(ctx, tx, id); err != nil {
			return err
		}
		_, err = s.Approvals.Propose(ctx, tx, by, KindRoleChange, "staff:"+strconv.FormatInt(id, 10),
			map[string]any{"staff_id": id, "role": parsed}, reason)
		return err
	})
}

// Board is the approvals page's content: the pending proposals and the 50
// latest decided, and every member's username by ID.
type Board struct {
	Names            map[int64]string
	Pending, Decided []Proposal
}

// maxDecided bounds the decided proposals a Board holds.
const maxDecided = 50

// Board returns the proposals to decide and the latest decided.
func (s *Service) Board(ctx context.Context) (Board, error) {
	var b Board
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		got := Board{Names: map[int64]string{}}
		members, err := List(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range members {
			got.Names[m.ID] = m.Username
		}
		for _, st := range []Status{Pending, Approved, Rejected} {
			list, err := ListProposals(ctx, tx, st)
			if err != nil {
				return err
			}
			if st == Pending {
				got.Pending = list
			} else {
				got.Decided = append(got.Decided, list...)
			}
		}
		if len(got.Decided) > maxDecided {
			got.Decided = got.Decided[:maxDecided]
		}
		b = got
		return nil
	})
	return b, err
}

// Decide approves or rejects proposal id (Approvals.Decide), recording rec
// with it. An approved role change takes effect at once: the member's
// sessions end, and they sign in again with the new role.
func (s *Service) Decide(ctx context.Context, rec audit.Record, by Staff, id int64, approve bool, note string) error {
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		p, err := s.Approvals.Decide(ctx, tx, by, id, approve, note)
		if err != nil || !approve || p.Kind != KindRoleChange {
			return err
		}
		var change struct {
			StaffID int64 `json:"staff_id"`
		}
		if err := json.Unmarshal(p.Payload, &change); err != nil {
			return err
		}
		return session.EndAll(ctx, tx, session.Staff, change.StaffID)
	})
}

// Created is what CreateAccount made: the account, the otpauth:// URI that
// enrols its authenticator (shown once), and the ID of the proposal that
// waits for its approval, 0 when the account is active at once.
type Created struct {
	Staff
	URI      string
	Proposal int64
}

// CreateAccount creates a staff account from the command line and appends
// rec (with Object set to the new account, Detail to its role and state) in
// the same transaction. A Privileged role on an installation that already
// has a security admin is created disabled, pending a second person's
// approval in the console (NeedsApproval, KindAccountCreate); the first
// security admin, and any other role, is active at once. rec.Actor names
// who ran the command ("cli:<os user>"); it never carries the password.
func (s *Service) CreateAccount(ctx context.Context, rec audit.Record, username string, role Role, password string) (Created, error) {
	var c Created
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		c = Created{}
		pending, err := NeedsApproval(ctx, tx, role)
		if err != nil {
			return err
		}
		r := rec
		r.Detail = "role " + string(role)
		if pending {
			m, uri, p, err := CreatePending(ctx, tx, s.Sealer, username, role, password, rec.Actor)
			if err != nil {
				return err
			}
			c = Created{Staff: m, URI: uri, Proposal: p.ID}
			r.Detail += ", pending approval proposal:" + strconv.FormatInt(p.ID, 10)
		} else {
			m, uri, err := Create(ctx, tx, s.Sealer, username, role, password)
			if err != nil {
				return err
			}
			c = Created{Staff: m, URI: uri}
		}
		r.Object = c.Actor()
		_, err = audit.Append(ctx, tx, r)
		return err
	})
	return c, err
}

// UnlockUsername lifts the lockout of the account named username (Unlock)
// and appends rec, with Object set to the account, in the same transaction.
// It returns apperr.NotFound for an unknown username.
func (s *Service) UnlockUsername(ctx context.Context, rec audit.Record, username string) (Staff, error) {
	var m Staff
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = GetByUsername(ctx, tx, username); err != nil {
			return err
		}
		if err := Unlock(ctx, tx, m.ID); err != nil {
			return err
		}
		rec.Object = m.Actor()
		_, err = audit.Append(ctx, tx, rec)
		return err
	})
	m.Locked, m.LockedUntil = false, time.Time{}
	return m, err
}

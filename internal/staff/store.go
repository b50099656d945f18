package staff

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/throttle"
)

// Create makes a staff account and returns it with the otpauth:// URI that
// enrols its TOTP secret in an authenticator app; the URI is shown once and
// never stored in the clear. The username is lower-cased. It returns
// apperr.Invalid for a bad username (field "username"), role ("role") or
// password ("password"), and apperr.Conflict "staff.username_taken".
//
// Create hashes the password inside tx, which holds the writer for the time
// of one argon2id computation: acceptable for an administrative action that
// is rare, unlike signing in.
func Create(ctx context.Context, tx *store.Tx, sealer Sealer, username string, role Role, password string) (Staff, string, error) {
	secret := make([]byte, secretLen)
	rand.Read(secret)
	return CreateWithSecret(ctx, tx, sealer, username, role, password, secret)
}

// CreateWithSecret is Create with a TOTP secret the caller chose: for the
// demonstration accounts, whose codes the development page shows. Real
// accounts get a random secret from Create.
func CreateWithSecret(ctx context.Context, tx *store.Tx, sealer Sealer, username string, role Role, password string, secret []byte) (Staff, string, error) {
	username = normalizeUsername(username)
	if !validUsername(username) {
		return Staff{}, "", invalid("username", "staff.username_format")
	}
	if _, err := ParseRole(string(role)); err != nil {
		return Staff{}, "", err
	}
	if err := checkNewPassword(username, password); err != nil {
		return Staff{}, "", err
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM staff WHERE username = $1", username).Scan(&n); err != nil {
		return Staff{}, "", err
	}
	if n > 0 {
		return Staff{}, "", apperr.New(apperr.Conflict, "staff.username_taken")
	}
	sealed, err := sealer.Seal(totpAAD(username), secret)
	if err != nil {
		return Staff{}, "", fmt.Errorf("sealing the TOTP secret: %w", err)
	}
	s := Staff{Username: username, Role: role, CreatedAt: tx.Now}
	err = tx.QueryRowContext(ctx, `INSERT INTO staff (username, role, password_hash, totp_sealed, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
		username, string(role), hashPassword(password, hashParams), sealed, tx.Now.UnixMicro()).Scan(&s.ID)
	if err != nil {
		return Staff{}, "", err
	}
	return s, enrolmentURI(username, secret), nil
}

const staffColumns = "id, username, role, disabled, COALESCE(locked_until, 0), created_at"

// Get returns the staff account with the ID, or apperr.NotFound.
func Get(ctx context.Context, tx *store.Tx, id int64) (Staff, error) {
	s, err := scanStaff(tx.QueryRowContext(ctx, "SELECT "+staffColumns+" FROM staff WHERE id = $1", id), tx.Now)
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, apperr.New(apperr.NotFound, "staff.not_found")
	}
	return s, err
}

// List returns every staff account, in the order they were created.
func List(ctx context.Context, tx *store.Tx) ([]Staff, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Staff, error) { return scanStaff(rows, tx.Now) },
		"SELECT "+staffColumns+" FROM staff ORDER BY id")
}

// Unlock lifts a lockout and clears the failure and lockout counts. It
// returns apperr.NotFound for an unknown ID.
func Unlock(ctx context.Context, tx *store.Tx, id int64) error {
	return update(ctx, tx, `UPDATE staff SET locked_at = NULL, locked_until = NULL, lockouts = 0, failed_attempts = 0, updated_at = $2
		WHERE id = $1`, id, tx.Now.UnixMicro())
}

// SetDisabled disables an account, which then cannot sign in, or enables it
// again. It returns apperr.NotFound for an unknown ID.
func SetDisabled(ctx context.Context, tx *store.Tx, id int64, disabled bool) error {
	return update(ctx, tx, "UPDATE staff SET disabled = $2, updated_at = $3 WHERE id = $1", id, disabled, tx.Now.UnixMicro())
}

func update(ctx context.Context, tx *store.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return apperr.New(apperr.NotFound, "staff.not_found")
	}
	return nil
}

// Executor carries out an approved proposal inside the approving
// transaction: if it fails, nothing is approved.
type Executor func(ctx context.Context, tx *store.Tx, p Proposal) error

// guard is a kind's own checks beyond the policy table.
type guard struct {
	propose func(ctx context.Context, tx *store.Tx, by Staff, payload json.RawMessage) error
	decide  func(ctx context.Context, tx *store.Tx, by Staff, p Proposal) error
}

// current reads the acting staff member again: a session's copy may be
// stale, and a disabled account or a role taken away must stop acting at
// once (least privilege).
func current(ctx context.Context, tx *store.Tx, by Staff) (Staff, error) {
	s, err := Get(ctx, tx, by.ID)
	if apperr.CodeOf(err) == apperr.NotFound || err == nil && (s.Disabled || s.Locked) {
		return Staff{}, apperr.New(apperr.Forbidden, "staff.account_inactive")
	}
	return s, err
}

// Propose records a proposal by a staff member. It returns apperr.Invalid for
// an unknown kind, a payload that cannot be encoded, or an empty reason
// (field "reason"), and apperr.Forbidden when the proposer's role may not
// propose this kind, or for a role change of their own.
func (a *Approvals) Propose(ctx context.Context, tx *store.Tx, by Staff, k Kind, object string, payload any, reason string) (Proposal, error) {
	if utf8.RuneCountInString(reason) > MaxReason || !utf8.ValidString(reason) {
		return Proposal{}, invalid("reason", "staff.reason_long")
	}
	policy, ok := Policies[k]
	if !ok {
		return Proposal{}, apperr.New(apperr.Invalid, "staff.kind_unknown")
	}
	by, err := current(ctx, tx, by)
	if err != nil {
		return Proposal{}, err
	}
	if !slices.Contains(policy.Proposers, by.Role) {
		return Proposal{}, apperr.New(apperr.Forbidden, "staff.not_proposer")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Proposal{}, invalid("reason", "staff.reason_required")
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return Proposal{}, apperr.Wrap(err, apperr.Invalid, "staff.payload_invalid")
	}
	if g := a.guards[k].propose; g != nil {
		if err := g(ctx, tx, by, raw); err != nil {
			return Proposal{}, err
		}
	}
	p := Proposal{Kind: k, Object: object, Payload: raw, Reason: reason, ProposedBy: by.ID, ProposedAt: tx.Now, Status: Pending}
	err = tx.QueryRowContext(ctx, `INSERT INTO staff_proposals (kind, object, payload, reason, proposed_by, proposed_at, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		string(k), object, string(raw), reason, by.ID, tx.Now.UnixMicro(), string(Pending)).Scan(&p.ID)
	return p, err
}

// Decide approves or rejects a pending proposal. Approving runs the kind's
// executor first, in tx, and marks the proposal approved only if it
// succeeds. Who decided and when is recorded either way. It returns
// apperr.Forbidden "staff.own_proposal" when the proposer decides their own,
// apperr.Forbidden when the decider's role may not approve this kind,
// apperr.Conflict when the proposal is no longer pending, and
// apperr.NotFound for an unknown ID.
func (a *Approvals) Decide(ctx context.Context, tx *store.Tx, by Staff, id int64, approve bool, note string) (Proposal, error) {
	if utf8.RuneCountInString(note) > MaxReason || !utf8.ValidString(note) {
		return Proposal{}, invalid("note", "staff.reason_long")
	}
	p, err := GetProposal(ctx, tx, id)
	if err != nil {
		return Proposal{}, err
	}
	by, err = current(ctx, tx, by)
	if err != nil {
		return Proposal{}, err
	}
	if p.ProposedBy == by.ID {
		return Proposal{}, apperr.New(apperr.Forbidden, "staff.own_proposal")
	}
	if !slices.Contains(Policies[p.Kind].Approvers, by.Role) {
		return Proposal{}, apperr.New(apperr.Forbidden, "staff.not_approver")
	}
	if p.Status != Pending {
		return Proposal{}, apperr.New(apperr.Conflict, "staff.proposal_decided")
	}
	if approve && p.Kind != KindAccountCreate {
		// The proposal stands only while its proposer still could make
		// it: not after they were disabled, locked or moved to a role that
		// may not propose this. (An account waiting for approval is its
		// own proposer, disabled until approved.)
		proposer, err := Get(ctx, tx, p.ProposedBy)
		if err != nil {
			return Proposal{}, err
		}
		if proposer.Disabled || proposer.Locked || !slices.Contains(Policies[p.Kind].Proposers, proposer.Role) {
			return Proposal{}, apperr.New(apperr.Conflict, "staff.proposer_inactive")
		}
	}
	if g := a.guards[p.Kind].decide; g != nil {
		if err := g(ctx, tx, by, p); err != nil {
			return Proposal{}, err
		}
	}
	p.Status, p.DecidedBy, p.DecidedAt, p.DecisionNote = Rejected, by.ID, tx.Now, strings.TrimSpace(note)
	if approve {
		exec := a.executors[p.Kind]
		if exec == nil {
			return Proposal{}, fmt.Errorf("no executor registered for %s", p.Kind)
		}
		if err := exec(ctx, tx, p); err != nil {
			return Proposal{}, err
		}
		p.Status = Approved
	}
	res, err := tx.ExecContext(ctx, `UPDATE staff_proposals SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5
		WHERE id = $1 AND status = 'pending'`, p.ID, string(p.Status), by.ID, tx.Now.UnixMicro(), p.DecisionNote)
	if err != nil {
		return Proposal{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return Proposal{}, err
	} else if n != 1 {
		// Decided by someone else since it was read (the executor may have
		// run; the caller's transaction must roll back).
		return Proposal{}, apperr.New(apperr.Conflict, "staff.proposal_decided")
	}
	return p, nil
}

const proposalColumns = "id, kind, object, payload, reason, proposed_by, proposed_at, status, decided_by, decided_at, decision_note"

func scanProposal(row interface{ Scan(...any) error }) (Proposal, error) {
	var p Proposal
	var kind, payload, status string
	var proposedAt int64
	var decidedBy, decidedAt sql.NullInt64
	if err := row.Scan(&p.ID, &kind, &p.Object, &payload, &p.Reason, &p.ProposedBy, &proposedAt,
		&status, &decidedBy, &decidedAt, &p.DecisionNote); err != nil {
		return Proposal{}, err
	}
	p.Kind, p.Payload, p.Status = Kind(kind), json.RawMessage(payload), Status(status)
	p.ProposedAt = time.UnixMicro(proposedAt).UTC()
	p.DecidedBy = decidedBy.Int64
	if decidedAt.Valid {
		p.DecidedAt = time.UnixMicro(decidedAt.Int64).UTC()
	}
	return p, nil
}

// GetProposal returns the proposal with the ID, or apperr.NotFound.
func GetProposal(ctx context.Context, tx *store.Tx, id int64) (Proposal, error) {
	p, err := scanProposal(tx.QueryRowContext(ctx, "SELECT "+proposalColumns+" FROM staff_proposals WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Proposal{}, apperr.New(apperr.NotFound, "staff.proposal_not_found")
	}
	return p, err
}

// ListProposals returns the proposals with the status, or all of them for
// an empty status, newest first.
func ListProposals(ctx context.Context, tx *store.Tx, status Status) ([]Proposal, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Proposal, error) { return scanProposal(rows) },
		"SELECT "+proposalColumns+" FROM staff_proposals WHERE $1 = '' OR status = $1 ORDER BY id DESC", string(status))
}

// checkRoleChange refuses a role change of one's own (nobody raises their
// own privileges), of an unknown account, or to the role it has already.
func checkRoleChange(ctx context.Context, tx *store.Tx, by Staff, raw json.RawMessage) error {
	rc, err := parseRoleChange(raw)
	if err != nil {
		return err
	}
	if rc.StaffID == by.ID {
		return apperr.New(apperr.Forbidden, "staff.own_role_change")
	}
	target, err := Get(ctx, tx, rc.StaffID)
	if err != nil {
		return err
	}
	if target.Role == rc.Role {
		return apperr.New(apperr.Invalid, "staff.role_unchanged")
	}
	return nil
}

// checkRoleChangeDecider refuses a staff member deciding a change of their
// own role: whoever gains or loses a privilege must not be the one who
// grants it.
func checkRoleChangeDecider(_ context.Context, _ *store.Tx, by Staff, p Proposal) error {
	rc, err := parseRoleChange(p.Payload)
	if err != nil {
		return err
	}
	if rc.StaffID == by.ID {
		return apperr.New(apperr.Forbidden, "staff.own_role_change")
	}
	return nil
}

// executeRoleChange gives the staff member the proposed role.
func executeRoleChange(ctx context.Context, tx *store.Tx, p Proposal) error {
	rc, err := parseRoleChange(p.Payload)
	if err != nil {
		return err
	}
	return update(ctx, tx, "UPDATE staff SET role = $2, updated_at = $3 WHERE id = $1", rc.StaffID, string(rc.Role), tx.Now.UnixMicro())
}

// GetByUsername returns the staff account with the username (normalized),
// or apperr.NotFound.
func GetByUsername(ctx context.Context, tx *store.Tx, username string) (Staff, error) {
	s, err := scanStaff(tx.QueryRowContext(ctx, "SELECT "+staffColumns+" FROM staff WHERE username = $1", normalizeUsername(username)), tx.Now)
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, apperr.New(apperr.NotFound, "staff.not_found")
	}
	return s, err
}

// NeedsApproval reports whether an account of role, created from the
// command line, must wait for a second person's approval: when the role is
// Privileged and the installation already has an enabled security admin.
// The first security admin (bootstrap) is created active.
func NeedsApproval(ctx context.Context, tx *store.Tx, role Role) (bool, error) {
	if !Privileged(role) {
		return false, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM staff WHERE role = $1 AND disabled = $2", string(SecurityAdmin), false).Scan(&n)
	return n > 0, err
}

// AccountCreate is the payload of a KindAccountCreate proposal.
type AccountCreate struct {
	StaffID int64  `json:"staff_id"`
	Role    Role   `json:"role"`
	By      string `json:"by"` // who created it: "cli:<os user>"
}

// CreatePending makes a staff account as Create does, but disabled, with a
// KindAccountCreate proposal to activate it; by names who created it
// ("cli:<os user>"). It returns the account, its enrolment URI and the
// proposal.
func CreatePending(ctx context.Context, tx *store.Tx, sealer Sealer, username string, role Role, password, by string) (Staff, string, Proposal, error) {
	s, uri, err := Create(ctx, tx, sealer, username, role, password)
	if err != nil {
		return Staff{}, "", Proposal{}, err
	}
	if err := SetDisabled(ctx, tx, s.ID, true); err != nil {
		return Staff{}, "", Proposal{}, err
	}
	s.Disabled = true
	raw, err := json.Marshal(AccountCreate{StaffID: s.ID, Role: role, By: by})
	if err != nil {
		return Staff{}, "", Proposal{}, err
	}
	reason := "account " + s.Username + " (" + string(role) + ") created from the command line by " + by
	p := Proposal{Kind: KindAccountCreate, Object: s.Actor(), Payload: raw, Reason: reason, ProposedBy: s.ID, ProposedAt: tx.Now, Status: Pending}
	err = tx.QueryRowContext(ctx, `INSERT INTO staff_proposals (kind, object, payload, reason, proposed_by, proposed_at, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		string(p.Kind), p.Object, string(raw), reason, s.ID, tx.Now.UnixMicro(), string(Pending)).Scan(&p.ID)
	return s, uri, p, err
}

func parseAccountCreate(raw json.RawMessage) (AccountCreate, error) {
	var ac AccountCreate
	if err := json.Unmarshal(raw, &ac); err != nil || ac.StaffID <= 0 {
		return ac, apperr.New(apperr.Invalid, "staff.payload_invalid")
	}
	return ac, nil
}

// checkAccountCreateDecider refuses the pending account deciding its own
// activation (Decide refuses it already, as its proposer; this holds even if
// that changed).
func checkAccountCreateDecider(_ context.Context, _ *store.Tx, by Staff, p Proposal) error {
	ac, err := parseAccountCreate(p.Payload)
	if err != nil {
		return err
	}
	if ac.StaffID == by.ID {
		return apperr.New(apperr.Forbidden, "staff.own_proposal")
	}
	return nil
}

// executeAccountCreate activates the pending account, if it still has the
// role it was created with.
func executeAccountCreate(ctx context.Context, tx *store.Tx, p Proposal) error {
	ac, err := parseAccountCreate(p.Payload)
	if err != nil {
		return err
	}
	return update(ctx, tx, "UPDATE staff SET disabled = $4, updated_at = $3 WHERE id = $1 AND role = $2 AND disabled = $5",
		ac.StaffID, string(ac.Role), tx.Now.UnixMicro(), false, true)
}

// Recorder records the outcome of a sign-in inside the transaction that
// stores it, so the caller can append an audit record atomically. staffID is
// 0 when the username is unknown; result is "ok" or "denied"; reason says why
// a sign-in was denied ("unknown_user", "disabled", "locked", "password",
// "code", "replay") and is empty on success. It is for the audit log only:
// the person signing in is never told.
type Recorder func(ctx context.Context, tx *store.Tx, staffID int64, result string, reason string) error

func readCredentials(ctx context.Context, tx *store.Tx, username string) (credentials, bool, error) {
	var c credentials
	var role string
	var created, until int64
	err := tx.QueryRowContext(ctx, `SELECT id, username, role, disabled, COALESCE(locked_until, 0), created_at,
			password_hash, totp_sealed, totp_last_step, failed_attempts, lockouts
		FROM staff WHERE username = $1`, username).Scan(
		&c.ID, &c.Username, &role, &c.Disabled, &until, &created, &c.hash, &c.sealed, &c.lastStep, &c.failures, &c.lockouts)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	c.Role = Role(role)
	c.CreatedAt = time.UnixMicro(created).UTC()
	c.setLock(until, tx.Now)
	return c, err == nil, err
}

// Authenticate signs a staff member in with username, password and a TOTP
// code valid at now, and returns the account.
//
// Every failure returns the same error, apperr.Unauthorized
// "staff.signin_failed": an unknown username, a wrong password, a wrong or
// reused code, a locked or disabled account. An unknown username still costs
// one argon2id computation, against a dummy hash, so neither the message nor
// the time taken says which usernames exist. MaxFailures consecutive failed
// attempts lock the account for a while (lockDuration: growing with each
// lockout in a row, decision 0025), during which even correct credentials
// are refused, until the lock ends or Unlock; a success resets the counts.
// A refused attempt's count is committed: the write transaction succeeds
// and only then is the error returned. Each TOTP time step is
// accepted once per account.
//
// The password is checked outside any write transaction (argon2id is slow on
// purpose and would hold the writer); the outcome is then stored in a short
// write transaction that reads the account again, so concurrent attempts
// cannot both spend the same code or slip past a lock. rec is called in that
// transaction; an error from it, or from the database, is returned as is.
func Authenticate(ctx context.Context, db *store.DB, sealer Sealer, username, password, code string, now time.Time, rec Recorder) (Staff, error) {
	return AuthenticateFrom(ctx, db, sealer, username, password, code, "", now, rec)
}

// AuthenticateFrom is Authenticate for an attempt from the client address
// source, throttled per address (decision 0025): every failed attempt from
// it, whatever the username (known or not), is counted in the database, and
// once AddrLimit.N failed within AddrLimit.Window the address is refused,
// before any check, with apperr.RateLimited "staff.signin_throttled" ("try
// again later"), recorded through rec with the reason "throttled". An
// empty source is not throttled (the command line, tests).
func AuthenticateFrom(ctx context.Context, db *store.DB, sealer Sealer, username, password, code, source string, now time.Time, rec Recorder) (Staff, error) {
	username = normalizeUsername(username)
	code = parseTOTPCode(code)
	var c credentials
	var found, throttled bool
	err := db.Read(ctx, func(tx *store.Tx) error {
		throttled = false
		if source != "" {
			n, err := throttle.Count(tx, addrKey(source), AddrLimit.Window)
			if err != nil {
				return err
			}
			if throttled = n >= AddrLimit.N; throttled {
				return nil
			}
		}
		var err error
		c, found, err = readCredentials(ctx, tx, username)
		return err
	})
	if err != nil {
		return Staff{}, err
	}
	if throttled {
		if err := db.Write(ctx, func(tx *store.Tx) error { return rec(ctx, tx, 0, "denied", reasonThrottled) }); err != nil {
			return Staff{}, err
		}
		return Staff{}, apperr.New(apperr.RateLimited, "staff.signin_throttled")
	}

	// Check everything before deciding, whatever the account's state: the
	// same work for every attempt.
	hash := c.hash
	if !found {
		hash = dummyHash()
	}
	passwordOK := checkPassword(hash, password) && found
	var secret []byte
	if found {
		if secret, err = sealer.Open(totpAAD(c.Username), c.sealed); err != nil {
			return Staff{}, fmt.Errorf("opening the TOTP secret of staff:%d: %w", c.ID, err)
		}
		defer clear(secret)
	}
	// Renew a hash made with weaker parameters, but only for a sign-in
	// that is going to succeed: the extra computation on a right password
	// alone would tell, by timing, that the password was right.
	var rehash string
	if _, codeOK := matchTOTP(secret, code, now, c.lastStep); passwordOK && codeOK && !c.Locked && !c.Disabled && needsRehash(c.hash) {
		rehash = hashPassword(password, hashParams)
	}

	var reason string
	err = db.Write(ctx, func(tx *store.Tx) error {
		reason = ""
		if !found {
			reason = reasonUnknown
			if err := countAddrFailure(tx, source); err != nil {
				return err
			}
			return rec(ctx, tx, 0, "denied", reason)
		}
		// Read again: another attempt may have locked the account, or spent
		// a code, since the first read.
		cur, ok, err := readCredentials(ctx, tx, username)
		if err != nil {
			return err
		}
		if !ok || cur.ID != c.ID {
			reason = reasonUnknown
			if err := countAddrFailure(tx, source); err != nil {
				return err
			}
			return rec(ctx, tx, 0, "denied", reason)
		}
		step, codeOK := matchTOTP(secret, code, now, cur.lastStep)
		switch {
		case cur.Disabled:
			reason = reasonDisabled
		case cur.Locked:
			reason = reasonLocked
		case !passwordOK || cur.hash != c.hash:
			// A password changed since the first read was not checked.
			reason = reasonPassword
		case !codeOK:
			reason = reasonCode
			if _, used := matchTOTP(secret, code, now, 0); used {
				reason = reasonReplay
			}
		}
		if reason != "" {
			if err := countAddrFailure(tx, source); err != nil {
				return err
			}
			if reason == reasonPassword || reason == reasonCode || reason == reasonReplay {
				if err := recordFailure(ctx, tx, cur); err != nil {
					return err
				}
			}
			return rec(ctx, tx, cur.ID, "denied", reason)
		}
		newHash := cur.hash
		if rehash != "" {
			newHash = rehash
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET failed_attempts = 0, lockouts = 0, locked_at = NULL, locked_until = NULL,
			totp_last_step = $2, password_hash = $3, updated_at = $4
			WHERE id = $1`, cur.ID, step, newHash, tx.Now.UnixMicro()); err != nil {
			return err
		}
		c.Staff = cur.Staff
		return rec(ctx, tx, cur.ID, "ok", "")
	})
	if err != nil {
		return Staff{}, err
	}
	if reason != "" {
		return Staff{}, errSignin()
	}
	return c.Staff, nil
}

// countAddrFailure counts a failed sign-in from the client address source
// (none for an empty source). Counting stops at recordCap events in the
// window: the limit is long reached by then.
func countAddrFailure(tx *store.Tx, source string) error {
	if source == "" {
		return nil
	}
	_, _, err := throttle.Take(tx, addrKey(source), throttle.Limit{N: recordCap, Window: AddrLimit.Window})
	return err
}

// recordFailure counts a failed attempt and, at MaxFailures, locks the
// account for lockDuration of its lockouts in a row; the count of failures
// then starts again, for the next lock once this one ends.
func recordFailure(ctx context.Context, tx *store.Tx, c credentials) error {
	failures := c.failures + 1
	if failures < MaxFailures {
		_, err := tx.ExecContext(ctx, "UPDATE staff SET failed_attempts = $2, updated_at = $3 WHERE id = $1",
			c.ID, failures, tx.Now.UnixMicro())
		return err
	}
	lockouts := c.lockouts + 1
	until := tx.Now.Add(lockDuration(lockouts))
	_, err := tx.ExecContext(ctx, `UPDATE staff SET failed_attempts = 0, lockouts = $2, locked_at = $3, locked_until = $4, updated_at = $3
		WHERE id = $1`, c.ID, lockouts, tx.Now.UnixMicro(), until.UnixMicro())
	return err
}

// ChangePassword replaces a staff member's password. It asks for what a
// sign-in asks (the current password and a fresh TOTP code, checked by
// Authenticate with the same lockout and replay rules, and recorded through
// rec), so a session left open on someone's desk cannot be used to take the
// account over. The new password follows the rules of Create (field
// "new_password"). On success every session of the member ends; the caller
// starts a new one for the browser in use.
func ChangePassword(ctx context.Context, db *store.DB, sealer Sealer, id int64, current, next, code string, now time.Time, rec Recorder) (Staff, error) {
	var member Staff
	if err := db.Read(ctx, func(tx *store.Tx) (err error) {
		member, err = Get(ctx, tx, id)
		return err
	}); err != nil {
		return Staff{}, err
	}
	if err := checkNewPassword(member.Username, next); err != nil {
		e := apperr.As(err)
		return Staff{}, &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "new_password", Key: e.Fields[0].Key}}}
	}
	if next == current {
		return Staff{}, invalid("new_password", "staff.password_same")
	}
	// Hashed outside any write transaction, as sign-in does.
	hash := hashPassword(next, hashParams)
	return Authenticate(ctx, db, sealer, member.Username, current, code, now, func(ctx context.Context, tx *store.Tx, staffID int64, result, reason string) error {
		if result == "ok" {
			if _, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = $2, updated_at = $3 WHERE id = $1`,
				staffID, hash, tx.Now.UnixMicro()); err != nil {
				return err
			}
		}
		return rec(ctx, tx, staffID, result, reason)
	})
}

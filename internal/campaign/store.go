package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Message keys of the errors Store returns.
const (
	KeyStaleDraft       = "campaign.stale_draft"
	KeyAlreadySubmitted = "campaign.already_submitted"
	KeyNotEditable      = "campaign.not_editable"
	KeyDraftTooLarge    = "campaign.draft_too_large"
	KeyNotPublishable   = "campaign.not_publishable"
	KeyPatientFixed     = "campaign.patient_fixed"
	KeyTargetFixed      = "campaign.target_fixed"
)

// PatientIndexDomain is the blind-index domain of the patient's ID number. It
// is the domain of the ID numbers of verified identities and of the
// blacklist, so that one index finds a person in all three.
const PatientIndexDomain = "id-number"

// Resumed is the event recorded when a suspended request goes back to the
// state it was suspended from (see Resume and Store.Resume). It is not in
// the transition table because its destination depends on the history.
const Resumed Event = "resume"

// MaxFilingBytes bounds the size of a filing as stored (its JSON). Drafts
// are saved as they are typed and not validated, but they are bounded: a
// filing within every limit of Validate is far below this.
const MaxFilingBytes = 64 << 10

// Store keeps requests for help in the database: the filing sealed under the
// request's own data key (R-PII-1), the life cycle with every change of
// state recorded, and each published version kept unchanged (R-REQ-6).
//
// Its methods take a *store.Tx so that a caller can write the audit record of
// the same action in the same transaction. They decide nothing about who may
// see or change a request beyond the publisher's ownership of a draft: that
// is the caller's business.
type Store struct{ Vault *vault.Vault }

// Request is one request for help, unsealed.
type Request struct {
	ID              int64
	PublisherUserID int64
	State           State
	Filing          Filing
	// PatientIndex is the blind index of the patient's ID number, empty
	// while the filing holds no valid one; see OpenForPatient.
	PatientIndex string
	// Revision counts the changes of the request; a form sends back the
	// revision it showed, and a save from an older one is refused.
	Revision    int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt time.Time // zero until first submitted
}

// Version is one published version of a request (R-REQ-6).
type Version struct {
	Number    int
	Published Published
	// Changes names the fields that differ from the version before (see
	// Changes); none for the first.
	Changes []string
	By      string
	At      time.Time
}

// EventRecord is one recorded change of state.
type EventRecord struct {
	From, To State
	Event    Event
	Actor    string
	Reason   string
	At       time.Time
}

// filingAAD binds a sealed filing to its request and column, so a sealed
// value copied to another row does not open.
func filingAAD(id int64) string { return "requests.filing:" + strconv.FormatInt(id, 10) }

// versionAAD binds a sealed published text to its request and version.
func versionAAD(id int64, version int) string {
	return "request_versions.published:" + strconv.FormatInt(id, 10) + ":" + strconv.Itoa(version)
}

// normalise returns f with the patient's name and ID number in their one
// spelling where they are valid, and the blind index of the ID number (empty
// when it is not valid). Invalid values are kept as typed: a draft is saved
// as it is.
func (s Store) normalise(f Filing, today time.Time) (Filing, string) {
	if n, err := idcard.ParseName(f.PatientName); err == nil {
		f.PatientName = n
	}
	index := ""
	if id, err := idcard.Parse(f.PatientID, today); err == nil {
		f.PatientID = id.Number
		index = s.Vault.BlindIndex(PatientIndexDomain, id.Number)
	}
	return f, index
}

// PatientIndex returns the blind index of a patient's ID number, as
// OpenForPatient takes it, or "" when the number is not valid.
func (s Store) PatientIndex(number string, today time.Time) string {
	_, index := s.normalise(Filing{PatientID: number}, today)
	return index
}

// encode returns the filing's JSON, refusing one over MaxFilingBytes with
// apperr.TooLarge.
func encode(f Filing) ([]byte, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFilingBytes {
		return nil, apperr.New(apperr.TooLarge, KeyDraftTooLarge)
	}
	return b, nil
}

// listTitle returns the title as the plain column holds it: valid UTF-8
// without NUL (PostgreSQL refuses both), trimmed, at most MaxTitle runes.
// The filing keeps what was typed.
func listTitle(title string) string {
	t := strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(title, "\x00", ""), "\uFFFD"))
	if utf8.RuneCountInString(t) > MaxTitle {
		t = string([]rune(t)[:MaxTitle])
	}
	return t
}

// CreateDraft stores a new draft of publisherUserID. A draft is not
// validated, so that the form can be saved as it is filled in; it returns
// apperr.TooLarge when the filing exceeds MaxFilingBytes.
func (s Store) CreateDraft(ctx context.Context, tx *store.Tx, publisherUserID int64, f Filing) (Request, error) {
	f, index := s.normalise(f, tx.Now)
	plain, err := encode(f)
	if err != nil {
		return Request{}, err
	}
	key, err := s.Vault.NewKey(ctx, tx)
	if err != nil {
		return Request{}, err
	}
	r := Request{PublisherUserID: publisherUserID, State: Draft, Filing: f, PatientIndex: index, Revision: 1,
		CreatedAt: tx.Now, UpdatedAt: tx.Now}
	// The AAD names the request, whose id is known only once the row
	// exists: insert it with an empty value, then seal.
	err = tx.QueryRowContext(ctx, `INSERT INTO requests (publisher_user_id, state, key_id, patient_index, filing_sealed,
		target_fen, title, draft_revision, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id`,
		publisherUserID, Draft, key.ID, nullable(index), []byte{}, int64(f.Target), listTitle(f.Title), tx.Now.UnixMicro()).Scan(&r.ID)
	if err != nil {
		return Request{}, fmt.Errorf("campaign: creating a draft: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE requests SET filing_sealed = $1 WHERE id = $2",
		key.Seal(filingAAD(r.ID), plain), r.ID); err != nil {
		return Request{}, fmt.Errorf("campaign: sealing a draft: %w", err)
	}
	return r, nil
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// row is a request as stored, before its filing is unsealed.
type row struct {
	Request
	keyID  int64
	sealed []byte
}

// load reads request id, locking its row on PostgreSQL so that two saves of
// one draft queue rather than abort each other. It returns apperr.NotFound
// when there is none.
func load(ctx context.Context, tx *store.Tx, id int64) (row, error) {
	q := `SELECT id, publisher_user_id, state, key_id, patient_index, filing_sealed, draft_revision,
		submitted_at, created_at, updated_at FROM requests WHERE id = $1`
	if tx.Dialect == store.Postgres && !tx.ReadOnly {
		q += " FOR UPDATE"
	}
	rs, err := scan(tx.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	return rs, err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

func scan(sc scanner) (row, error) {
	var r row
	var index sql.NullString
	var submitted sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&r.ID, &r.PublisherUserID, &r.State, &r.keyID, &index, &r.sealed, &r.Revision,
		&submitted, &created, &updated); err != nil {
		return row{}, err
	}
	r.PatientIndex = index.String
	if submitted.Valid {
		r.SubmittedAt = time.UnixMicro(submitted.Int64).UTC()
	}
	r.CreatedAt = time.UnixMicro(created).UTC()
	r.UpdatedAt = time.UnixMicro(updated).UTC()
	return r, nil
}

// open unseals the row's filing.
func (s Store) open(ctx context.Context, tx *store.Tx, r row) (Request, error) {
	key, err := s.Vault.Key(ctx, tx, r.keyID)
	if err != nil {
		return Request{}, err
	}
	plain, err := key.Open(filingAAD(r.ID), r.sealed)
	if err != nil {
		return Request{}, fmt.Errorf("campaign: request %d: %w", r.ID, err)
	}
	if err := json.Unmarshal(plain, &r.Filing); err != nil {
		return Request{}, fmt.Errorf("campaign: request %d: decoding the filing: %w", r.ID, err)
	}
	return r.Request, nil
}

// own loads request id for its publisher: a request of another user is
// apperr.NotFound, as if it did not exist, so that ids cannot be probed.
func own(ctx context.Context, tx *store.Tx, id, publisherUserID int64) (row, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return row{}, err
	}
	if r.PublisherUserID != publisherUserID {
		return row{}, apperr.New(apperr.NotFound, "")
	}
	return r, nil
}

// write stores a new filing for r, adds one to its revision, and returns the
// request as it now is. The UPDATE repeats the revision check, so a writer
// that did not lock the row still cannot overwrite a newer one.
func (s Store) write(ctx context.Context, tx *store.Tx, r row, f Filing, state State) (Request, error) {
	f, index := s.normalise(f, tx.Now)
	plain, err := encode(f)
	if err != nil {
		return Request{}, err
	}
	key, err := s.Vault.Key(ctx, tx, r.keyID)
	if err != nil {
		return Request{}, err
	}
	submitted := sql.NullInt64{Int64: r.SubmittedAt.UnixMicro(), Valid: !r.SubmittedAt.IsZero()}
	if state == Submitted && r.State == Draft {
		submitted = sql.NullInt64{Int64: tx.Now.UnixMicro(), Valid: true}
	}
	res, err := tx.ExecContext(ctx, `UPDATE requests SET state = $1, patient_index = $2, filing_sealed = $3, target_fen = $4,
		title = $5, draft_revision = draft_revision + 1, submitted_at = $6, updated_at = $7 WHERE id = $8 AND draft_revision = $9`,
		state, nullable(index), key.Seal(filingAAD(r.ID), plain), int64(f.Target), listTitle(f.Title), submitted,
		tx.Now.UnixMicro(), r.ID, r.Revision)
	if err != nil {
		return Request{}, fmt.Errorf("campaign: saving request %d: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Request{}, err
	} else if n != 1 {
		return Request{}, apperr.New(apperr.Conflict, KeyStaleDraft)
	}
	out := r.Request
	out.State, out.Filing, out.PatientIndex, out.Revision, out.UpdatedAt = state, f, index, r.Revision+1, tx.Now
	if submitted.Valid {
		out.SubmittedAt = time.UnixMicro(submitted.Int64).UTC()
	}
	return out, nil
}

// SaveDraft replaces the filing of a draft (or of a request the reviewer
// asked more of) by its publisher. revision is the Revision the form showed.
// It returns apperr.NotFound when there is no such request or it is another
// user's, apperr.Conflict KeyNotEditable when it is no longer editable,
// apperr.Conflict KeyStaleDraft when it changed since revision (another tab
// saved it), and apperr.TooLarge as CreateDraft.
func (s Store) SaveDraft(ctx context.Context, tx *store.Tx, id, publisherUserID int64, revision int, f Filing) (Request, error) {
	r, err := own(ctx, tx, id, publisherUserID)
	if err != nil {
		return Request{}, err
	}
	if !Editable(r.State) {
		return Request{}, apperr.New(apperr.Conflict, KeyNotEditable)
	}
	if r.Revision != revision {
		return Request{}, apperr.New(apperr.Conflict, KeyStaleDraft)
	}
	return s.write(ctx, tx, r, f, r.State)
}

// Get returns request id, unsealed, or apperr.NotFound. It checks nobody's
// right to see it: callers do, and log the view of personal data (R-PII-1).
func (s Store) Get(ctx context.Context, tx *store.Tx, id int64) (Request, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return Request{}, err
	}
	return s.open(ctx, tx, r)
}

// ListByPublisher returns the requests userID filed, newest first, unsealed.
func (s Store) ListByPublisher(ctx context.Context, tx *store.Tx, userID int64) ([]Request, error) {
	raw, err := store.All(ctx, tx, func(rows *sql.Rows) (row, error) { return scan(rows) },
		`SELECT id, publisher_user_id, state, key_id, patient_index, filing_sealed, draft_revision,
		submitted_at, created_at, updated_at FROM requests WHERE publisher_user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, err
	}
	// Unseal after the rows are closed: a transaction runs one query at a time.
	out := make([]Request, 0, len(raw))
	for _, r := range raw {
		req, err := s.open(ctx, tx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, req)
	}
	return out, nil
}

// Submit files the publisher's draft for review, or sends back a request the
// reviewer asked more of: the filing must pass Validate (every field error
// is returned at once, and nothing changes), and the change of state is
// recorded. It returns apperr.NotFound as SaveDraft, apperr.Conflict
// KeyAlreadySubmitted when the request is no longer a draft or waiting for
// information (a double click), and apperr.Conflict KeyStaleDraft when the
// filing changed since revision, so that what was submitted is what the
// publisher last saw.
func (s Store) Submit(ctx context.Context, tx *store.Tx, id, publisherUserID int64, revision int, today time.Time) (Request, error) {
	r, err := own(ctx, tx, id, publisherUserID)
	if err != nil {
		return Request{}, err
	}
	if !Editable(r.State) {
		return Request{}, apperr.New(apperr.Conflict, KeyAlreadySubmitted)
	}
	if r.Revision != revision {
		return Request{}, apperr.New(apperr.Conflict, KeyStaleDraft)
	}
	req, err := s.open(ctx, tx, r)
	if err != nil {
		return Request{}, err
	}
	if err := req.Filing.Validate(today); err != nil {
		return Request{}, err
	}
	to, err := Transition(r.State, Submit)
	if err != nil {
		return Request{}, err
	}
	out, err := s.write(ctx, tx, r, req.Filing, to)
	if err != nil {
		return Request{}, err
	}
	actor := "user:" + strconv.FormatInt(publisherUserID, 10)
	if err := recordEvent(ctx, tx, id, r.State, to, Submit, actor, ""); err != nil {
		return Request{}, err
	}
	return out, nil
}

// Amend replaces the filing of an approved or fundraising request: a
// correction or an update of the story that is then reviewed and published
// as a new version (R-REQ-6, R-REV-4). The filing must pass Validate, and the
// patient stays the same person: a changed ID number is apperr.Conflict
// KeyPatientFixed (a new patient is a new request), and the target stays
// what was approved: a changed one is apperr.Conflict KeyTargetFixed. It returns
// apperr.NotFound, apperr.Conflict KeyNotEditable in any other state and
// KeyStaleDraft as SaveDraft. Who may amend is the caller's decision.
func (s Store) Amend(ctx context.Context, tx *store.Tx, id int64, revision int, f Filing, today time.Time) (Request, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return Request{}, err
	}
	if !Amendable(r.State) {
		return Request{}, apperr.New(apperr.Conflict, KeyNotEditable)
	}
	if r.Revision != revision {
		return Request{}, apperr.New(apperr.Conflict, KeyStaleDraft)
	}
	if err := f.Validate(today); err != nil {
		return Request{}, err
	}
	if _, index := s.normalise(f, today); index != r.PatientIndex {
		return Request{}, &apperr.Error{Code: apperr.Conflict, Key: KeyPatientFixed,
			Fields: []apperr.FieldError{{Field: "patient_id", Key: KeyPatientFixed}}}
	}
	// The target was what the reviewers approved, and what the cap and the
	// certificate were judged against (R-REQ-4): it does not change after
	// publication. The use of it may be re-divided.
	stored, err := s.open(ctx, tx, r)
	if err != nil {
		return Request{}, err
	}
	if f.Target != stored.Filing.Target {
		return Request{}, &apperr.Error{Code: apperr.Conflict, Key: KeyTargetFixed,
			Fields: []apperr.FieldError{{Field: "target", Key: KeyTargetFixed}}}
	}
	return s.write(ctx, tx, r, f, r.State)
}

// Apply moves request id by event ev, as Transition allows, and records who
// did it and why. It returns apperr.NotFound, or apperr.Conflict
// KeyTransition when the life cycle does not allow ev from the request's
// state. Submit goes through Store.Submit (the filing must be valid), and a
// resumption through Store.Resume; both are refused here. Apply checks no
// other precondition: opening fundraising needs CanOpenFundraising first.
func (s Store) Apply(ctx context.Context, tx *store.Tx, id int64, ev Event, actor, reason string) (Request, error) {
	if ev == Submit || ev == Resumed {
		return Request{}, apperr.New(apperr.Conflict, KeyTransition)
	}
	r, err := load(ctx, tx, id)
	if err != nil {
		return Request{}, err
	}
	to, err := Transition(r.State, ev)
	if err != nil {
		return Request{}, err
	}
	return s.move(ctx, tx, r, to, ev, actor, reason)
}

// Resume returns a suspended request to the state it was suspended from,
// when the investigation clears it, and records it as event Resumed. It
// returns apperr.NotFound, or apperr.Conflict KeyTransition when the request
// is not suspended.
func (s Store) Resume(ctx context.Context, tx *store.Tx, id int64, actor, reason string) (Request, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return Request{}, err
	}
	if r.State != Suspended {
		return Request{}, apperr.New(apperr.Conflict, KeyTransition)
	}
	var prior State
	if err := tx.QueryRowContext(ctx, `SELECT from_state FROM request_events
		WHERE request_id = $1 AND to_state = $2 ORDER BY id DESC LIMIT 1`, id, Suspended).Scan(&prior); err != nil {
		return Request{}, fmt.Errorf("campaign: request %d: the suspension is not recorded: %w", id, err)
	}
	to, err := Resume(prior)
	if err != nil {
		return Request{}, err
	}
	return s.move(ctx, tx, r, to, Resumed, actor, reason)
}

// move sets the state of r and records the event.
func (s Store) move(ctx context.Context, tx *store.Tx, r row, to State, ev Event, actor, reason string) (Request, error) {
	res, err := tx.ExecContext(ctx, `UPDATE requests SET state = $1, draft_revision = draft_revision + 1, updated_at = $2
		WHERE id = $3 AND draft_revision = $4`, to, tx.Now.UnixMicro(), r.ID, r.Revision)
	if err != nil {
		return Request{}, fmt.Errorf("campaign: moving request %d: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Request{}, err
	} else if n != 1 {
		return Request{}, apperr.New(apperr.Conflict, KeyStaleDraft)
	}
	if err := recordEvent(ctx, tx, r.ID, r.State, to, ev, actor, reason); err != nil {
		return Request{}, err
	}
	r.Revision++
	r.UpdatedAt = tx.Now
	from := r.State
	r.State = to
	out, err := s.open(ctx, tx, r)
	if err != nil {
		return Request{}, fmt.Errorf("campaign: request %d moved from %s: %w", r.ID, from, err)
	}
	return out, nil
}

func recordEvent(ctx context.Context, tx *store.Tx, id int64, from, to State, ev Event, actor, reason string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO request_events (request_id, from_state, to_state, event, actor, reason, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, from, to, ev, actor, reason, tx.Now.UnixMicro())
	if err != nil {
		return fmt.Errorf("campaign: recording event %s of request %d: %w", ev, id, err)
	}
	return nil
}

// openStates are the states of a request that is filed and not yet over:
// from submitted to fundraising. A patient has at most one of them at a time
// (the duplicate screen, R-REV-1; R-REQ-5).
var openStates = []State{Submitted, Screening, InReview, NeedsInfo, Approved, Fundraising}

// OpenForPatient returns the ids of the requests for the patient with blind
// index patientIndex (see PatientIndex) that are between submitted and
// fundraising, except request except, in id order.
func (s Store) OpenForPatient(ctx context.Context, tx *store.Tx, patientIndex string, except int64) ([]int64, error) {
	if patientIndex == "" {
		return nil, nil
	}
	args := []any{patientIndex, except}
	marks := make([]string, len(openStates))
	for i, st := range openStates {
		args = append(args, st)
		marks[i] = "$" + strconv.Itoa(i+3)
	}
	return store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	}, `SELECT id FROM requests WHERE patient_index = $1 AND id <> $2
		AND state IN (`+strings.Join(marks, ", ")+`) ORDER BY id`, args...)
}

// PublishedBefore counts the requests for the patient with blind index
// patientIndex, other than except, that were ever published: a second
// request above the cap needs a list of medical expenses (R-REQ-5). It is 0
// for an empty index.
func (s Store) PublishedBefore(ctx context.Context, tx *store.Tx, patientIndex string, except int64) (int, error) {
	if patientIndex == "" {
		return 0, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM requests r WHERE r.patient_index = $1 AND r.id <> $2
		AND EXISTS (SELECT 1 FROM request_versions v WHERE v.request_id = r.id)`, patientIndex, except).Scan(&n)
	return n, err
}

// publishable are the states whose text the public sees.
func publishable(st State) bool {
	return st == Approved || st == Fundraising || st == Closed || st == Settling
}

// Publish stores the public text of request id (Filing.Public) as its next
// version, with the fields that changed since the version before (R-REQ-6),
// and returns the version's number and those fields. Old versions are never
// updated. When nothing changed since the last version no version is added,
// and its number is returned with no changes. It returns apperr.NotFound, or
// apperr.Conflict KeyNotPublishable unless the request is approved,
// fundraising, closed or settling.
func (s Store) Publish(ctx context.Context, tx *store.Tx, id int64, actor string) (int, []string, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return 0, nil, err
	}
	if !publishable(r.State) {
		return 0, nil, apperr.New(apperr.Conflict, KeyNotPublishable)
	}
	req, err := s.open(ctx, tx, r)
	if err != nil {
		return 0, nil, err
	}
	key, err := s.Vault.Key(ctx, tx, r.keyID)
	if err != nil {
		return 0, nil, err
	}
	pub := req.Filing.Public()
	last, err := s.lastVersion(ctx, tx, key, id)
	if err != nil {
		return 0, nil, err
	}
	changes := []string{}
	if last != nil {
		for _, c := range Changes(last.Published, pub) {
			changes = append(changes, c.Field)
		}
		if len(changes) == 0 {
			return last.Number, nil, nil
		}
	}
	version := 1
	if last != nil {
		version = last.Number + 1
	}
	plain, err := json.Marshal(pub)
	if err != nil {
		return 0, nil, err
	}
	names, err := json.Marshal(changes)
	if err != nil {
		return 0, nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO request_versions (request_id, version, published_sealed, changes, by_actor, at)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, version, key.Seal(versionAAD(id, version), plain), string(names), actor,
		tx.Now.UnixMicro()); err != nil {
		return 0, nil, fmt.Errorf("campaign: publishing version %d of request %d: %w", version, id, err)
	}
	if err := logVersion(ctx, tx, id, version, pub); err != nil {
		return 0, nil, err
	}
	return version, changes, nil
}

// lastVersion returns the newest published version of request id, or nil.
func (s Store) lastVersion(ctx context.Context, tx *store.Tx, key *vault.RecordKey, id int64) (*Version, error) {
	vs, err := s.versions(ctx, tx, key, id, "ORDER BY version DESC LIMIT 1")
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	return &vs[0], nil
}

// State returns the state of request id, without unsealing its filing (a
// public page needs no more), or apperr.NotFound.
func (s Store) State(ctx context.Context, tx *store.Tx, id int64) (State, error) {
	var st State
	err := tx.QueryRowContext(ctx, "SELECT state FROM requests WHERE id = $1", id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.Wrap(err, apperr.NotFound, "")
	}
	return st, err
}

// LatestVersion returns the newest published version of request id; its
// Number is how many there are (versions are numbered from 1 without
// gaps). It returns apperr.NotFound for a request never published.
func (s Store) LatestVersion(ctx context.Context, tx *store.Tx, id int64) (Version, error) {
	var keyID int64
	err := tx.QueryRowContext(ctx, "SELECT key_id FROM requests WHERE id = $1", id).Scan(&keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return Version{}, err
	}
	key, err := s.Vault.Key(ctx, tx, keyID)
	if err != nil {
		return Version{}, err
	}
	v, err := s.lastVersion(ctx, tx, key, id)
	if err != nil {
		return Version{}, err
	}
	if v == nil {
		return Version{}, apperr.New(apperr.NotFound, "")
	}
	return *v, nil
}

// Versions returns every published version of request id, oldest first,
// unsealed; none for a request never published.
func (s Store) Versions(ctx context.Context, tx *store.Tx, id int64) ([]Version, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	key, err := s.Vault.Key(ctx, tx, r.keyID)
	if err != nil {
		return nil, err
	}
	return s.versions(ctx, tx, key, id, "ORDER BY version")
}

func (s Store) versions(ctx context.Context, tx *store.Tx, key *vault.RecordKey, id int64, order string) ([]Version, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Version, error) {
		var v Version
		var sealed []byte
		var changes string
		var at int64
		if err := rows.Scan(&v.Number, &sealed, &changes, &v.By, &at); err != nil {
			return v, err
		}
		plain, err := key.Open(versionAAD(id, v.Number), sealed)
		if err != nil {
			return v, fmt.Errorf("campaign: request %d version %d: %w", id, v.Number, err)
		}
		if err := json.Unmarshal(plain, &v.Published); err != nil {
			return v, fmt.Errorf("campaign: request %d version %d: %w", id, v.Number, err)
		}
		if err := json.Unmarshal([]byte(changes), &v.Changes); err != nil {
			return v, fmt.Errorf("campaign: request %d version %d: changes: %w", id, v.Number, err)
		}
		v.At = time.UnixMicro(at).UTC()
		return v, nil
	}, `SELECT version, published_sealed, changes, by_actor, at
		FROM request_versions WHERE request_id = $1 `+order, id)
}

// Events returns the recorded changes of state of request id, oldest first.
func (s Store) Events(ctx context.Context, tx *store.Tx, id int64) ([]EventRecord, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (EventRecord, error) {
		var e EventRecord
		var at int64
		if err := rows.Scan(&e.From, &e.To, &e.Event, &e.Actor, &e.Reason, &at); err != nil {
			return e, err
		}
		e.At = time.UnixMicro(at).UTC()
		return e, nil
	}, `SELECT from_state, to_state, event, actor, reason, at
		FROM request_events WHERE request_id = $1 ORDER BY id`, id)
}

package material

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/upload"
	"github.com/carefund/carefund/internal/vault"
)

// MaxPerRequest bounds the live (not withdrawn) materials of one request:
// a generous filing has a dozen, and each may be 10 MiB in the database.
const MaxPerRequest = 40

// IndexDomain is the blind-index domain of the SHA-256 of a material's
// stored bytes (the column content_index), for finding one file filed for
// several requests.
const IndexDomain = "material"

// Material is one uploaded file's record, without its content.
type Material struct {
	ID, RequestID int64
	Kind          Kind
	ContentType   string // upload.Kind as string
	Size          int    // bytes stored, after metadata was stripped
	UploadedBy    string
	UploadedAt    time.Time
	ReviewedBy    string
	ReviewedAt    time.Time // zero until reviewed
	PublishedBy   string
	PublishedAt   time.Time // zero until published (certificates, expense lists)
	// PublicSummary is what the public page says of a published document:
	// the reviewer's summary, never the file (see Publicize).
	PublicSummary string
	Withdrawn     bool
}

// Store keeps materials in the table request_materials.
//
// Its methods take a *store.Tx so that the caller can record the audit entry
// of the same action (a view of personal data, a review) in the same
// transaction. They check neither who may act nor the request's state: the
// caller does.
type Store struct{ Vault *vault.Vault }

// tokenSize is the length in bytes of seal_token.
const tokenSize = 16

// contentAAD binds sealed content to its request, table and column, and to
// its row by the row's seal_token.
//
// The row's id is known only after the insert, and sealing with an AAD
// naming it would need an insert with empty content followed by an update.
// A random token, fixed at insert and unique, names the row as well, and
// lets the content be sealed before the insert: the database then refuses
// every change of the content, with no exception for a first sealing update
// (see the trigger request_materials_fixed).
func contentAAD(requestID int64, token string) string {
	return "request_materials.content:" + strconv.FormatInt(requestID, 10) + ":" + token
}

// columns are the columns scan reads, in its order.
const columns = `id, request_id, kind, content_type, size_bytes, uploaded_by, uploaded_at,
	reviewed_by, reviewed_at, published_by, published_at, withdrawn_at, public_summary`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

func scan(sc scanner, extra ...any) (Material, error) {
	var m Material
	var uploaded int64
	var reviewedBy, publishedBy, summary sql.NullString
	var reviewed, published, withdrawn sql.NullInt64
	dest := append([]any{&m.ID, &m.RequestID, &m.Kind, &m.ContentType, &m.Size, &m.UploadedBy, &uploaded,
		&reviewedBy, &reviewed, &publishedBy, &published, &withdrawn, &summary}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return Material{}, err
	}
	m.UploadedAt = micros(sql.NullInt64{Int64: uploaded, Valid: true})
	m.ReviewedBy, m.ReviewedAt = reviewedBy.String, micros(reviewed)
	m.PublishedBy, m.PublishedAt = publishedBy.String, micros(published)
	m.Withdrawn = withdrawn.Valid
	m.PublicSummary = summary.String
	return m, nil
}

func micros(t sql.NullInt64) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return time.UnixMicro(t.Int64).UTC()
}

// refuse builds an Invalid error whose message also sits on field.
func refuse(key, field string) *apperr.Error {
	return &apperr.Error{Code: apperr.Invalid, Key: key, Fields: []apperr.FieldError{{Field: field, Key: key}}}
}

// Add checks r with upload.Check(r, field) and upload.Strip, seals it and stores it.
// field is the form field the errors name (e.g. "file"). It refuses an unknown
// kind (Invalid, field "kind"), more than MaxPerRequest (Conflict
// "material.too_many"), a request that does not exist (NotFound). It does not
// check who may upload or the request's state: the caller does.
//
// The refusals of upload.Check are returned as they are (Invalid or
// TooLarge, on field); an error reading r is returned without an apperr code.
// Add reads r within the transaction, so the caller should have the upload
// in memory or in a temporary file first rather than pass a network stream.
// When r is an io.Seeker it is rewound first, so that a transaction that
// store.DB.Write runs again after a serialization failure reads the whole
// file again.
func (s Store) Add(ctx context.Context, tx *store.Tx, requestID int64, kind Kind, r io.Reader, field, actor string) (Material, error) {
	if !kind.Valid() {
		return Material{}, refuse(KeyKindInvalid, "kind")
	}
	if err := lockRequest(ctx, tx, requestID); err != nil {
		return Material{}, err
	}
	var live int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM request_materials
		WHERE request_id = $1 AND withdrawn_at IS NULL`, requestID).Scan(&live); err != nil {
		return Material{}, err
	}
	if live >= MaxPerRequest {
		return Material{}, apperr.New(apperr.Conflict, KeyTooMany, MaxPerRequest)
	}
	if sk, ok := r.(io.Seeker); ok {
		if _, err := sk.Seek(0, io.SeekStart); err != nil {
			return Material{}, fmt.Errorf("material: rewinding the upload: %w", err)
		}
	}
	ct, raw, err := upload.Check(r, field)
	if err != nil {
		return Material{}, err
	}
	plain, err := upload.Strip(ct, raw)
	if err != nil {
		if e := apperr.As(err); e != nil && len(e.Fields) == 0 {
			e.Fields = []apperr.FieldError{{Field: field, Key: e.Key}}
		}
		return Material{}, err
	}
	sum := sha256.Sum256(plain)
	index := s.Vault.BlindIndex(IndexDomain, hex.EncodeToString(sum[:]))
	key, err := s.Vault.NewKey(ctx, tx)
	if err != nil {
		return Material{}, err
	}
	var tok [tokenSize]byte
	rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	m := Material{RequestID: requestID, Kind: kind, ContentType: string(ct), Size: len(plain),
		UploadedBy: actor, UploadedAt: tx.Now}
	err = tx.QueryRowContext(ctx, `INSERT INTO request_materials (request_id, kind, content_type, size_bytes, key_id,
		seal_token, content_sealed, content_index, uploaded_by, uploaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		requestID, kind, string(ct), len(plain), key.ID, token, key.Seal(contentAAD(requestID, token), plain),
		index, actor, tx.Now.UnixMicro()).Scan(&m.ID)
	if err != nil {
		return Material{}, fmt.Errorf("material: storing material of request %d: %w", requestID, err)
	}
	return m, nil
}

// lockRequest returns apperr.NotFound unless request id exists. On
// PostgreSQL it locks the request's row, so that two uploads to one request
// count the live materials one after the other, even at READ COMMITTED.
func lockRequest(ctx context.Context, tx *store.Tx, id int64) error {
	q := "SELECT id FROM requests WHERE id = $1"
	if tx.Dialect == store.Postgres {
		q += " FOR NO KEY UPDATE"
	}
	err := tx.QueryRowContext(ctx, q, id).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, apperr.NotFound, "")
	}
	return err
}

// List returns the live (not withdrawn) materials of request requestID, in
// the order they were uploaded; none for a request that does not exist.
func (s Store) List(ctx context.Context, tx *store.Tx, requestID int64) ([]Material, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Material, error) { return scan(rows) },
		`SELECT `+columns+` FROM request_materials
		WHERE request_id = $1 AND withdrawn_at IS NULL ORDER BY id`, requestID)
}

// Get returns material id of request requestID, withdrawn or not. It returns
// apperr.NotFound when there is none, or it belongs to another request, so
// that a caller allowed to see one request cannot reach another's material
// by its id.
func (s Store) Get(ctx context.Context, tx *store.Tx, requestID, id int64) (Material, error) {
	return get(ctx, tx, requestID, id)
}

func get(ctx context.Context, tx *store.Tx, requestID, id int64, extra ...any) (Material, error) {
	cols := columns
	if len(extra) > 0 {
		cols += ", key_id, seal_token, content_sealed"
	}
	m, err := scan(tx.QueryRowContext(ctx, `SELECT `+cols+` FROM request_materials
		WHERE id = $1 AND request_id = $2`, id, requestID), extra...)
	if errors.Is(err, sql.ErrNoRows) {
		return Material{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	return m, err
}

// Open returns material id of request requestID with its content decrypted:
// the file as stored, its metadata stripped. It returns apperr.NotFound as
// Get. The content is personal data: the caller logs the view (R-PII-1).
func (s Store) Open(ctx context.Context, tx *store.Tx, requestID, id int64) (Material, []byte, error) {
	var keyID int64
	var token string
	var sealed []byte
	m, err := get(ctx, tx, requestID, id, &keyID, &token, &sealed)
	if err != nil {
		return Material{}, nil, err
	}
	key, err := s.Vault.Key(ctx, tx, keyID)
	if err != nil {
		return Material{}, nil, err
	}
	plain, err := key.Open(contentAAD(requestID, token), sealed)
	if err != nil {
		return Material{}, nil, fmt.Errorf("material: material %d of request %d: %w", id, requestID, err)
	}
	return m, plain, nil
}

// Withdraw hides material id of request requestID from List: the requester
// superseded it with a new upload. It is kept, with who withdrew it and
// when. Withdrawing twice changes nothing. It returns apperr.NotFound as
// Get, and apperr.Conflict KeyPublished for published material, which the
// public has seen and which stays (R-REQ-6). The caller checks that the
// request is a draft or needs information.
func (s Store) Withdraw(ctx context.Context, tx *store.Tx, requestID, id int64, actor string) error {
	m, err := get(ctx, tx, requestID, id)
	switch {
	case err != nil:
		return err
	case m.Withdrawn:
		return nil
	case !m.PublishedAt.IsZero():
		return apperr.New(apperr.Conflict, KeyPublished)
	}
	return mark(ctx, tx, id, "withdrawn", actor)
}

// MarkReviewed records that a reviewer checked material id of request
// requestID. Marking it again changes nothing: the first reviewer and time
// stay. It returns apperr.NotFound as Get, and apperr.Conflict KeyWithdrawn
// for withdrawn material not reviewed before.
func (s Store) MarkReviewed(ctx context.Context, tx *store.Tx, requestID, id int64, actor string) error {
	m, err := get(ctx, tx, requestID, id)
	switch {
	case err != nil:
		return err
	case !m.ReviewedAt.IsZero():
		return nil
	case m.Withdrawn:
		return apperr.New(apperr.Conflict, KeyWithdrawn)
	}
	return mark(ctx, tx, id, "reviewed", actor)
}

// MarkPublished records that material id of request requestID is shown on
// the request's public page: the certificate of R-REQ-4, or an expense list.
// Marking it again changes nothing. It returns apperr.NotFound as Get, and
// apperr.Conflict with KeyNotPublishable for any other kind (an ID document
// is never public, R-PUB-1), KeyNotReviewed before MarkReviewed, and
// KeyWithdrawn for withdrawn material.
func (s Store) MarkPublished(ctx context.Context, tx *store.Tx, requestID, id int64, actor string) error {
	m, err := get(ctx, tx, requestID, id)
	switch {
	case err != nil:
		return err
	case !m.PublishedAt.IsZero():
		return nil
	case !m.Kind.Publishable():
		return apperr.New(apperr.Conflict, KeyNotPublishable)
	case m.ReviewedAt.IsZero():
		return apperr.New(apperr.Conflict, KeyNotReviewed)
	case m.Withdrawn:
		return apperr.New(apperr.Conflict, KeyWithdrawn)
	}
	return mark(ctx, tx, id, "published", actor)
}

// MaxSummary bounds a published document's summary, in characters.
const MaxSummary = 300

// Message keys of Publicize.
const (
	KeySummaryRequired = "material.summary_required"
	KeySummaryLong     = "material.summary_long" // Args: MaxSummary
)

// Publicize publishes material id of request requestID with the summary the
// public page shows of it (R-REQ-4: the certificate is "reviewed and
// publicized" before fundraising opens): who issued it, when, and what it
// certifies. The file itself stays private; the summary must not repeat the
// patient's identity (the caller checks it against the filing). It returns
// the errors of MarkPublished, and apperr.Invalid on field "summary" for an
// empty or over-long summary; a document published before keeps its
// summary.
func (s Store) Publicize(ctx context.Context, tx *store.Tx, requestID, id int64, summary, actor string) error {
	summary = strings.TrimSpace(summary)
	switch n := utf8.RuneCountInString(summary); {
	case n == 0 || !utf8.ValidString(summary) || strings.ContainsRune(summary, 0):
		return &apperr.Error{Code: apperr.Invalid, Key: KeySummaryRequired, Fields: []apperr.FieldError{{Field: "summary", Key: KeySummaryRequired}}}
	case n > MaxSummary:
		return &apperr.Error{Code: apperr.Invalid, Key: KeySummaryLong, Fields: []apperr.FieldError{{Field: "summary", Key: KeySummaryLong, Args: []any{MaxSummary}}}}
	}
	m, err := get(ctx, tx, requestID, id)
	if err != nil {
		return err
	}
	if !m.PublishedAt.IsZero() {
		return nil
	}
	if err := s.MarkPublished(ctx, tx, requestID, id, actor); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE request_materials SET public_summary = $1 WHERE id = $2 AND public_summary IS NULL",
		summary, id); err != nil {
		return fmt.Errorf("material: the summary of material %d: %w", id, err)
	}
	return nil
}

// mark sets the mark named by what (reviewed, published, withdrawn) of
// material id, if it is not set: the database refuses to change a mark once
// set.
func mark(ctx context.Context, tx *store.Tx, id int64, what, actor string) error {
	_, err := tx.ExecContext(ctx, `UPDATE request_materials SET `+what+`_by = $1, `+what+`_at = $2
		WHERE id = $3 AND `+what+`_at IS NULL`, actor, tx.Now.UnixMicro(), id)
	if err != nil {
		return fmt.Errorf("material: marking material %d %s: %w", id, what, err)
	}
	return nil
}

package complaint

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// columns are the complaint columns scan reads, in order.
const columns = `id, number, category, request_id, staff_ref, subject_staff_id, text, account_id, contact_masked,
	assigned_to, status, level, received_at, ack_due, handle_due, acked_at, ack_escalated_at, handle_escalated_at,
	closed_at, outcome, response, published, key_id, seal_token`

// row is a complaint with what unseals its personal data.
type row struct {
	Complaint
	keyID int64
	token string
}

func micros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func optMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return micros(v.Int64)
}

func scan(rows interface{ Scan(...any) error }) (row, error) {
	var r row
	var req, subject, account, assigned, acked, ackEsc, handleEsc, closed sql.NullInt64
	var outcome sql.NullString
	var received, ackDue, handleDue int64
	var published int
	err := rows.Scan(&r.ID, &r.Number, &r.Category, &req, &r.StaffRef, &subject, &r.Text, &account, &r.ContactMasked,
		&assigned, &r.Status, &r.Level, &received, &ackDue, &handleDue, &acked, &ackEsc, &handleEsc,
		&closed, &outcome, &r.Response, &published, &r.keyID, &r.token)
	r.RequestID, r.SubjectStaffID, r.AccountID, r.AssignedTo = req.Int64, subject.Int64, account.Int64, assigned.Int64
	r.ReceivedAt, r.AckDue, r.HandleDue = micros(received), micros(ackDue), micros(handleDue)
	r.AckedAt, r.AckEscalatedAt, r.HandleEscalatedAt, r.ClosedAt = optMicros(acked), optMicros(ackEsc), optMicros(handleEsc), optMicros(closed)
	r.Outcome, r.Published = Outcome(outcome.String), published == 1
	return r, err
}

// one reads the complaint where says, or reports false.
func one(ctx context.Context, tx *store.Tx, lock bool, where string, args ...any) (row, bool, error) {
	q := "SELECT " + columns + " FROM complaints WHERE " + where
	if lock && tx.Dialect == store.Postgres && !tx.ReadOnly {
		q += " FOR UPDATE"
	}
	r, err := scan(tx.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	return r, err == nil, err
}

// get reads complaint id, locked for update on PostgreSQL, or
// apperr.NotFound.
func get(ctx context.Context, tx *store.Tx, id int64) (row, error) {
	r, ok, err := one(ctx, tx, true, "id = $1", id)
	if err == nil && !ok {
		err = apperr.New(apperr.NotFound, KeyNotFound)
	}
	return r, err
}

// aad names where a sealed value of the complaint with token belongs.
func aad(what, token string) string { return "complaints." + what + ":" + token }

// newComplaint is a validated complaint ready to insert.
type newComplaint struct {
	in        Input
	meta      SubmitMeta
	textHash  string
	subject   int64
	clocks    Clocks
	files     []storedFile
	actor     string
	contact   Contact
	secretRaw string
}

// storedFile is a checked and stripped file.
type storedFile struct {
	name string
	kind string
	data []byte
}

// insert stores n under a fresh number and returns its id and number.
func insert(ctx context.Context, tx *store.Tx, v *vault.Vault, n newComplaint) (int64, string, error) {
	var number string
	for range 10 {
		number = NewNumber(tx.Now)
		var exists bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM complaints WHERE number = $1)", number).Scan(&exists); err != nil {
			return 0, "", err
		}
		if !exists {
			break
		}
	}
	key, err := v.NewKey(ctx, tx)
	if err != nil {
		return 0, "", err
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return 0, "", err
	}
	token := hex.EncodeToString(tok[:])
	contact, err := json.Marshal(n.contact)
	if err != nil {
		return 0, "", err
	}
	var idem any
	if n.meta.IdempotencyKey != "" {
		idem = n.meta.IdempotencyKey
	}
	now := tx.Now.UnixMicro()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO complaints (number, category, request_id, staff_ref, subject_staff_id, text, account_id,
		key_id, seal_token, contact_sealed, contact_masked, secret_sealed, client_key, text_hash, idem_key, status,
		received_at, ack_due, handle_due)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
		number, n.in.Category, nullID(n.in.RequestID), n.in.StaffRef, nullID(n.subject), n.in.Text, nullID(n.in.AccountID),
		key.ID, token, key.Seal(aad("contact", token), contact), n.contact.Masked(), key.SealString(aad("secret", token), n.secretRaw),
		n.meta.ClientKey, n.textHash, idem, StatusReceived, now, n.clocks.AckDue.UnixMicro(), n.clocks.HandleDue.UnixMicro()).Scan(&id)
	if err != nil {
		return 0, "", fmt.Errorf("complaint: storing: %w", err)
	}
	for i, f := range n.files {
		if _, err := tx.ExecContext(ctx, `INSERT INTO complaint_evidence (complaint_id, name, kind, size, data_sealed, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, f.name, f.kind, len(f.data),
			key.Seal(aad("evidence:"+strconv.Itoa(i), token), f.data), now); err != nil {
			return 0, "", fmt.Errorf("complaint %d: storing evidence: %w", id, err)
		}
	}
	return id, number, addEvent(ctx, tx, id, n.actor, EventReceived, "")
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// secret unseals r's tracking secret.
func secret(ctx context.Context, tx *store.Tx, v *vault.Vault, r row) (string, error) {
	var b []byte
	if err := tx.QueryRowContext(ctx, "SELECT secret_sealed FROM complaints WHERE id = $1", r.ID).Scan(&b); err != nil {
		return "", err
	}
	key, err := v.Key(ctx, tx, r.keyID)
	if err != nil {
		return "", err
	}
	return key.OpenString(aad("secret", r.token), b)
}

// contact unseals r's contact details.
func contact(ctx context.Context, tx *store.Tx, v *vault.Vault, r row) (Contact, error) {
	var b []byte
	if err := tx.QueryRowContext(ctx, "SELECT contact_sealed FROM complaints WHERE id = $1", r.ID).Scan(&b); err != nil {
		return Contact{}, err
	}
	key, err := v.Key(ctx, tx, r.keyID)
	if err != nil {
		return Contact{}, err
	}
	plain, err := key.Open(aad("contact", r.token), b)
	if err != nil {
		return Contact{}, err
	}
	var c Contact
	err = json.Unmarshal(plain, &c)
	return c, err
}

// evidenceFile unseals evidence file eid of r, with its name and kind.
func evidenceFile(ctx context.Context, tx *store.Tx, v *vault.Vault, r row, eid int64) (EvidenceInfo, []byte, error) {
	var info EvidenceInfo
	var b []byte
	err := tx.QueryRowContext(ctx, "SELECT id, name, kind, size, data_sealed FROM complaint_evidence WHERE complaint_id = $1 AND id = $2",
		r.ID, eid).Scan(&info.ID, &info.Name, &info.Kind, &info.Size, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return info, nil, apperr.New(apperr.NotFound, KeyNotFound)
	}
	if err != nil {
		return info, nil, err
	}
	// The index in the associated data is the file's position among the
	// complaint's files, as insert sealed it.
	var pos int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM complaint_evidence WHERE complaint_id = $1 AND id < $2", r.ID, eid).Scan(&pos); err != nil {
		return info, nil, err
	}
	key, err := v.Key(ctx, tx, r.keyID)
	if err != nil {
		return info, nil, err
	}
	plain, err := key.Open(aad("evidence:"+strconv.Itoa(pos), r.token), b)
	return info, plain, err
}

func addEvent(ctx context.Context, tx *store.Tx, id int64, actor string, kind EventKind, detail string) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO complaint_events (complaint_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)",
		id, tx.Now.UnixMicro(), actor, kind, detail); err != nil {
		return fmt.Errorf("complaint %d: recording %s: %w", id, kind, err)
	}
	return nil
}

// events reads complaint id's history, oldest first.
func events(ctx context.Context, tx *store.Tx, id int64) ([]Event, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Event, error) {
		var e Event
		var at int64
		err := rows.Scan(&at, &e.Actor, &e.Kind, &e.Detail)
		e.At = micros(at)
		return e, err
	}, "SELECT at, actor, kind, detail FROM complaint_events WHERE complaint_id = $1 ORDER BY id", id)
}

// evidence lists complaint id's files.
func evidence(ctx context.Context, tx *store.Tx, id int64) ([]EvidenceInfo, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (EvidenceInfo, error) {
		var e EvidenceInfo
		err := rows.Scan(&e.ID, &e.Name, &e.Kind, &e.Size)
		return e, err
	}, "SELECT id, name, kind, size FROM complaint_evidence WHERE complaint_id = $1 ORDER BY id", id)
}

// countSince counts the complaints from clientKey received after
// since.
func countSince(ctx context.Context, tx *store.Tx, clientKey string, since time.Time) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM complaints WHERE client_key = $1 AND received_at > $2",
		clientKey, since.UnixMicro()).Scan(&n)
	return n, err
}

// requestExists reports whether request id exists.
func requestExists(ctx context.Context, tx *store.Tx, id int64) (bool, error) {
	var ok bool
	err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM requests WHERE id = $1)", id).Scan(&ok)
	return ok, err
}

// calendar reads the working calendar's listed days from the day of from
// to about a year later: enough for any clock.
func calendar(ctx context.Context, tx *store.Tx, from time.Time) (Calendar, error) {
	c := Calendar{Overrides: map[string]bool{}}
	start := from.In(Shanghai)
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var day string
		var w int
		err := rows.Scan(&day, &w)
		c.Overrides[day] = w == 1
		return err
	}, "SELECT day, working FROM work_calendar WHERE day >= $1 AND day <= $2",
		start.Format(DayLayout), start.AddDate(1, 0, 0).Format(DayLayout))
	return c, err
}

// days lists the calendar's days of year.
func days(ctx context.Context, tx *store.Tx, year int) ([]Day, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Day, error) {
		var d Day
		var w int
		var at int64
		err := rows.Scan(&d.Day, &w, &d.Name, &d.UpdatedBy, &at)
		d.Working = w == 1
		if at != 0 {
			d.UpdatedAt = micros(at)
		}
		return d, err
	}, "SELECT day, working, name, updated_by, updated_at FROM work_calendar WHERE day LIKE $1 ORDER BY day", fmt.Sprintf("%04d-%%", year))
}

// setDay lists or changes a day of the calendar.
func setDay(ctx context.Context, tx *store.Tx, d Day, by string) error {
	w := 0
	if d.Working {
		w = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO work_calendar (day, working, name, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (day) DO UPDATE SET working = excluded.working, name = excluded.name, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		d.Day, w, d.Name, tx.Now.UnixMicro(), by)
	return err
}

// removeDay takes a day off the calendar: it follows the weekday rule again.
func removeDay(ctx context.Context, tx *store.Tx, day string) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM work_calendar WHERE day = $1", day)
	return err
}

// list reads complaints matching where, ordered by order.
func list(ctx context.Context, tx *store.Tx, where, order string, limit int, args ...any) ([]row, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (row, error) { return scan(rows) },
		"SELECT "+columns+" FROM complaints WHERE "+where+" ORDER BY "+order+" LIMIT "+strconv.Itoa(limit), args...)
}

// statRows reads what Stats needs of the complaints received in [from, to).
func statRows(ctx context.Context, tx *store.Tx, from, to time.Time) ([]statRow, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (statRow, error) {
		var r statRow
		var received, ackDue, handleDue int64
		var acked, closed, ackEsc, handleEsc sql.NullInt64
		var outcome sql.NullString
		err := rows.Scan(&r.category, &outcome, &received, &acked, &closed, &ackDue, &handleDue, &ackEsc, &handleEsc)
		r.outcome = Outcome(outcome.String)
		r.received, r.acked, r.closed = micros(received), optMicros(acked), optMicros(closed)
		r.ackDue, r.handleDue = micros(ackDue), micros(handleDue)
		r.escalated = optMicros(ackEsc)
		if h := optMicros(handleEsc); r.escalated.IsZero() || (!h.IsZero() && h.Before(r.escalated)) {
			r.escalated = h
		}
		return r, err
	}, `SELECT category, outcome, received_at, acked_at, closed_at, ack_due, handle_due, ack_escalated_at, handle_escalated_at
		FROM complaints WHERE received_at >= $1 AND received_at < $2`, from.UnixMicro(), to.UnixMicro())
}

// ResponseText reads the response of the complaint numbered ref for the
// content screen's queue (content.TextFunc, R-CONT-1), with a link to the
// complaint in the console.
func ResponseText(ctx context.Context, tx *store.Tx, ref string) (content.Text, error) {
	var id int64
	var response sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT id, response FROM complaints WHERE number = $1", ref).Scan(&id, &response)
	if errors.Is(err, sql.ErrNoRows) {
		return content.Text{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return content.Text{}, err
	}
	return content.Text{Body: response.String, Link: "/staff/complaints/" + strconv.FormatInt(id, 10)}, nil
}

// Closed is a closed complaint not yet anonymized: when it was closed.
type Closed struct {
	ID       int64
	ClosedAt time.Time
}

// ClosedBefore returns up to limit closed complaints not yet anonymized,
// closed at or before before, the one closed first first (R-PII-2), whether
// or not they concern a request.
func ClosedBefore(ctx context.Context, tx *store.Tx, before time.Time, limit int) ([]Closed, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Closed, error) {
		var c Closed
		var at int64
		err := rows.Scan(&c.ID, &at)
		c.ClosedAt = micros(at)
		return c, err
	}, `SELECT id, closed_at FROM complaints WHERE closed_at IS NOT NULL AND closed_at <= $1 AND anonymized_at IS NULL
		ORDER BY closed_at, id LIMIT `+strconv.Itoa(limit), before.UnixMicro())
}

// AnonymizedContact is what a complaint's masked contact says once
// anonymized.
const AnonymizedContact = "（已匿名化）"

// AnonymizedEvidenceName is an evidence file's name once anonymized.
const AnonymizedEvidenceName = "anonymized"

// Anonymize clears the personal data complaint id holds (R-PII-2), in tx:
// it marks the complaint anonymized (only a closed one is: migration 0043),
// replaces its sealed contact details and every evidence file by tombstone,
// masks the contact and the files' names, and shreds the complaint's data
// key, so a copy of the ciphertext in a backup never opens again. The
// category, the outcome, the times, the text of the history and the
// response stay. It returns the names of what was cleared, and false when
// the complaint is open or anonymized already.
func Anonymize(ctx context.Context, tx *store.Tx, id int64, tombstone []byte) ([]string, bool, error) {
	r, ok, err := one(ctx, tx, true, "id = $1 AND closed_at IS NOT NULL AND anonymized_at IS NULL", id)
	if err != nil || !ok {
		return nil, false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE complaints SET anonymized_at = $1, contact_sealed = $2, contact_masked = $3 WHERE id = $4`,
		tx.Now.UnixMicro(), tombstone, AnonymizedContact, id); err != nil {
		return nil, false, fmt.Errorf("complaint %d: anonymizing: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE complaint_evidence SET data_sealed = $1, name = $2 WHERE complaint_id = $3`,
		tombstone, AnonymizedEvidenceName, id)
	if err != nil {
		return nil, false, fmt.Errorf("complaint %d: anonymizing evidence: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, false, err
	}
	if err := vault.Shred(ctx, tx, r.keyID); err != nil {
		return nil, false, err
	}
	cleared := []string{"complaints.contact"}
	if n > 0 {
		cleared = append(cleared, fmt.Sprintf("complaint_evidence:%d", n))
	}
	return cleared, true, nil
}

// setEscalated records that clock c of complaint id ran out and was
// escalated at now (Unix microseconds) to level, assigned to assignee (0:
// nobody).
func setEscalated(ctx context.Context, tx *store.Tx, id int64, c Clock, now int64, level int, assignee int64) error {
	col := "ack_escalated_at"
	if c == ClockHandle {
		col = "handle_escalated_at"
	}
	_, err := tx.ExecContext(ctx, "UPDATE complaints SET "+col+" = $1, level = $2, assigned_to = $3 WHERE id = $4",
		now, level, nullID(assignee), id)
	return err
}

// setAssignee assigns complaint id to staff member to.
func setAssignee(ctx context.Context, tx *store.Tx, id, to int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE complaints SET assigned_to = $1 WHERE id = $2", to, id)
	return err
}

// setAcknowledged marks complaint id acknowledged now and triaged,
// assigned to assignee.
func setAcknowledged(ctx context.Context, tx *store.Tx, id, assignee int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE complaints SET acked_at = $1, status = $2, assigned_to = $3 WHERE id = $4",
		tx.Now.UnixMicro(), StatusTriaged, assignee, id)
	return err
}

// setStatus moves complaint id to st.
func setStatus(ctx context.Context, tx *store.Tx, id int64, st Status) error {
	_, err := tx.ExecContext(ctx, "UPDATE complaints SET status = $1 WHERE id = $2", st, id)
	return err
}

// setRequest links complaint id to request requestID.
func setRequest(ctx context.Context, tx *store.Tx, id, requestID int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE complaints SET request_id = $1 WHERE id = $2", requestID, id)
	return err
}

// setSubject names staff member subject as whom complaint id is about,
// taking the complaint from them when unassign (R-COMP-1).
func setSubject(ctx context.Context, tx *store.Tx, id, subject int64, unassign bool) error {
	q := "UPDATE complaints SET subject_staff_id = $1 WHERE id = $2"
	if unassign {
		q = "UPDATE complaints SET subject_staff_id = $1, assigned_to = NULL WHERE id = $2"
	}
	_, err := tx.ExecContext(ctx, q, subject, id)
	return err
}

// setClosed closes complaint id now as st with outcome and response,
// published on its request's page when publish (R-DISC-2).
func setClosed(ctx context.Context, tx *store.Tx, id int64, st Status, outcome Outcome, response string, publish bool) error {
	pub := 0
	if publish {
		pub = 1
	}
	_, err := tx.ExecContext(ctx, "UPDATE complaints SET status = $1, outcome = $2, response = $3, published = $4, closed_at = $5 WHERE id = $6",
		st, outcome, response, pub, tx.Now.UnixMicro(), id)
	return err
}

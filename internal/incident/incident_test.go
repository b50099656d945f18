package incident

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

var base = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func hours(h float64) time.Time { return base.Add(time.Duration(h * float64(time.Hour))) }

func good() Input {
	return Input{Type: TypeLeak, Title: "Staff member exported patient files", Description: "Reported by a colleague.",
		SuspectActor: "staff:1", From: hours(1), To: hours(3)}
}

func fieldKeys(err error) map[string]string {
	keys := map[string]string{}
	if e := apperr.As(err); e != nil {
		for _, f := range e.Fields {
			keys[f.Field] = f.Key
		}
	}
	return keys
}

func TestValidate(t *testing.T) {
	if err := good().Validate(); err != nil {
		t.Fatalf("a good input: %v", err)
	}
	tests := []struct {
		name        string
		edit        func(*Input)
		field, want string
	}{
		{"no type", func(in *Input) { in.Type = "" }, "type", "incident.type_invalid"},
		{"unknown type", func(in *Input) { in.Type = "breach" }, "type", "incident.type_invalid"},
		{"no title", func(in *Input) { in.Title = "  " }, "title", "incident.title_empty"},
		{"long title", func(in *Input) { in.Title = strings.Repeat("泄", MaxTitle+1) }, "title", "incident.title_long"},
		{"invalid title", func(in *Input) { in.Title = "a\x00b" }, "title", "incident.chars"},
		{"long description", func(in *Input) { in.Description = strings.Repeat("露", MaxDescription+1) }, "description", "incident.description_long"},
		{"invalid description", func(in *Input) { in.Description = "\xff" }, "description", "incident.chars"},
		{"suspect not an actor", func(in *Input) { in.SuspectActor = "Zhang San" }, "suspect_actor", "incident.suspect_invalid"},
		{"suspect with no number", func(in *Input) { in.SuspectActor = "staff:" }, "suspect_actor", "incident.suspect_invalid"},
		{"no from", func(in *Input) { in.From = time.Time{} }, "from", "incident.from_empty"},
		{"no to", func(in *Input) { in.To = time.Time{} }, "to", "incident.to_empty"},
		{"to before from", func(in *Input) { in.To = in.From.Add(-time.Microsecond) }, "to", "incident.to_before_from"},
		{"window too long", func(in *Input) { in.To = in.From.Add(MaxWindowDays*24*time.Hour + time.Second) }, "to", "incident.window_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.edit(&in)
			err := in.Validate()
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("Validate = %v, want invalid", err)
			}
			if got := fieldKeys(err); got[tt.field] != tt.want || len(got) != 1 {
				t.Errorf("field messages %v, want only %s: %s", got, tt.field, tt.want)
			}
		})
	}
	t.Run("edges pass", func(t *testing.T) {
		for _, in := range []Input{
			{Type: TypeLeak, Title: strings.Repeat("泄", MaxTitle), From: hours(0), To: hours(0)},
			{Type: TypeTampering, Title: "t", SuspectActor: "anonymous", From: hours(0), To: hours(0).Add(MaxWindowDays * 24 * time.Hour)},
			{Type: TypeLoss, Title: "t", SuspectActor: "user:5", From: hours(0), To: hours(1)},
		} {
			if err := in.Validate(); err != nil {
				t.Errorf("Validate(%+v) = %v", in, err)
			}
		}
	})
}

// plant appends audit entries, each at its own time.
func plant(t *testing.T, db *store.DB, entries ...struct {
	at                    float64
	actor, action, object string
}) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		for _, e := range entries {
			tx.Now = hours(e.at)
			if _, err := audit.Append(ctx, tx, audit.Record{Actor: e.actor, Action: e.action, Object: e.object,
				Result: audit.ResultOK, Source: "192.0.2.1"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func write[T any](t *testing.T, db *store.DB, fn func(context.Context, *store.Tx) (T, error)) (T, error) {
	t.Helper()
	ctx := context.Background()
	var v T
	err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		v, err = fn(ctx, tx)
		return err
	})
	return v, err
}

// R-PII-3: an incident lists exactly the people whose data the suspect
// viewed in the window, found in the audit log.
func TestOpenFindsAffected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		type e = struct {
			at                    float64
			actor, action, object string
		}
		plant(t, db,
			e{0.5, "staff:1", "pii.view", "user:10"},    // before the window
			e{1, "staff:1", "pii.view", "user:1"},       // at the window's start
			e{1.5, "staff:2", "pii.view", "user:20"},    // another actor
			e{2, "staff:1", "pii.view", "user:2"},       //
			e{2, "staff:1", "pii.export", "identity:3"}, // any pii. action
			e{2, "staff:1", "staff.sign_in", "user:30"}, // not a view of personal data
			e{2, "staff:1", "pii_view", "user:31"},      // not "pii."
			e{2, "staff:1", "PII.view", "user:32"},      // case counts
			e{2, "staff:1", "pii.view", ""},             // no object
			e{2.5, "staff:1", "pii.view", "user:1"},     // the same person again
			e{2.5, "staff:12", "pii.view", "user:33"},   // an actor whose name starts the same
			e{3, "staff:1", "pii.view", "user:100"},     // at the window's end
			e{3.5, "staff:1", "pii.view", "user:11"},    // after the window
			e{2.5, "staff:2", "pii.view", "user:21"},    // another actor
			e{3.0001, "staff:2", "pii.view", "user:22"}, // just after the window
		)
		tests := []struct {
			name    string
			suspect string
			want    []string
		}{
			{"one actor", "staff:1", []string{"identity:3", "user:1", "user:100", "user:2"}},
			{"the other actor", "staff:2", []string{"user:20", "user:21"}},
			{"anyone", "", []string{"identity:3", "user:1", "user:100", "user:2", "user:20", "user:21", "user:33"}},
			{"nobody", "staff:9", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := good()
				in.SuspectActor = tt.suspect
				inc, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) {
					return Open(ctx, tx, in, "staff:3")
				})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(inc.Affected, tt.want) {
					t.Errorf("Open: affected %v, want %v", inc.Affected, tt.want)
				}
				got, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) {
					return Get(ctx, tx, inc.ID)
				})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got.Affected, tt.want) || got.Status != StatusOpen || got.OpenedBy != "staff:3" ||
					got.SuspectActor != tt.suspect || !got.From.Equal(in.From) || !got.To.Equal(in.To) || got.Title != in.Title {
					t.Errorf("Get = %+v", got)
				}
			})
		}
		t.Run("kept as opened", func(t *testing.T) {
			inc, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) {
				return Open(ctx, tx, good(), "staff:3")
			})
			if err != nil {
				t.Fatal(err)
			}
			// A view recorded later, inside the window (a clock set
			// back), does not change who was notified.
			plant(t, db, e{2, "staff:1", "pii.view", "user:40"})
			got, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) {
				return Get(ctx, tx, inc.ID)
			})
			if err != nil || !slices.Equal(got.Affected, inc.Affected) {
				t.Errorf("Get = %v, %v; want affected %v", got.Affected, err, inc.Affected)
			}
		})
	})
}

func TestOpenRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := good()
		in.Title = ""
		_, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) {
			return Open(ctx, tx, in, "staff:3")
		})
		if apperr.CodeOf(err) != apperr.Invalid || fieldKeys(err)["title"] != "incident.title_empty" {
			t.Errorf("Open = %v", err)
		}
		incs, err := write(t, db, func(ctx context.Context, tx *store.Tx) ([]Incident, error) { return List(ctx, tx) })
		if err != nil || len(incs) != 0 {
			t.Errorf("List = %v, %v; want none", incs, err)
		}
	})
}

// R-PII-3: an incident records its remediation and a notice to the
// authority and to each person affected, moves only forward, and is marked
// notified or closed only once the authority and every person affected
// were told (a failed notice tells nobody).
func TestStepsAndStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		type e = struct {
			at                    float64
			actor, action, object string
		}
		plant(t, db, e{2, "staff:1", "pii.view", "user:1"}, e{2, "staff:1", "pii.view", "user:2"})
		db.SetClock(func() time.Time { return hours(24) })
		in := good()
		in.Type = TypeTampering
		inc, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) {
			return Open(ctx, tx, in, "staff:3")
		})
		if err != nil {
			t.Fatal(err)
		}
		if inc.Type != TypeTampering || !slices.Equal(inc.Affected, []string{"user:1", "user:2"}) {
			t.Fatalf("opened %+v, want a tampering affecting user:1 and user:2", inc)
		}
		id := inc.ID
		step := func(kind, text string) func(context.Context, *store.Tx) (Incident, error) {
			return func(ctx context.Context, tx *store.Tx) (Incident, error) {
				return AddStep(ctx, tx, id, kind, text, "staff:3")
			}
		}
		status := func(s Status) func(context.Context, *store.Tx) (Incident, error) {
			return func(ctx context.Context, tx *store.Tx) (Incident, error) { return SetStatus(ctx, tx, id, s, "staff:4") }
		}
		notice := func(audience, recipient, outcome string, at float64) func(context.Context, *store.Tx) (Incident, error) {
			return func(ctx context.Context, tx *store.Tx) (Incident, error) {
				return RecordNotice(ctx, tx, id, NoticeInput{Audience: audience, Recipient: recipient, Reference: "ref-1",
					Channel: "sms", SentAt: hours(at), Outcome: outcome}, "staff:5")
			}
		}
		// In order: each builds on the ones before.
		tests := []struct {
			name   string
			do     func(context.Context, *store.Tx) (Incident, error)
			code   apperr.Code
			key    string // the error's key, or its field's key
			status Status // after, when it succeeds
		}{
			{"unknown kind", step("bogus", "x"), apperr.Invalid, "incident.kind_invalid", ""},
			{"status is not a kind to add", step(KindStatus, "closed"), apperr.Invalid, "incident.kind_invalid", ""},
			{"a notice is not a step to add", step(KindNoticePeople, "told them"), apperr.Invalid, "incident.kind_invalid", ""},
			{"empty text", step(KindNote, "   "), apperr.Invalid, "incident.text_empty", ""},
			{"long text", step(KindNote, strings.Repeat("x", MaxText+1)), apperr.Invalid, "incident.text_long", ""},
			{"no such incident", func(ctx context.Context, tx *store.Tx) (Incident, error) {
				return AddStep(ctx, tx, id+100, KindNote, "x", "staff:3")
			}, apperr.NotFound, "incident.not_found", ""},
			{"unknown status", status("bogus"), apperr.Invalid, "incident.status_unknown", ""},
			{"not open again", status(StatusOpen), apperr.Conflict, "incident.status_backward", ""},
			{"not contained without remediation", status(StatusContained), apperr.Conflict, "incident.needs_remediation", ""},
			{"not closed without remediation", status(StatusClosed), apperr.Conflict, "incident.needs_remediation", ""},
			{"a note", step(KindNote, "Account staff:1 suspended pending review."), "", "", StatusOpen},
			{"a remediation", step(KindRemediation, "Revoked staff:1's access; rotated export keys."), "", "", StatusOpen},
			{"contained", status(StatusContained), "", "", StatusContained},
			{"not back to open", status(StatusOpen), apperr.Conflict, "incident.status_backward", ""},
			{"not contained twice", status(StatusContained), apperr.Conflict, "incident.status_backward", ""},
			{"not notified without telling the authority", status(StatusNotified), apperr.Conflict, "incident.needs_notice_authority", ""},
			{"a notice to someone not affected", notice(AudiencePerson, "user:3", OutcomeSent, 5), apperr.Invalid, "incident.recipient_unknown", ""},
			{"a notice sent in the future", notice(AudiencePerson, "user:1", OutcomeSent, 25), apperr.Invalid, "incident.sent_at_future", ""},
			{"a notice to no authority", notice(AudienceAuthority, " ", OutcomeSent, 5), apperr.Invalid, "incident.authority_empty", ""},
			{"a failed notice to the authority", notice(AudienceAuthority, "省网信办", OutcomeFailed, 5), "", "", StatusContained},
			{"not notified when the authority's notice failed", status(StatusNotified), apperr.Conflict, "incident.needs_notice_authority", ""},
			{"a notice to the authority", notice(AudienceAuthority, "省网信办", OutcomeSent, 6), "", "", StatusContained},
			{"not notified with nobody told", status(StatusNotified), apperr.Conflict, "incident.needs_notice_people", ""},
			{"a failed notice to user:1", notice(AudiencePerson, "user:1", OutcomeFailed, 7), "", "", StatusContained},
			{"a notice to user:1", notice(AudiencePerson, "user:1", OutcomeSent, 8), "", "", StatusContained},
			{"not notified with user:2 untold", status(StatusNotified), apperr.Conflict, "incident.needs_notice_people", ""},
			{"not closed with user:2 untold", status(StatusClosed), apperr.Conflict, "incident.needs_notice_people", ""},
			{"a notice to user:2", notice(AudiencePerson, "user:2", OutcomeDelivered, 9), "", "", StatusContained},
			{"notified", status(StatusNotified), "", "", StatusNotified},
			{"closed", status(StatusClosed), "", "", StatusClosed},
			{"no step once closed", step(KindNote, "late"), apperr.Conflict, "incident.closed", ""},
			{"no notice once closed", notice(AudiencePerson, "user:2", OutcomeSent, 10), apperr.Conflict, "incident.closed", ""},
			{"not reopened", status(StatusNotified), apperr.Conflict, "incident.status_backward", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := write(t, db, tt.do)
				if tt.code == "" {
					if err != nil {
						t.Fatal(err)
					}
					if got.Status != tt.status {
						t.Errorf("status %s, want %s", got.Status, tt.status)
					}
					return
				}
				if apperr.CodeOf(err) != tt.code {
					t.Fatalf("error %v, want code %s", err, tt.code)
				}
				e := apperr.As(err)
				if key := e.Key; key != tt.key && !slices.Contains(slices.Collect(maps.Values(fieldKeys(err))), tt.key) {
					t.Errorf("error %v, want key %s", err, tt.key)
				}
			})
		}
		got, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) { return Get(ctx, tx, id) })
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, s := range got.Steps {
			kinds = append(kinds, s.Kind+":"+s.By)
		}
		want := []string{"note:staff:3", "remediation:staff:3", "status:staff:4", "notice_regulator:staff:5",
			"notice_regulator:staff:5", "notice_people:staff:5", "notice_people:staff:5", "notice_people:staff:5",
			"status:staff:4", "status:staff:4"}
		if !slices.Equal(kinds, want) {
			t.Errorf("steps %v, want %v", kinds, want)
		}
		if last := got.Steps[len(got.Steps)-1]; last.Text != string(StatusClosed) || last.At.IsZero() {
			t.Errorf("last step %+v, want the move to closed", last)
		}
		// Each person's notices, with the time each was sent.
		var notices []string
		for _, n := range got.Notices {
			notices = append(notices, n.Recipient+" "+n.Outcome+" "+n.SentAt.Format("15:04")+" "+n.SentBy+" "+n.Channel+" "+n.Reference)
		}
		wantNotices := []string{"省网信办 failed 13:00 staff:5 sms ref-1", "省网信办 sent 14:00 staff:5 sms ref-1",
			"user:1 failed 15:00 staff:5 sms ref-1", "user:1 sent 16:00 staff:5 sms ref-1", "user:2 delivered 17:00 staff:5 sms ref-1"}
		if !slices.Equal(notices, wantNotices) {
			t.Errorf("notices %v, want %v", notices, wantNotices)
		}
		if got.Notices[0].RecordedAt.IsZero() {
			t.Errorf("a notice with no time it was recorded")
		}
	})
}

func TestList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var ids []int64
		for _, title := range []string{"first", "second", "third"} {
			in := good()
			in.Title = title
			inc, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) { return Open(ctx, tx, in, "staff:3") })
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, inc.ID)
		}
		if _, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) {
			return AddStep(ctx, tx, ids[1], KindNote, "n", "staff:3")
		}); err != nil {
			t.Fatal(err)
		}
		incs, err := write(t, db, func(ctx context.Context, tx *store.Tx) ([]Incident, error) { return List(ctx, tx) })
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, inc := range incs {
			titles = append(titles, inc.Title)
		}
		if !slices.Equal(titles, []string{"third", "second", "first"}) {
			t.Errorf("List titles %v, want newest first", titles)
		}
		if len(incs) == 3 && (len(incs[1].Steps) != 1 || len(incs[0].Steps) != 0 || len(incs[2].Steps) != 0) {
			t.Errorf("steps per incident: %d, %d, %d; want 0, 1, 0", len(incs[0].Steps), len(incs[1].Steps), len(incs[2].Steps))
		}
	})
}

// R-PII-3: the record cannot be rewritten: steps and the people affected
// are never changed, incidents never deleted, the status never moved back,
// even by hand.
func TestDatabaseKeepsTheRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		plant(t, db, struct {
			at                    float64
			actor, action, object string
		}{2, "staff:1", "pii.view", "user:1"})
		inc, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) { return Open(ctx, tx, good(), "staff:3") })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := write(t, db, func(ctx context.Context, tx *store.Tx) (Incident, error) {
			if _, err := AddStep(ctx, tx, inc.ID, KindRemediation, "r", "staff:3"); err != nil {
				return Incident{}, err
			}
			if _, err := RecordNotice(ctx, tx, inc.ID, NoticeInput{Audience: AudiencePerson, Recipient: "user:1",
				Channel: "letter", SentAt: tx.Now, Outcome: OutcomeFailed}, "staff:3"); err != nil {
				return Incident{}, err
			}
			return SetStatus(ctx, tx, inc.ID, StatusContained, "staff:3")
		}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ stmt, table string }{
			{"UPDATE incident_steps SET text = 'nothing happened'", "incident_steps"},
			{"DELETE FROM incident_steps", "incident_steps"},
			{"UPDATE incident_affected SET object = 'user:2'", "incident_affected"},
			{"DELETE FROM incident_affected", "incident_affected"},
			{"DELETE FROM incidents", "incidents"},
			{"UPDATE incidents SET title = 'nothing'", "incidents"},
			{"UPDATE incidents SET status = 'open'", "incidents"},
			{"UPDATE incidents SET kind = 'loss'", "incidents"},
			{"UPDATE incident_notices SET outcome = 'delivered'", "incident_notices"},
			{"DELETE FROM incident_notices", "incident_notices"},
		} {
			t.Run(tt.stmt, func(t *testing.T) {
				_, err := write(t, db, func(ctx context.Context, tx *store.Tx) (int, error) {
					_, err := tx.ExecContext(ctx, tt.stmt)
					return 0, err
				})
				// The guard's message names its table; a typo would not.
				if err == nil || !strings.Contains(err.Error(), tt.table+":") {
					t.Errorf("%s: %v, want the %s guard to refuse it", tt.stmt, err, tt.table)
				}
			})
		}
	})
}

// R-PII-3: an incident may be marked notified only when the authority was
// told and every person affected has a notice that went out; a failed
// notice tells nobody, and a person is told from their first notice sent.
func TestCheckNotified(t *testing.T) {
	authority := Notice{Audience: AudienceAuthority, Recipient: "省网信办", Outcome: OutcomeSent, SentAt: hours(1)}
	to := func(o, outcome string, at float64) Notice {
		return Notice{Audience: AudiencePerson, Recipient: o, Outcome: outcome, SentAt: hours(at)}
	}
	tests := []struct {
		name     string
		affected []string
		notices  []Notice
		key      string // "" when it may be marked notified
		untold   []string
	}{
		{"nobody affected, authority told", nil, []Notice{authority}, "", nil},
		{"nobody affected, authority not told", nil, nil, "incident.needs_notice_authority", nil},
		{"authority's notice failed", nil, []Notice{{Audience: AudienceAuthority, Recipient: "x", Outcome: OutcomeFailed}}, "incident.needs_notice_authority", nil},
		{"a person's notice is not the authority's", []string{"user:1"}, []Notice{to("user:1", OutcomeSent, 2)}, "incident.needs_notice_authority", nil},
		{"one told, one not", []string{"user:1", "user:2"}, []Notice{authority, to("user:1", OutcomeSent, 2)}, "incident.needs_notice_people", []string{"user:2"}},
		{"a failed notice tells nobody", []string{"user:1"}, []Notice{authority, to("user:1", OutcomeFailed, 2)}, "incident.needs_notice_people", []string{"user:1"}},
		{"a notice to someone else", []string{"user:1"}, []Notice{authority, to("user:10", OutcomeSent, 2)}, "incident.needs_notice_people", []string{"user:1"}},
		{"delivered counts", []string{"user:1"}, []Notice{authority, to("user:1", OutcomeDelivered, 2)}, "", nil},
		{"everyone told", []string{"user:1", "user:2"}, []Notice{to("user:2", OutcomeSent, 3), authority, to("user:1", OutcomeFailed, 2), to("user:1", OutcomeSent, 4)}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckNotified(tt.affected, tt.notices)
			if tt.key == "" {
				if err != nil {
					t.Errorf("CheckNotified = %v, want nil", err)
				}
			} else if e := apperr.As(err); e == nil || e.Code != apperr.Conflict || e.Key != tt.key {
				t.Errorf("CheckNotified = %v, want conflict %s", err, tt.key)
			}
			if got := Untold(tt.affected, tt.notices); !slices.Equal(got, tt.untold) {
				t.Errorf("Untold = %v, want %v", got, tt.untold)
			}
		})
	}
	t.Run("told from the first notice sent", func(t *testing.T) {
		ps := People([]string{"user:1", "user:2"}, []Notice{to("user:1", OutcomeFailed, 1), to("user:1", OutcomeSent, 5), to("user:1", OutcomeSent, 3)})
		if len(ps) != 2 || !ps[0].Told || !ps[0].First.SentAt.Equal(hours(3)) || ps[0].Tries != 3 || ps[1].Told || ps[1].Tries != 0 {
			t.Errorf("People = %+v", ps)
		}
	})
}

func TestValidateNotice(t *testing.T) {
	now := hours(10)
	good := func() NoticeInput {
		return NoticeInput{Audience: AudiencePerson, Recipient: "user:1", Channel: "letter", SentAt: hours(9), Outcome: OutcomeSent}
	}
	if err := good().Validate([]string{"user:1"}, now); err != nil {
		t.Fatalf("a good notice: %v", err)
	}
	tests := []struct {
		name        string
		edit        func(*NoticeInput)
		field, want string
	}{
		{"no audience", func(in *NoticeInput) { in.Audience = "" }, "audience", "incident.audience_invalid"},
		{"a person not affected", func(in *NoticeInput) { in.Recipient = "user:2" }, "recipient", "incident.recipient_unknown"},
		{"no authority", func(in *NoticeInput) { in.Audience, in.Recipient = AudienceAuthority, "" }, "recipient", "incident.authority_empty"},
		{"long authority", func(in *NoticeInput) {
			in.Audience, in.Recipient = AudienceAuthority, strings.Repeat("局", MaxAuthority+1)
		}, "recipient", "incident.authority_long"},
		{"invalid authority", func(in *NoticeInput) { in.Audience, in.Recipient = AudienceAuthority, "a\x00" }, "recipient", "incident.chars"},
		{"long reference", func(in *NoticeInput) { in.Reference = strings.Repeat("x", MaxReference+1) }, "reference", "incident.reference_long"},
		{"unknown channel", func(in *NoticeInput) { in.Channel = "pigeon" }, "channel", "incident.channel_invalid"},
		{"no time", func(in *NoticeInput) { in.SentAt = time.Time{} }, "sent_at", "incident.sent_at_empty"},
		{"in the future", func(in *NoticeInput) { in.SentAt = now.Add(time.Minute) }, "sent_at", "incident.sent_at_future"},
		{"unknown outcome", func(in *NoticeInput) { in.Outcome = "maybe" }, "outcome", "incident.outcome_invalid"},
		{"long note", func(in *NoticeInput) { in.Note = strings.Repeat("x", MaxNote+1) }, "note", "incident.note_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.edit(&in)
			err := in.Validate([]string{"user:1"}, now)
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("Validate = %v, want invalid", err)
			}
			if got := fieldKeys(err); got[tt.field] != tt.want || len(got) != 1 {
				t.Errorf("field messages %v, want only %s: %s", got, tt.field, tt.want)
			}
		})
	}
}

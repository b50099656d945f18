package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/web"
)

// resultOf names an outcome as the audit log does.
func resultOf(err error) string {
	switch apperr.CodeOf(err) {
	case "":
		return audit.ResultOK
	case apperr.Forbidden, apperr.Unauthorized:
		return audit.ResultDenied
	}
	return audit.ResultFailed
}

// auditedBy reports whether the handler recorded its action itself, in the
// transaction that did it.
func auditedBy(r *http.Request) bool {
	info := infoFrom(r.Context())
	return info != nil && info.audited
}

func markAudited(r *http.Request) {
	if info := infoFrom(r.Context()); info != nil {
		info.audited = true
	}
}

func (s *Server) record(r *http.Request, action, object, detail string, err error) audit.Record {
	c := callerOf(r)
	actor := "anonymous"
	switch {
	case c.staff != nil:
		actor = c.staff.Actor()
	case c.user != nil:
		actor = c.user.Actor()
	}
	if object == "" {
		object = r.URL.Path
	}
	if e := apperr.As(err); e != nil {
		detail = strings.TrimSpace(detail + " " + e.Key)
		for _, f := range e.Fields {
			detail += " " + f.Field + ":" + f.Key
		}
	} else if err != nil {
		detail = strings.TrimSpace(detail + " internal error")
	}
	return audit.Record{Actor: actor, Action: action, Object: object, Result: resultOf(err), Source: remoteIP(r), Detail: detail}
}

// audit appends the outcome of a staff request that did not record itself
// (a view, a refusal by the guard), in a transaction of its own.
func (s *Server) audit(r *http.Request, outcome error) { s.auditRefusal(r, "", "", outcome) }

// staffWrite runs fn and appends its audit record, naming the object and
// saying what was done (detail, never personal data), in the same
// transaction, so that a staff action and its record commit together or not
// at all. When fn fails, the refusal is recorded in a transaction of its own.
func (s *Server) staffWrite(r *http.Request, object, detail string, fn func(tx *store.Tx) error) error {
	acc := permissions[r.Pattern]
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		// The record goes first: a failing fn rolls it back with
		// everything else, and appending first keeps PostgreSQL from
		// aborting the transaction over the chain's head (see audit.Append).
		if _, err := audit.Append(r.Context(), tx, s.record(r, acc.action, object, detail, nil)); err != nil {
			return err
		}
		return fn(tx)
	})
	if err != nil {
		s.auditRefusal(r, object, detail, err)
	}
	markAudited(r)
	return err
}

// auditRefusal records a staff action that was refused or failed, in a
// transaction of its own: the action's own rolled back.
func (s *Server) auditRefusal(r *http.Request, object, detail string, outcome error) {
	rec := s.record(r, permissions[r.Pattern].action, object, detail, outcome)
	ctx := context.WithoutCancel(r.Context())
	if err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := audit.Append(ctx, tx, rec)
		return err
	}); err != nil {
		s.log.Error("appending to the audit log", "action", rec.Action, "err", err)
	}
}

// reshow answers a refused form: the page again, built by view, with each
// message next to its field and a 4xx status. A failure that is no refusal
// (a fault, or an object that does not exist) is returned as it is.
func reshow[P web.Page](s *Server, w http.ResponseWriter, r *http.Request, refusal error, values map[string]string, view func(web.Form) (P, error)) error {
	f, status, ok := formOf(s.lang(r), refusal, values)
	if !ok || apperr.CodeOf(refusal) == apperr.NotFound {
		return refusal
	}
	p, err := view(f)
	if err != nil {
		return err
	}
	return s.renderStatus(w, r, status, p)
}

// auditText makes what a form sent fit an audit record's detail: valid
// UTF-8, no control characters, at most n runes.
func auditText(v string, n int) string {
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(v, ""))
	if r := []rune(v); len(r) > n {
		v = string(r[:n])
	}
	return v
}

package server

import (
	"context"
	"net/http"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/store"
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

func (s *Server) record(r *http.Request, action, object string, err error) audit.Record {
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
	detail := ""
	if e := apperr.As(err); e != nil {
		detail = e.Key
		for _, f := range e.Fields {
			detail += " " + f.Field + ":" + f.Key
		}
	} else if err != nil {
		detail = "internal error"
	}
	return audit.Record{Actor: actor, Action: action, Object: object, Result: resultOf(err), Source: remoteIP(r), Detail: detail}
}

// audit appends the outcome of a staff request in a transaction of its own:
// for views, and for refusals whose transaction was rolled back.
func (s *Server) audit(r *http.Request, action string, outcome error) {
	rec := s.record(r, action, "", outcome)
	ctx := context.WithoutCancel(r.Context())
	if err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := audit.Append(ctx, tx, rec)
		return err
	}); err != nil {
		s.log.Error("appending to the audit log", "action", action, "err", err)
	}
}

// staffWrite runs fn and appends its audit record in the same transaction,
// so that a staff action and its record commit together or not at all. When
// fn fails, the guard records the refusal in a transaction of its own.
func (s *Server) staffWrite(r *http.Request, object string, fn func(tx *store.Tx) error) error {
	acc := permissions[r.Pattern]
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		// The record goes first: a failing fn rolls it back with
		// everything else, and appending first keeps PostgreSQL from
		// aborting the transaction over the chain's head (see audit.Append).
		if _, err := audit.Append(r.Context(), tx, s.record(r, acc.action, object, nil)); err != nil {
			return err
		}
		return fn(tx)
	})
	if err == nil {
		markAudited(r)
	}
	return err
}

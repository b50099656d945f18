package site

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
)

// Auditor records staff requests in the audit log: the action a route
// names in the permission matrix, who did it, on what, and its outcome.
type Auditor struct {
	Log    *audit.Log
	Access Access
	Logger *slog.Logger
}

// ResultOf names an outcome as the audit log does.
func ResultOf(err error) string {
	switch apperr.CodeOf(err) {
	case "":
		return audit.ResultOK
	case apperr.Forbidden, apperr.Unauthorized:
		return audit.ResultDenied
	}
	return audit.ResultFailed
}

// Record is the audit record of request r: action names it (the route's
// own when ""), object what it acted on (the path when ""), detail what was
// done (never personal data), and err its outcome.
func (a *Auditor) Record(r *http.Request, action, object, detail string, err error) audit.Record {
	if action == "" {
		action = a.Access.Action(r.Pattern)
	}
	c := CallerOf(r)
	actor := "anonymous"
	switch {
	case c.Staff != nil:
		actor = c.Staff.Actor()
	case c.User != nil:
		actor = c.User.Actor()
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
	return audit.Record{Actor: actor, Action: action, Object: object, Result: ResultOf(err), Source: RemoteIP(r), Detail: detail}
}

// Refused records a staff action that was refused or failed, in a
// transaction of its own: the action's own rolled back.
func (a *Auditor) Refused(r *http.Request, object, detail string, outcome error) {
	rec := a.Record(r, "", object, detail, outcome)
	if err := a.Log.Add(context.WithoutCancel(r.Context()), rec); err != nil {
		a.Logger.Error("appending to the audit log", "action", rec.Action, "err", err)
	}
}

// Act runs a staff action: do gets the record of its success, to append in
// the transaction that does it (a service method taking an audit.Record).
// When do fails, the refusal is recorded in a transaction of its own.
func (a *Auditor) Act(r *http.Request, object, detail string, do func(rec audit.Record) error) error {
	err := do(a.Record(r, "", object, detail, nil))
	if err != nil {
		a.Refused(r, object, detail, err)
	}
	MarkAudited(r)
	return err
}

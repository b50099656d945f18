package server

import (
	"net/http"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/web"
)

// The audit log of staff requests is kept by site.Auditor, shared with the
// console; the names below are for the handlers still in this package.

// auditedBy reports whether the handler recorded its action itself, in the
// transaction that did it.
func auditedBy(r *http.Request) bool { return site.Audited(r) }

func markAudited(r *http.Request) { site.MarkAudited(r) }

// record is the audit record of request r for action (see site.Auditor.Record).
func (s *Server) record(r *http.Request, action, object, detail string, err error) audit.Record {
	return s.auditor.Record(r, action, object, detail, err)
}

// audit appends the outcome of a staff request that did not record itself
// (a view, a refusal by the guard), in a transaction of its own.
func (s *Server) audit(r *http.Request, outcome error) { s.auditor.Refused(r, "", "", outcome) }

// auditRefusal records a staff action that was refused or failed, in a
// transaction of its own: the action's own rolled back.
func (s *Server) auditRefusal(r *http.Request, object, detail string, outcome error) {
	s.auditor.Refused(r, object, detail, outcome)
}

// staffAct runs a staff action through a service method that appends rec in
// its own transaction (site.Auditor.Act).
func (s *Server) staffAct(r *http.Request, object, detail string, do func(rec audit.Record) error) error {
	return s.auditor.Act(r, object, detail, do)
}

// staffWrite runs fn in a transaction that first appends the request's
// audit record. It remains only for the review console's handlers, which
// still run their steps on a *store.Tx; once their use cases are service
// methods taking an audit.Record (as the console's are), they call
// staffAct and this goes.
func (s *Server) staffWrite(r *http.Request, object, detail string, fn func(tx *store.Tx) error) error {
	return s.staffAct(r, object, detail, func(rec audit.Record) error {
		return audit.Write(r.Context(), s.db, rec, fn)
	})
}

// reshow answers a refused form (site.Reshow).
func reshow[P web.Page](s *Server, w http.ResponseWriter, r *http.Request, refusal error, values map[string]string, view func(web.Form) (P, error)) error {
	return site.Reshow(s.site, w, r, refusal, values, view)
}

// auditText makes what a form sent fit an audit record's detail (site.AuditText).
func auditText(v string, n int) string { return site.AuditText(v, n) }

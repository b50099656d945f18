package server

import (
	"net/http"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/web"
)

// The audit log of staff requests is kept by site.Auditor, shared with the
// console; the names below are for the handlers still in this package.

// auditedBy reports whether the handler recorded its action itself, in the
// transaction that did it.
func auditedBy(r *http.Request) bool { return site.Audited(r) }

// record is the audit record of request r for action (see site.Auditor.Record).
func (s *Server) record(r *http.Request, action, object, detail string, err error) audit.Record {
	return s.auditor.Record(r, action, object, detail, err)
}

// audit appends the outcome of a staff request that did not record itself
// (a view, a refusal by the guard), in a transaction of its own.
func (s *Server) audit(r *http.Request, outcome error) { s.auditor.Refused(r, "", "", outcome) }

// reshow answers a refused form (site.Reshow).
func reshow[P web.Page](s *Server, w http.ResponseWriter, r *http.Request, refusal error, values map[string]string, view func(web.Form) (P, error)) error {
	return site.Reshow(s.site, w, r, refusal, values, view)
}

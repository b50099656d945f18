package server

import (
	"net/http"

	"github.com/carefund/carefund/internal/apperr"
)

// Share links: who shared a request, and what each share brought.

func (s *Server) shareRequest(w http.ResponseWriter, r *http.Request) error {
	return apperr.New(apperr.NotFound, "")
}

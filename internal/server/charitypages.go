package server

import "net/http"

// The charity referral list's console pages.

func (s *Server) charitiesPage(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) createCharity(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) updateCharity(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) setCharityActive(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

package server

import "net/http"

// Requests for help in public: the request page and its versions.

func (s *Server) publicRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) requestVersions(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) apiRequests(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

package server

import "net/http"

// The publisher's own requests for help: filing, materials, closing, updates.

func (s *Server) myRequests(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) newRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) myRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) saveRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) requestSubmitted(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) uploadMaterial(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) ownMaterial(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) withdrawMaterial(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) closeOwnRequest(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) extendOwnRequest(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) postUpdate(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

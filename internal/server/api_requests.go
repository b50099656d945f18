package server

import "net/http"

// The JSON API of requests for help.

func (s *Server) apiMyRequests(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) apiNewRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) apiMyRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) apiSaveRequest(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) apiSubmitRequest(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) apiUploadMaterial(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

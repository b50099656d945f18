package server

import "net/http"

// The review console: queue, review, publication, patrol.

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) reviewRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) claimRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) releaseRequest(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) askInfo(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) rejectRequest(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) approveRequest(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) reviewMaterial(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) markMaterialReviewed(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) publishMaterial(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) openFundraising(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) staffCloseRequest(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) patrolPage(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) checkUpdate(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

func (s *Server) takeDownUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.notFound(w, r)
}

func (s *Server) addConflict(w http.ResponseWriter, r *http.Request) error { return s.notFound(w, r) }

package server

import (
	"net/http"

	"github.com/carefund/carefund/internal/apperr"
)

// The pages of the donation flow: the form, the receipt, the donor's own
// list. Share links are in sharepages.go.

func (s *Server) donatePage(w http.ResponseWriter, r *http.Request) error {
	return apperr.New(apperr.NotFound, "")
}

func (s *Server) donate(w http.ResponseWriter, r *http.Request) error {
	return apperr.New(apperr.NotFound, "")
}

func (s *Server) donationPage(w http.ResponseWriter, r *http.Request) error {
	return apperr.New(apperr.NotFound, "")
}

func (s *Server) myDonations(w http.ResponseWriter, r *http.Request) error {
	return apperr.New(apperr.NotFound, "")
}

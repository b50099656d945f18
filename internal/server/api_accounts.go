package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/idcard"
)

// decodeJSON reads a JSON object strictly: unknown fields, wrong types,
// trailing data and bodies over the limit are refused with a message on the
// field at fault.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return apperr.New(apperr.Invalid, "api.json_required")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			return &apperr.Error{Code: apperr.Invalid, Err: err, Fields: []apperr.FieldError{{Field: typeErr.Field, Key: "api.wrong_type"}}}
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return apperr.Wrap(err, apperr.Invalid, "api.unknown_field")
		}
		return badForm(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.Invalid, "api.trailing_data")
	}
	return nil
}

func (s *Server) apiSendCode(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Phone string `json:"phone"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.accounts.SendCode(r.Context(), in.Phone, remoteIP(r)); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, map[string]string{"sent_to": maskedPhone(in.Phone)})
}

func (s *Server) apiSignIn(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Phone string `json:"phone"`
		Code  string `json:"code"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, token, err := s.accounts.SignIn(r.Context(), in.Phone, in.Code, remoteIP(r), cookieValue(r, userCookie))
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, userCookie, token)
	return writeJSON(w, http.StatusOK, map[string]any{"user_id": u.ID})
}

func (s *Server) apiSignOut(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if err := s.accounts.SignOut(r.Context(), c.token, *c.user, remoteIP(r)); err != nil {
		return err
	}
	s.clearCookie(w, r, userCookie)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiMe is the signed-in user, masked: the API never returns a full ID
// number or phone number.
type apiMe struct {
	UserID   int64        `json:"user_id"`
	Phone    string       `json:"phone"`
	Verified bool         `json:"verified"`
	Identity *apiIdentity `json:"identity,omitempty"`
}

type apiIdentity struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Since    string `json:"verified_on"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	me, err := s.me(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, me)
}

func (s *Server) me(r *http.Request) (apiMe, error) {
	id := callerOf(r).user.Subject
	p, err := s.accounts.Profile(r.Context(), id)
	if err != nil {
		return apiMe{}, err
	}
	out := apiMe{UserID: id, Phone: idcard.MaskPhone(p.User.Phone)}
	if ident := p.Identity; ident != nil {
		out.Verified = true
		out.Identity = &apiIdentity{Name: ident.MaskedName(), IDNumber: ident.MaskedNumber(), Since: day(ident.CreatedAt)}
	}
	return out, nil
}

func (s *Server) apiVerify(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name     string  `json:"name"`
		IDNumber string  `json:"id_number"`
		Truthful bool    `json:"truthful"`
		Consent  bool    `json:"consent"`
		Rules    []int64 `json:"rules"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return ""
	}
	_, err := s.accounts.Verify(r.Context(), callerOf(r).user.Subject, account.VerifyInput{
		Name: in.Name, Number: in.IDNumber, Truthful: yes(in.Truthful), Consent: yes(in.Consent), Rules: in.Rules,
	}, remoteIP(r))
	if err != nil {
		return err
	}
	me, err := s.me(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, me)
}

// Package apperr defines the application's error type: an error carries a
// machine-readable code, a message for the person who caused it (a catalog key,
// so it can be shown in their language), optional per-field messages, and the
// underlying cause, which is logged but never shown.
//
// Domain packages return *Error values; the HTTP layer maps the code to a
// status in one table and renders the message in the reader's language.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers and for the HTTP status mapping.
type Code string

// The error codes. Keep this list short: a code is only worth adding when some
// caller or status mapping treats it differently from the others.
const (
	Invalid      Code = "invalid"      // the input is wrong; the message says what to fix
	NotFound     Code = "not_found"    // no such object, or not visible to the caller
	Unauthorized Code = "unauthorized" // the caller must sign in
	Forbidden    Code = "forbidden"    // signed in, but not allowed
	Conflict     Code = "conflict"     // the state forbids it, or an idempotency key was reused
	Method       Code = "method"       // the URL exists, but not for this method
	TooLarge     Code = "too_large"    // the request body is over its limit
	RateLimited  Code = "rate_limited" // too many attempts; try later
	Unavailable  Code = "unavailable"  // a dependency is down; try later
	Internal     Code = "internal"     // a bug or an unexpected failure
)

// Codes lists every code, for tests that check each one is mapped.
var Codes = []Code{Invalid, NotFound, Unauthorized, Forbidden, Conflict, Method, TooLarge, RateLimited, Unavailable, Internal}

// Error is an error with a code and a user-facing message key.
type Error struct {
	Code Code
	// Key is a message catalog key (see package i18n), Args its arguments.
	// An empty Key means the generic message for the code.
	Key  string
	Args []any
	// Fields holds messages for individual form or JSON fields, by field name.
	Fields []FieldError
	// Err is the cause, for logs only.
	Err error
}

// FieldError is a message about one input field.
type FieldError struct {
	Field string
	Key   string
	Args  []any
}

func (e *Error) Error() string {
	s := string(e.Code)
	if e.Key != "" {
		s += ": " + e.Key
	}
	for _, f := range e.Fields {
		s += fmt.Sprintf(" [%s: %s]", f.Field, f.Key)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the code and message key.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Wrap returns an error with the code and message key whose cause is err.
func Wrap(err error, code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args, Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, Internal for any
// other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

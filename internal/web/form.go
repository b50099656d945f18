package web

// Form carries what a person typed back to the page, with the messages for
// the fields that need fixing, already in the reader's language, so that a
// refused form comes back filled in with each message next to its field.
type Form struct {
	Values  map[string]string
	Errors  map[string]string // field name → message
	Message string            // a message about the whole form
}

// Value returns what was typed in field.
func (f Form) Value(field string) string { return f.Values[field] }

// Err returns the message for field, or "".
func (f Form) Err(field string) string { return f.Errors[field] }

// Failed reports whether the form carries any message.
func (f Form) Failed() bool { return f.Message != "" || len(f.Errors) > 0 }

// Viewer is who is looking at a page, as the layout needs it: whether to
// offer "sign in" or "my account", and the staff console's navigation.
type Viewer struct {
	User  bool   // a signed-in member of the public
	Staff string // the signed-in staff member's username, or ""
	Role  string // their role
	// DevPages says development-only pages are on (never in production).
	DevPages bool
	// Nav is the staff console's navigation bar: the screens the staff
	// member's role may open.
	Nav []NavLink
}

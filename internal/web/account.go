package web

import "html/template"

// SignIn is the public sign-in page: a phone number, then the code sent to it.
type SignIn struct {
	Form     Form
	CodeSent bool   // the code was sent: ask for it
	Next     string // where to go after signing in (a local path)
}

// Account is the signed-in user's own page.
type Account struct {
	Phone    string // masked
	Identity *IdentityView
	Sessions []SessionView
	Consents []ConsentView
	Notice   string // a message after an action, in the reader's language
	// Changed lists rules whose new major version the user has not yet
	// agreed to; the page asks, with an unticked box (R-RULES-2).
	Changed []RuleLink
	Form    Form
	// Complaints are the complaints the user filed while signed in, newest
	// first, each with its clocks (R-COMP-2) and a way to its status page.
	Complaints []ComplaintStatus
}

// IdentityView is a verified identity, masked.
type IdentityView struct {
	Name, Number, Verifier, At string
}

// SessionView is one signed-in device.
type SessionView struct {
	ID                      int64
	Started, LastSeen, From string
	Current                 bool
}

// ConsentView is one agreement to a rules document.
type ConsentView struct {
	Title, Version, At string
}

// VerifyIdentity is the real-name verification form, with the rules the
// person agrees to by submitting it.
type VerifyIdentity struct {
	Form  Form
	Rules []RuleLink
}

// RuleLink names one version of a rules document.
type RuleLink struct {
	ID                         int64
	Kind, Title, Number, Since string
}

// RulesIndex lists the current rules documents (R-RULES-1).
type RulesIndex struct {
	Docs []RuleLink
}

// RuleDoc is one version of a rules document with its history.
type RuleDoc struct {
	Kind, Title, Number, Since string
	Summary                    string
	Body                       template.HTML // rendered from Markdown, raw HTML removed
	Current                    bool
	Reported                   string // when a major change was reported to the ministry
	History                    []RuleLink
}

// DevSMS shows the codes the development SMS sender "sent".
type DevSMS struct {
	Sent []SentView
	// DemoStaff are the demonstration staff accounts with their current
	// TOTP codes (Phone holds the username, At the role).
	DemoStaff    []SentView
	DemoPassword string
}

// SentView is one code sent.
type SentView struct {
	Phone, Code, At string
}

func (SignIn) template() string         { return "signin" }
func (Account) template() string        { return "account" }
func (VerifyIdentity) template() string { return "verify" }
func (RulesIndex) template() string     { return "rules" }
func (RuleDoc) template() string        { return "ruledoc" }
func (DevSMS) template() string         { return "devsms" }

func (SignIn) TitleKey() string         { return "signin.title" }
func (Account) TitleKey() string        { return "account.title" }
func (VerifyIdentity) TitleKey() string { return "verify.title" }
func (RulesIndex) TitleKey() string     { return "rules.title" }
func (RuleDoc) TitleKey() string        { return "rules.doc" }
func (DevSMS) TitleKey() string         { return "devsms.title" }

package web

// StaffSignIn is the staff console's sign-in page: username, password and
// the code from the authenticator app.
type StaffSignIn struct {
	Form Form
}

// StaffHome is the console's start page: the sections this role may use.
type StaffHome struct {
	Sections []NavLink
	Notice   string
	// CanFind offers finding a person by phone number; Form holds what was
	// typed and why nobody was found.
	CanFind bool
	Form    Form
}

// NavLink is a link with a catalog key as its label; Current marks the
// screen in use.
type NavLink struct {
	URL, Key string
	Current  bool
}

// StaffAudit is the auditor's view of the audit log, filtered.
type StaffAudit struct {
	Form    Form // the filter
	Entries []AuditRow
	Older   string // the URL of the next page of older entries, or ""
}

// AuditRow is one audit entry.
type AuditRow struct {
	Seq                                                     int64
	At, Actor, Action, Object, Result, Source, Detail, Hash string
}

// StaffMembers lists staff accounts and lets an admin propose role changes.
type StaffMembers struct {
	Members []MemberRow
	Roles   []string
	Form    Form
	Notice  string
	CanEdit bool
	// CanRelate says the viewer may record that a staff member is related
	// to a user, so they never review that user's requests (R-REV-3).
	CanRelate bool
	Self      int64
}

// MemberRow is one staff account.
type MemberRow struct {
	ID                     int64
	Username, Role, Status string
	Locked                 bool
}

// StaffApprovals lists proposals of sensitive actions awaiting a second person.
type StaffApprovals struct {
	Pending []ProposalRow
	Decided []ProposalRow
	Form    Form
	Notice  string
	Self    int64
}

// ProposalRow is one four-eyes proposal.
type ProposalRow struct {
	ID                                            int64
	Kind, Object, Summary, Reason, ProposedBy, At string
	ProposedByID                                  int64
	Status, DecidedBy, DecidedAt, Note            string
}

// StaffRules manages rules documents: drafts, the ministry report of a major
// change, and making a version effective.
type StaffRules struct {
	Current []RuleLink
	Drafts  []DraftRow
	Kinds   []string
	Form    Form
	Notice  string
}

// DraftRow is a version not yet effective.
type DraftRow struct {
	ID                         int64
	Kind, Title, Number, State string
	Major                      bool
	Reported                   string
}

// StaffIncidents lists personal-data incidents and opens new ones.
type StaffIncidents struct {
	Incidents []IncidentRow
	Form      Form
}

// IncidentRow is one incident in the list.
type IncidentRow struct {
	ID                            int64
	Type, Title, Status, OpenedAt string
	Affected                      int
	Untold                        int // people affected no notice told yet
}

// StaffIncident is one incident: scope, affected people and whether and
// when each was told, the notices to the authority, steps.
type StaffIncident struct {
	ID                                         int64
	Type, Title, Description, Status, OpenedBy string
	OpenedAt, Scope                            string
	Affected                                   []string
	People                                     []IncidentPerson
	Untold                                     int
	Authority                                  []NoticeRow // notices to the authority
	AuthorityTold                              bool
	Steps                                      []StepRow
	Next                                       []string // statuses it may move to
	Closed                                     bool
	Form                                       Form
}

// IncidentPerson is one person an incident affects: whether they were
// told, and when, by which channel and by whom (the first notice that went
// out); Notices counts every notice recorded, failed ones too.
type IncidentPerson struct {
	Object                  string
	Told                    bool
	SentAt, Channel, SentBy string
	Outcome                 string
	Notices                 int
}

// NoticeRow is one recorded notice.
type NoticeRow struct {
	Recipient, Reference, Channel string
	SentAt, SentBy, Outcome, Note string
}

// StepRow is one remediation step or notice.
type StepRow struct {
	At, By, Kind, Text string
}

// StaffUser shows one user's personal data to staff who need it; every view
// is in the audit log.
type StaffUser struct {
	ID           int64
	Phone        string
	Name, Number string
	Verified     bool
	VerifiedAt   string
}

// StaffPassword lets a staff member change their password.
type StaffPassword struct {
	Form Form
	Done bool
}

func (StaffPassword) template() string  { return "staff_password" }
func (StaffPassword) TitleKey() string  { return "staff.password.title" }
func (StaffSignIn) template() string    { return "staff_signin" }
func (StaffHome) template() string      { return "staff_home" }
func (StaffAudit) template() string     { return "staff_audit" }
func (StaffMembers) template() string   { return "staff_members" }
func (StaffApprovals) template() string { return "staff_approvals" }
func (StaffRules) template() string     { return "staff_rules" }
func (StaffIncidents) template() string { return "staff_incidents" }
func (StaffIncident) template() string  { return "staff_incident" }
func (StaffUser) template() string      { return "staff_user" }

func (StaffSignIn) TitleKey() string    { return "staff.signin.title" }
func (StaffHome) TitleKey() string      { return "staff.home.title" }
func (StaffAudit) TitleKey() string     { return "staff.audit.title" }
func (StaffMembers) TitleKey() string   { return "staff.members.title" }
func (StaffApprovals) TitleKey() string { return "staff.approvals.title" }
func (StaffRules) TitleKey() string     { return "staff.rules.title" }
func (StaffIncidents) TitleKey() string { return "staff.incidents.title" }
func (StaffIncident) TitleKey() string  { return "staff.incident.title" }
func (StaffUser) TitleKey() string      { return "staff.user.title" }

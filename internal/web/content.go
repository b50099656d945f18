package web

func init() { pageNames = append(pageNames, "staff_content") }

// StaffContent is the content screen (R-CONT-1): the public texts the
// screen holds, each to be cleared or taken down with a public reason; the
// word list, which admins change; the handling record; and the texts
// taken down.
type StaffContent struct {
	Queue []ContentQueueRow
	// Terms is the list in force, by category.
	Terms []ContentTermGroup
	// Changes are the list's latest changes, newest first.
	Changes   []ContentChangeRow
	Records   []ContentRecordRow
	Takedowns []ContentTakedownRow
	// CanEdit shows the word list's forms (admins).
	CanEdit bool
	// Categories and Places are the choices of the forms, as keys.
	Categories []string
	Places     []string
	// FormFor is the record the refused Form belongs to; 0 for the word
	// list's or the takedown's form.
	FormFor int64
	Form    Form
	Notice  string
}

// ContentQueueRow is a held text.
type ContentQueueRow struct {
	ID                int64
	Place, Ref        string
	Text, Link        string
	Categories, Terms string
	At                string
}

// ContentTermGroup is a category's terms.
type ContentTermGroup struct {
	Category string
	Terms    []string
}

// ContentChangeRow is a change of the word list.
type ContentChangeRow struct {
	Category, Term string
	Removed        bool
	By, At         string
}

// ContentRecordRow is an entry of the handling record.
type ContentRecordRow struct {
	ID                int64
	Place, Ref        string
	Categories, Terms string
	State             string
	At                string
	HandledBy         string
	HandledAt         string
	Note              string
}

// ContentTakedownRow is a text taken down.
type ContentTakedownRow struct {
	Place, Ref, Reason, By, At string
}

func (StaffContent) template() string { return "staff_content" }

func (StaffContent) TitleKey() string { return "staff.content.title" }

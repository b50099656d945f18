package web

func init() {
	pageNames = append(pageNames, "staff_hospitals")
}

// StaffHospitals is the console's hospital directory: every entry, masked,
// active or not; for finance the forms to propose an addition, a change or
// a deactivation, and for finance and admins the button that shows one
// number in full (recorded in the audit log).
type StaffHospitals struct {
	Rows       []HospitalRow
	CanPropose bool
	CanReveal  bool
	New        HospitalForm // the form to propose an addition
	Notice     string
	// Revealed is the message with one entry's full number, on the page
	// that answers the request to see it, and nowhere else.
	Revealed string
	// Message is a refusal that belongs to no form (a reveal refused).
	Message string
}

// HospitalRow is one entry as stored, with its forms.
type HospitalRow struct {
	ID                                       int64
	Name, CreditCode, BankName, City, Masked string
	Active                                   bool
	Updated                                  string
	Edit, Deactivate                         HospitalForm
}

// HospitalForm is a form of the directory page: filled with what is
// stored, or with what was typed when it was refused, each message next to
// its field. Suffix keeps the fields' ids unique on a page of many forms.
type HospitalForm struct {
	Action, Suffix string
	Form           Form
}

func (StaffHospitals) template() string { return "staff_hospitals" }

func (StaffHospitals) TitleKey() string { return "staff.hospitals.title" }

package complaint

import (
	"slices"

	"github.com/carefund/carefund/internal/staff"
)

// A complaint about a staff member is never theirs to handle (R-COMP-1):
// they cannot be assigned it, do not see it in the queue or open it, and
// an escalation never picks them. These rules decide that; the service
// applies them and the schema checks the assignment again.

// MayHandle reports whether staff member s may see and handle a complaint
// whose subject is the staff member subject (0 for none): a complaints
// handler or an admin, active, and not the subject.
func MayHandle(s staff.Staff, subject int64) bool {
	return !s.Disabled && (s.Role == staff.Complaints || s.Role == staff.Admin) && s.ID != subject
}

// MaySee reports whether s may read the complaint: MayHandle, or an
// auditor (read-only), who is never the subject either.
func MaySee(s staff.Staff, subject int64) bool {
	if s.ID == subject {
		return false
	}
	return MayHandle(s, subject) || (s.Role == staff.Auditor && !s.Disabled)
}

// NextHandler picks who a complaint goes to when its clock runs out
// (R-COMP-2): after the acknowledgement clock (level 1), the complaints
// handler with the lowest number who is not the subject and not the
// current assignee; after the handling clock (level 2 and up), or when no
// such handler exists, an admin, chosen the same way. It reports false
// when nobody but the current assignee or the subject could take it; the
// escalation is recorded all the same.
func NextHandler(all []staff.Staff, subject, current int64, level int) (int64, bool) {
	pick := func(role staff.Role) (int64, bool) {
		ids := []int64{}
		for _, s := range all {
			if s.Role == role && s.ID != current && !s.Locked && MayHandle(s, subject) {
				ids = append(ids, s.ID)
			}
		}
		if len(ids) == 0 {
			return 0, false
		}
		return slices.Min(ids), true
	}
	order := []staff.Role{staff.Complaints, staff.Admin}
	if level >= 2 {
		order = []staff.Role{staff.Admin, staff.Complaints}
	}
	for _, r := range order {
		if id, ok := pick(r); ok {
			return id, true
		}
	}
	return 0, false
}

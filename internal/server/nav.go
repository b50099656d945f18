package server

import (
	"slices"
	"strings"

	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

// consoleNav builds the console's navigation bar for each role from the
// routes and the permission matrix, so that a new screen appears for exactly
// the roles that may open it, with no second list to keep. A screen is a
// GET route of the console with no path values: "GET /staff" (the start
// page) and "GET /staff/{section}", labelled by the catalog key
// "staff.{section}.title", the start page first and the others in the
// order of routes(). The member's own
// password page is not a screen of work: the header links to it from their
// name.
func consoleNav(routes []route) map[staff.Role][]web.NavLink {
	nav := map[staff.Role][]web.NavLink{}
	for _, rt := range routes {
		url, ok := strings.CutPrefix(rt.pattern, "GET ")
		if !ok || url != "/staff" && !strings.HasPrefix(url, "/staff/") || strings.ContainsAny(url, "{$") || url == "/staff/password" {
			continue
		}
		section := strings.TrimPrefix(url, "/staff/")
		if url == "/staff" {
			section = "home"
		} else if strings.Contains(section, "/") {
			continue
		}
		link := web.NavLink{URL: url, Key: "staff." + section + ".title"}
		for _, role := range staff.Roles {
			switch {
			case !slices.Contains(permissions[rt.pattern].roles, role):
			case section == "home":
				nav[role] = slices.Insert(nav[role], 0, link) // the start page comes first
			default:
				nav[role] = append(nav[role], link)
			}
		}
	}
	return nav
}

package console

import (
	"net/http"

	"github.com/carefund/carefund/internal/conformance"
	"github.com/carefund/carefund/internal/web"
)

// conformancePage shows the auditor the conformance matrix (decision
// 0035), as `carefund conformance` last generated it from the source tree:
// every rule, its source, what carefund does, and the tests that prove it.
func (c *Console) conformancePage(w http.ResponseWriter, r *http.Request) error {
	m, err := conformance.Embedded()
	if err != nil {
		return err
	}
	var p web.StaffConformance
	p.Rules, p.Proven, p.Pending = m.Counts()
	for _, e := range m.Entries {
		row := web.ConformanceRow{ID: e.ID, Source: e.Source, Section: e.Section, Text: e.Text, Does: e.Does, Pending: e.Pending}
		for _, t := range e.Tests {
			row.Tests = append(row.Tests, t.String())
		}
		p.Entries = append(p.Entries, row)
	}
	return c.render(w, r, p)
}

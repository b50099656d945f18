package web

import "html/template"

func init() {
	pageNames = append(pageNames, "figures", "log")
}

// PlatformFigures is the public page of the platform's money, all
// requests together (R-DISC-1): the same figures as each request's page,
// summed from the ledger, the identity they satisfy, the picture of where
// the money went, and what the custody account's interest gave to
// charity. Amounts are formatted; Empty says no money came in yet.
type PlatformFigures struct {
	Raised, Recovered, Fees, PaidOut, Refunded, Refunding, ToCharity, Held string
	Interest, CharityPaid                                                  string
	Requests, Donors                                                       int
	// Balanced says the identity holds; the page says so either way.
	Balanced bool
	Empty    bool
	// Flow is the picture of where the money went (disclosure.FlowSVG),
	// "" when there is nothing to draw.
	Flow template.HTML
}

func (PlatformFigures) template() string { return "figures" }

// TitleKey names the page.
func (PlatformFigures) TitleKey() string { return "figures.title" }

// LogExplained is the page that explains the transparency log to donors
// in plain words: what it proves, what it does not, and how to check it.
type LogExplained struct {
	// Key is the log's note verifier key, "" when no signing key is
	// configured.
	Key string
	// Site is the platform's public URL, for the command that audits it.
	Site string
}

func (LogExplained) template() string { return "log" }

// TitleKey names the page.
func (LogExplained) TitleKey() string { return "logpage.title" }

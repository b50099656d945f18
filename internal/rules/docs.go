package rules

import (
	"embed"
	"fmt"
	"strings"

	"github.com/carefund/carefund/internal/i18n"
)

// docs holds the first version (1.0) of every document, one Markdown file
// per kind and language: docs/<lang>/<kind>.md. The first line is the title
// ("# …"); the rest is the body.
//
//go:embed docs
var docs embed.FS

// Document is an embedded first version of one document.
type Document struct {
	Kind        Kind
	Title, Body map[i18n.Lang]string
}

// Embedded returns the embedded 1.0 text of kind k, as Seed stores it.
func Embedded(k Kind) (Document, error) {
	d := Document{Kind: k, Title: map[i18n.Lang]string{}, Body: map[i18n.Lang]string{}}
	if !k.Valid() {
		return d, fmt.Errorf("rules: no such document kind %q", k)
	}
	for _, l := range i18n.Langs {
		name := "docs/" + string(l) + "/" + string(k) + ".md"
		b, err := docs.ReadFile(name)
		if err != nil {
			return d, fmt.Errorf("rules: embedded %s: %w", name, err)
		}
		title, body, err := splitTitle(string(b))
		if err != nil {
			return d, fmt.Errorf("rules: embedded %s: %w", name, err)
		}
		d.Title[l], d.Body[l] = title, body
	}
	return d, nil
}

// splitTitle takes the leading "# Title" line off a Markdown document.
func splitTitle(md string) (title, body string, err error) {
	first, rest, _ := strings.Cut(md, "\n")
	title, ok := strings.CutPrefix(first, "# ")
	title = strings.TrimSpace(title)
	if !ok || title == "" {
		return "", "", fmt.Errorf("the first line must be a \"# Title\" heading")
	}
	return title, strings.TrimSpace(rest) + "\n", nil
}

package console

// The content screen (R-CONT-1): the public texts the content screen
// holds, the word list, the handling record and takedowns.

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

// contentLimit is how many of each list the content screen shows.
const contentLimit = 100

// contentPage shows the content screen.
func (c *Console) contentPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.contentView(r)
	if err != nil {
		return err
	}
	if done := site.Params(r).Get("done"); done != "" && i18n.Has("content.done."+done) {
		p.Notice = i18n.T(lang(r), "content.done."+done)
	}
	return c.render(w, r, p)
}

func categoryNames(l i18n.Lang, cs []screen.Category) string {
	names := make([]string, len(cs))
	for i, x := range cs {
		names[i] = i18n.T(l, "content.category."+string(x))
	}
	return strings.Join(names, "、")
}

func (c *Console) contentView(r *http.Request) (web.StaffContent, error) {
	l := lang(r)
	o, err := c.Content.Overview(r.Context(), contentLimit)
	if err != nil {
		return web.StaffContent{}, err
	}
	p := web.StaffContent{CanEdit: me(r).Role == staff.Admin}
	for _, x := range screen.Categories {
		p.Categories = append(p.Categories, string(x))
	}
	for _, x := range content.Places {
		p.Places = append(p.Places, string(x))
	}
	for _, q := range o.Queue {
		p.Queue = append(p.Queue, web.ContentQueueRow{ID: q.ID, Place: string(q.Place), Ref: q.Ref, Text: q.Text.Body,
			Link: q.Text.Link, Categories: categoryNames(l, q.Categories), Terms: strings.Join(q.Terms, "、"), At: site.Minute(q.ScreenedAt)})
	}
	groups := map[screen.Category]int{}
	for _, t := range o.WordList.Terms {
		i, ok := groups[t.Category]
		if !ok {
			i = len(p.Terms)
			groups[t.Category] = i
			p.Terms = append(p.Terms, web.ContentTermGroup{Category: string(t.Category)})
		}
		p.Terms[i].Terms = append(p.Terms[i].Terms, t.Text)
	}
	for _, ch := range o.WordList.Changes {
		p.Changes = append(p.Changes, web.ContentChangeRow{Category: string(ch.Term.Category), Term: ch.Term.Text,
			Removed: ch.Removed, By: ch.ChangedBy, At: site.Minute(ch.ChangedAt)})
	}
	for _, x := range o.Handling.Records {
		row := web.ContentRecordRow{ID: x.ID, Place: string(x.Place), Ref: x.Ref, Categories: categoryNames(l, x.Categories),
			Terms: strings.Join(x.Terms, "、"), State: x.State, At: site.Minute(x.ScreenedAt), HandledBy: x.HandledBy, Note: x.Note}
		if !x.HandledAt.IsZero() {
			row.HandledAt = site.Minute(x.HandledAt)
		}
		p.Records = append(p.Records, row)
	}
	for _, t := range o.Handling.Takedowns {
		p.Takedowns = append(p.Takedowns, web.ContentTakedownRow{Place: string(t.Place), Ref: t.Ref, Reason: t.Reason,
			By: t.TakenBy, At: site.Minute(t.TakenAt)})
	}
	return p, nil
}

// contentStep runs an action of the content screen, audited, and shows the
// screen again with the refusal next to its field.
func (c *Console) contentStep(w http.ResponseWriter, r *http.Request, object, what string, formFor int64, fields []string,
	fn func(rec audit.Record, self staff.Staff) error) error {
	self := *me(r)
	err := c.Auditor.Act(r, object, what, func(rec audit.Record) error { return fn(rec, self) })
	if err != nil {
		values := map[string]string{}
		for _, f := range fields {
			values[f] = r.PostFormValue(f)
		}
		return reshow(c, w, r, err, values, func(f web.Form) (web.StaffContent, error) {
			p, err := c.contentView(r)
			p.Form, p.FormFor = f, formFor
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/content?done="+what)
}

// changeTerm adds or removes a term of the word list (admins).
func (c *Console) changeTerm(remove bool) site.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := site.ReadForm(r); err != nil {
			return err
		}
		t := screen.Term{Category: screen.Category(r.PostFormValue("category")), Text: r.PostFormValue("term")}
		what := "added"
		if remove {
			what = "removed"
		}
		return c.contentStep(w, r, "content_term:"+string(t.Category), what, 0, []string{"category", "term"},
			func(rec audit.Record, self staff.Staff) error {
				if remove {
					return c.Content.RemoveTerm(r.Context(), rec, t, self.Actor())
				}
				return c.Content.AddTerm(r.Context(), rec, t, self.Actor())
			})
	}
}

// clearContent publishes a held text.
func (c *Console) clearContent(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	return c.contentStep(w, r, "content:"+strconv.FormatInt(id, 10), "cleared", id, []string{"note"},
		func(rec audit.Record, self staff.Staff) error {
			return c.Content.Clear(r.Context(), rec, id, r.PostFormValue("note"), self.Actor())
		})
}

// takeDownContent takes a public text down with a public reason.
func (c *Console) takeDownContent(w http.ResponseWriter, r *http.Request) error {
	if err := site.ReadForm(r); err != nil {
		return err
	}
	place, ref := content.Place(r.PostFormValue("place")), r.PostFormValue("ref")
	formFor, _ := strconv.ParseInt(r.PostFormValue("record"), 10, 64)
	return c.contentStep(w, r, string(place)+":"+ref, "taken_down", formFor, []string{"place", "ref", "reason"},
		func(rec audit.Record, self staff.Staff) error {
			return c.Content.TakeDown(r.Context(), rec, place, ref, r.PostFormValue("reason"), self.Actor())
		})
}

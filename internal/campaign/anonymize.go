package campaign

import "strconv"

// AnonymizedTitle is the headline an anonymized request keeps (R-PII-2): a
// title is often the patient's story in a line, so it goes with the rest.
func AnonymizedTitle(id int64) string {
	return "求助 #" + strconv.FormatInt(id, 10) + "（资料已按期匿名化）"
}

// Anonymized is what remains of a filing once its personal data is gone
// (R-PII-2): the anonymized title, who filed for whom and the target. The
// patient's name, ID number, diagnosis, hospital, story, the breakdown of
// the target, the family's finances and every disclosure are dropped.
func (f Filing) Anonymized(id int64) Filing {
	return Filing{Title: AnonymizedTitle(id), Relationship: f.Relationship, Target: f.Target}
}

// Anonymized is what remains of a published text once the request's
// personal data is gone (R-PII-2): the public page keeps the masked name
// (张*), the relationship and the target; the diagnosis, hospital, story,
// breakdown and disclosures are dropped.
func (p Published) Anonymized(id int64) Published {
	return Published{Title: AnonymizedTitle(id), Patient: p.Patient, Relationship: p.Relationship, Target: p.Target}
}

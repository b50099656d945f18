package screen

import "strconv"

// The scores of Duplicates and Blacklist.
const (
	// ScoreBlock is the score of a blocking finding; it alone makes the
	// score High, so a block that staff lift on appeal still gets a
	// second reviewer (R-REV-3).
	ScoreBlock = 100
	// ScorePerPublisherRequest is the score of each other request by the
	// same publisher, up to PublisherScoreCap: a family files one request,
	// a professional fundraiser files many.
	ScorePerPublisherRequest = 10
	PublisherScoreCap        = 30
	// PublisherFlagAt is how many other requests by the same publisher
	// flag the request.
	PublisherFlagAt = 3
)

// Duplicates looks for other requests of the same people (R-REV-1): the
// same patient cannot have two requests fundraising at once, so another
// open request for the patient blocks; other requests by the same
// publisher raise the score and, when there are many, flag. A person
// without a verified identity is left to Consistency.
type Duplicates struct{}

// Name implements Screen.
func (Duplicates) Name() string { return "duplicate" }

// Check implements Screen.
func (d Duplicates) Check(s Subject, f Facts) (Verdict, error) {
	v := Verdict{Screen: d.Name(), Outcome: Pass}
	if s.PatientIndex != "" {
		ids, err := f.OpenRequestsForPatient(s.PatientIndex, s.RequestID)
		if err != nil {
			return Verdict{}, err
		}
		if ids = others(ids, s.RequestID); len(ids) > 0 {
			// The requester learns that the patient already has a request,
			// which they need to know to withdraw one, but not which: the
			// other may have been filed by someone else.
			v.add(Block, ScoreBlock,
				Reason{Key: "screen.duplicate.patient_open"},
				Reason{Key: "screen.duplicate.patient_open_staff", Args: []string{idList(ids)}, StaffOnly: true})
		}
	}
	if s.PublisherIndex != "" {
		ids, err := f.RequestsByPublisher(s.PublisherIndex, s.RequestID)
		if err != nil {
			return Verdict{}, err
		}
		if ids = others(ids, s.RequestID); len(ids) > 0 {
			o := Pass
			if len(ids) >= PublisherFlagAt {
				o = Flag
			}
			v.add(o, capped(len(ids), ScorePerPublisherRequest, PublisherScoreCap),
				Reason{Key: "screen.duplicate.publisher_other_staff", Args: []string{strconv.Itoa(len(ids)), idList(ids)}, StaffOnly: true})
		}
	}
	return v, nil
}

// Blacklist blocks a request whose patient or publisher is on the
// blacklist of dishonest fundraisers (R-BL-1). The requester is told that
// a person named in the request is listed and may appeal, not who or why:
// the entry's reason is for staff only.
type Blacklist struct{}

// Name implements Screen.
func (Blacklist) Name() string { return "blacklist" }

// Check implements Screen.
func (b Blacklist) Check(s Subject, f Facts) (Verdict, error) {
	v := Verdict{Screen: b.Name(), Outcome: Pass}
	people := []struct{ index, staffKey string }{
		{s.PatientIndex, "screen.blacklist.patient_staff"},
		{s.PublisherIndex, "screen.blacklist.publisher_staff"},
	}
	for _, p := range people {
		if p.index == "" {
			continue
		}
		e, err := f.Blacklisted(p.index)
		if err != nil {
			return Verdict{}, err
		}
		if e == nil {
			continue
		}
		if v.Outcome != Block {
			v.add(Block, ScoreBlock, Reason{Key: "screen.blacklist.blocked"})
		}
		v.add(Block, 0, Reason{Key: p.staffKey, Args: []string{strconv.FormatInt(e.ID, 10), e.Reason}, StaffOnly: true})
	}
	return v, nil
}

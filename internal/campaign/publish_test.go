package campaign

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// R-PUB-1: the public sees the masked name, never the ID number.
func TestPublicPatient(t *testing.T) {
	tests := []struct{ name, want string }{
		{"张三明", "张*明"},
		{" 张三明 ", "张*明"},
		{"张三", "张*"},
		{"欧阳小明", "欧**明"},
		{"买买提•艾力", "买****力"},
		{"", ""},
		{"张3明", "***"}, // not a valid name: hidden whole
		{"x", "*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PublicPatient(tt.name); got != tt.want {
				t.Errorf("PublicPatient(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

// R-PUB-1: the published version holds no ID number and no full name.
func TestPublicHidesIdentity(t *testing.T) {
	f := valid()
	p := f.Public()
	if p.Patient != "张*明" {
		t.Errorf("Patient = %q, want 张*明", p.Patient)
	}
	s := reflect.ValueOf(p)
	for i := range s.NumField() {
		if v, ok := s.Field(i).Interface().(string); ok && (strings.Contains(v, "张小明") || strings.Contains(v, patientID[:10])) {
			t.Errorf("Published.%s = %q holds the name or ID number", s.Type().Field(i).Name, v)
		}
	}
}

// R-REQ-6: a published version does not change when the filing it came from
// is edited afterwards; the edit becomes a new version.
func TestPublicCopies(t *testing.T) {
	f := valid()
	p := f.Public()
	f.Use[0].Label = "改过"
	f.Disclosures[Housing] = Disclosure{Answered: true, Yes: true, Detail: "一套"}
	if p.Use[0].Label != "化疗费用" || p.Disclosures[Housing].Yes {
		t.Error("editing the filing changed the published version")
	}
}

// R-REQ-6: the public page says which fields changed between two versions.
func TestChanges(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Published)
		want   []string
	}{
		{"Same", func(p *Published) {}, nil},
		{"Title", func(p *Published) { p.Title = "新标题" }, []string{"title"}},
		{"Patient", func(p *Published) { p.Patient = "李*明" }, []string{"patient_name"}},
		{"Relationship", func(p *Published) { p.Relationship = Spouse }, []string{"relationship"}},
		{"Diagnosis", func(p *Published) { p.Diagnosis = "淋巴瘤" }, []string{"diagnosis"}},
		{"Hospital", func(p *Published) { p.HospitalName, p.HospitalCity = "协和医院", "天津" }, []string{"hospital_name", "hospital_city"}},
		{"Story", func(p *Published) { p.Story += "。" }, []string{"story"}},
		{"TargetAndUse", func(p *Published) { p.Target += 100; p.Use[1].Amount += 100 }, []string{"target", "use.1.amount"}},
		{"UseLabelNote", func(p *Published) { p.Use[0].Label = "放疗"; p.Use[0].Note = "" }, []string{"use.0.label", "use.0.note"}},
		{"UseAdded", func(p *Published) { p.Use = append(p.Use, UseItem{Label: "康复", Amount: 1}) }, []string{"use.2"}},
		{"UseRemoved", func(p *Published) { p.Use = p.Use[:1] }, []string{"use.1"}},
		{"DisclosureDetail", func(p *Published) {
			d := p.Disclosures[Income]
			d.Detail = "母亲务工"
			p.Disclosures[Income] = d
		}, []string{"disclosure.income"}},
		{"DisclosureAnswer", func(p *Published) {
			p.Disclosures[Debts] = Disclosure{Answered: true, Yes: true, Detail: "借款", Amount: 1}
		}, []string{"disclosure.debts"}},
		{"DisclosureRemoved", func(p *Published) { delete(p.Disclosures, Vehicles) }, []string{"disclosure.vehicles"}},
		{"Several", func(p *Published) { p.Story = "x"; p.Title = "y"; p.Disclosures[Housing] = Disclosure{} }, []string{"title", "story", "disclosure.housing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := valid().Public()
			after := valid().Public()
			tt.change(&after)
			var got []string
			for _, c := range Changes(before, after) {
				got = append(got, c.Field)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Changes = %v, want %v", got, tt.want)
			}
			// The same fields changed, looked at the other way round.
			var back []string
			for _, c := range Changes(after, before) {
				back = append(back, c.Field)
			}
			if !slices.Equal(back, tt.want) {
				t.Errorf("Changes reversed = %v, want %v", back, tt.want)
			}
		})
	}
}

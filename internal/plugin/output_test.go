package plugin

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// record is an item whose object is the given fields.
func record(fields map[string]any) listItem {
	return listItem{object: fields, cells: []any{fields["name"]}}
}

func names(items []listItem) []string {
	out := make([]string, 0, len(items))
	for _, item := range items {
		out = append(out, item.object["name"].(string))
	}
	return out
}

func TestSortItemsAsKubectlDoes(t *testing.T) {
	items := func() []listItem {
		return []listItem{
			record(map[string]any{"name": "b", "n": int64(10), "amount": "104.75", "s": "x", "same": "k"}),
			record(map[string]any{"name": "a", "n": int64(9), "amount": "5.25", "s": "y", "same": "k"}),
			record(map[string]any{"name": "c", "n": 12.5, "amount": "104.8", "same": "k"}),
		}
	}
	tests := []struct {
		name  string
		field string
		want  []string
	}{
		{"numbers as numbers, not as text", "{.n}", []string{"a", "b", "c"}},
		{"amounts as quantities", ".amount", []string{"a", "b", "c"}},
		{"strings, a missing field first", "s", []string{"c", "b", "a"}},
		{"equal values keep their order", "{same}", []string{"b", "a", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := items()
			if err := sortItems(got, tt.field); err != nil {
				t.Fatal(err)
			}
			if strings.Join(names(got), ",") != strings.Join(tt.want, ",") {
				t.Errorf("sorted by %s: %v, want %v", tt.field, names(got), tt.want)
			}
		})
	}
}

func TestSortItemsRefusesWhatItCannotSort(t *testing.T) {
	tests := []struct {
		name  string
		field string
		items []listItem
		want  string
	}{
		{"a field no item has, most often a typo", ".spec.naem", []listItem{record(map[string]any{"name": "a"})},
			`couldn't find any field with path "{.spec.naem}"`},
		{"no JSONPath", "{.a}{.b}", []listItem{record(map[string]any{"name": "a"})}, "unexpected path string"},
		{"objects", ".m", []listItem{record(map[string]any{"name": "a", "m": map[string]any{}}), record(map[string]any{"name": "b", "m": map[string]any{}})},
			"cannot sort map values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sortItems(tt.items, tt.field)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("sortItems(%s) = %v, want an error with %q", tt.field, err, tt.want)
			}
		})
	}
}

func TestCustomColumns(t *testing.T) {
	items := []listItem{
		record(map[string]any{"name": "alice", "tags": []any{"x", "y"}, "note": "bell\x1b[31m"}),
		record(map[string]any{"name": "bob"}),
	}
	tests := []struct {
		name      string
		spec      string
		noHeaders bool
		want      []string
	}{
		{"headers as given, several values joined, <none> when missing", "Name:.name,TAGS:{.tags[*]}", false,
			[]string{"Name    TAGS", "alice   x,y", "bob     <none>"}},
		{"no headers", "N:name", true, []string{"alice", "bob"}},
		{"control characters escaped", "N:.name,NOTE:.note", true, []string{`alice   bell^[[31m`, "bob     <none>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			columns, err := parseCustomColumns(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := printCustomColumns(&out, columns, items, tt.noHeaders); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	for _, spec := range []string{"", "NAME", "NAME:{.a}{.b}"} {
		if _, err := parseCustomColumns(spec); err == nil {
			t.Errorf("parseCustomColumns(%q) accepted it", spec)
		}
	}
}

// outputWith is output flags as the command line would set them.
func outputWith(t *testing.T, format, sortBy string, noHeaders bool) *outputFlags {
	t.Helper()
	f := newOutputFlags()
	*f.print.OutputFormat, f.sortBy, f.noHeaders = format, sortBy, noHeaders
	if err := f.validate(); err != nil {
		t.Fatalf("-o %q --sort-by %q: %v", format, sortBy, err)
	}
	return f
}

func twoUsers(t *testing.T) *listing {
	t.Helper()
	users := []iamv1alpha1.User{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "bob"}, Spec: iamv1alpha1.UserSpec{Email: "bob@acme.example", Role: "manager"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "alice"}, Spec: iamv1alpha1.UserSpec{Email: "alice@acme.example", Role: "owner"}},
	}
	l, err := userListing(scheme(), users, []string{"mailbox"}, false, metav1.Now().Time)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPrintListAsOutputSays(t *testing.T) {
	tests := []struct {
		name           string
		format, sortBy string
		noHeaders      bool
		want           []string
		wantNot        []string
		wantLines      int
	}{
		{"the table", "", "", false, []string{"NAME", "MAILBOX", "LAST LOGIN", "bob", "never"}, []string{"EMAIL"}, 3},
		{"wide adds email and age", "wide", "", false, []string{"EMAIL", "AGE", "alice@acme.example"}, nil, 3},
		{"no headers", "", "", true, []string{"bob"}, []string{"NAME"}, 2},
		{"name is kind.group/name", "name", "", false, []string{"user.iam.tenantry.io/bob\nuser.iam.tenantry.io/alice\n"}, nil, 2},
		{"sorted", "name", ".spec.email", false, []string{"user.iam.tenantry.io/alice\nuser.iam.tenantry.io/bob\n"}, nil, 2},
		{"jsonpath reads the List", "jsonpath={.items[*].spec.role}", "", false, []string{"manager owner"}, nil, 1},
		{"go-template reads the List", "go-template={{range .items}}{{.kind}} {{end}}", "", false, []string{"User User "}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := outputWith(t, tt.format, tt.sortBy, tt.noHeaders).printList(&out, twoUsers(t)); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.want {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range tt.wantNot {
				if strings.Contains(out.String(), s) {
					t.Errorf("output has %q:\n%s", s, out.String())
				}
			}
			if n := len(strings.Split(strings.TrimRight(out.String(), "\n"), "\n")); n != tt.wantLines {
				t.Errorf("%d lines, want %d:\n%s", n, tt.wantLines, out.String())
			}
		})
	}
}

func TestJSONIsAListOfTheObjects(t *testing.T) {
	var out bytes.Buffer
	if err := outputWith(t, "json", "", false).printList(&out, twoUsers(t)); err != nil {
		t.Fatal(err)
	}
	var list struct {
		APIVersion, Kind string
		Items            []struct {
			APIVersion, Kind string
			Metadata         struct{ Name string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != 2 {
		t.Fatalf("want a v1 List of two items, got %+v", list)
	}
	if item := list.Items[0]; item.APIVersion != "iam.tenantry.io/v1alpha1" || item.Kind != "User" || item.Metadata.Name != "bob" {
		t.Errorf("item %+v is not user bob with its kind", item)
	}
}

func statsOf(t *testing.T, withSum bool) *listing {
	t.Helper()
	totals := []stats.Totals{
		{Account: "acme", Users: 3, ByPhase: map[iamv1alpha1.UserPhase]int{"Active": 1, "Updating": 1, "Invited": 1}, CreatedWeek: 1},
		{Account: "zeta", Users: 1, ByPhase: map[iamv1alpha1.UserPhase]int{"Locked": 1}, Deleted: 2},
	}
	var sum *stats.Totals
	if withSum {
		s := stats.Sum(totals)
		s.Account = "(all)"
		sum = &s
	}
	l, err := statsListing(totals, sum)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestStatsPrintsRecords(t *testing.T) {
	var out bytes.Buffer
	if err := outputWith(t, "json", "", false).printList(&out, statsOf(t, true)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Items []accountStats
		Total *accountStats
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	want := accountStats{Account: "acme", Users: 3, Active: 2, Invited: 1, NewIn7Days: 1}
	if len(doc.Items) != 2 || doc.Items[0] != want {
		t.Errorf("items = %+v, want acme's first as %+v", doc.Items, want)
	}
	if doc.Total == nil || doc.Total.Account != "(all)" || doc.Total.Users != 4 || doc.Total.Deleted != 2 {
		t.Errorf("total = %+v, want the sum", doc.Total)
	}

	out.Reset()
	if err := outputWith(t, "", ".users", true).printList(&out, statsOf(t, true)); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(rows) != 3 || !strings.HasPrefix(rows[0], "zeta ") || !strings.HasPrefix(rows[2], "(all) ") {
		t.Errorf("sorted by users, the total last; got:\n%s", out.String())
	}

	if err := outputWith(t, "name", "", false).printList(&out, statsOf(t, false)); err == nil {
		t.Error("-o name printed counts as if they were objects")
	}
}

func TestValidateRefusesWhatKubectlRefuses(t *testing.T) {
	for _, tt := range []struct{ format, sortBy string }{
		{"yml", ""}, {"custom-columns=", ""}, {"custom-columns=NAME", ""}, {"jsonpath={.a", ""}, {"", "{.a}{.b}"},
	} {
		f := newOutputFlags()
		*f.print.OutputFormat, f.sortBy = tt.format, tt.sortBy
		if err := f.validate(); err == nil {
			t.Errorf("-o %q --sort-by %q accepted", tt.format, tt.sortBy)
		}
	}
}

func TestHistoryNamesItsObjects(t *testing.T) {
	ch := &iamv1alpha1.UserChange{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "alice-1"}}
	tx := &iamv1alpha1.BalanceTransaction{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "alice-refill-1"}}
	l, err := historyListing(scheme(), []historyEntry{{what: "Created", object: ch}, {what: "Refill", object: tx}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"userchange.iam.tenantry.io/alice-1", "balancetransaction.iam.tenantry.io/alice-refill-1"}
	for i, item := range l.items {
		if got := item.cells[len(item.cells)-1]; got != want[i] {
			t.Errorf("OBJECT of row %d = %v, want %s", i, got, want[i])
		}
	}
}

func TestHiddenNoteCountsRight(t *testing.T) {
	for n, want := range map[int]string{
		1: "1 soft-deleted user is not listed; --deleted lists it",
		2: "2 soft-deleted users are not listed; --deleted lists them",
	} {
		if got := hiddenNote(n); got != want {
			t.Errorf("hiddenNote(%d) = %q, want %q", n, got, want)
		}
	}
}

package docs

import (
	"regexp"
	"strings"
	"testing"
)

// How shown output is compared with what a command printed:
//   - spaces are not compared, only the words between them, so columns
//     may be aligned differently and a line wrapped on the page;
//   - "…" and "..." stand for anything;
//   - an age (5m, 12s, 3h) stands for any age, a time (2026-11-24T21:00:00Z)
//     for any time, a date (2026-12-07) for any date and a clock time
//     (05:11 or 05:11:12) for any clock time;
//   - an HTTP status before a JSON answer ("201 {...}") is for the reader
//     (curl -s does not print it);
//   - the shown lines must appear in the output in their order, with other
//     lines allowed between them.
var (
	ageWord     = regexp.MustCompile(`^\d+(ms|s|m|h|d)(\d+(s|m|h))?$`)
	dateWord    = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
	clockWord   = regexp.MustCompile(`^\d\d:\d\d(:\d\d)?$`)
	timeText    = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	statusFirst = regexp.MustCompile(`^\d{3} (\{|$)`)
	ellipsis    = regexp.MustCompile(`…|\.\.\.`)
)

// shownPattern is the regular expression the shown lines stand for.
func shownPattern(shown []string) *regexp.Regexp {
	var lines []string
	for _, l := range shown {
		l = strings.TrimSpace(l)
		if statusFirst.MatchString(l) {
			l = strings.TrimSpace(l[3:])
		}
		var words []string
		for _, w := range strings.Fields(l) {
			words = append(words, wordPattern(w))
		}
		if len(words) > 0 {
			lines = append(lines, strings.Join(words, " "))
		}
	}
	return regexp.MustCompile(`(?s)(^| )` + strings.Join(lines, ".*") + `( |$)`)
}

func wordPattern(w string) string {
	switch {
	case ageWord.MatchString(w):
		return `(\d+(ms|s|m|h|d)(\d+(s|m|h))?|<unknown>)`
	case dateWord.MatchString(w):
		return `\d{4}-\d\d-\d\d`
	case clockWord.MatchString(w):
		return `\d\d:\d\d(:\d\d)?`
	}
	var b strings.Builder
	rest := w
	for rest != "" {
		loc := firstOf(rest, ellipsis, timeText)
		if loc == nil {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:loc[0]]))
		if ellipsis.MatchString(rest[loc[0]:loc[1]]) {
			b.WriteString(`.*`)
		} else {
			b.WriteString(timeText.String())
		}
		rest = rest[loc[1]:]
	}
	return b.String()
}

// firstOf is the earliest match of any of the expressions in s.
func firstOf(s string, exprs ...*regexp.Regexp) []int {
	var first []int
	for _, e := range exprs {
		if loc := e.FindStringIndex(s); loc != nil && (first == nil || loc[0] < first[0]) {
			first = loc
		}
	}
	return first
}

// outputMatches says whether a command's output shows what the page shows.
func outputMatches(shown []string, output string) bool {
	if len(shown) == 0 {
		return true
	}
	return shownPattern(shown).MatchString(strings.Join(strings.Fields(output), " "))
}

func TestShownOutputMatching(t *testing.T) {
	tests := []struct {
		name   string
		shown  []string
		output string
		want   bool
	}{
		{"the same", []string{"hello"}, "hello\n", true},
		{"another word", []string{"hello"}, "goodbye\n", false},
		{"a word is not part of another", []string{"100.00"}, "1100.00\n", false},
		{"columns aligned otherwise", []string{"alice   owner   Active   125.50"}, "alice owner Active 125.50\n", true},
		{"a different balance", []string{"alice   owner   Active   125.50"}, "alice owner Active 100.00\n", false},
		{"any age", []string{"alice-refill-1   alice   Refill   100.00   USD   Applied   1   1m"},
			"alice-refill-1 alice Refill 100.00 USD Applied 1 12s\n", true},
		{"an ellipsis stands for anything", []string{`{"amount":"100.00","count":1,...}`},
			`{"amount":"100.00","count":1,"currency":"USD"}`, true},
		{"the unicode ellipsis too", []string{`{"token":"acme_alice_…","namespace":"acme"}`},
			`{"token":"acme_alice_Zx9","namespace":"acme"}`, true},
		{"any time", []string{`{"expiryTime":"2026-11-24T21:00:00Z"}`}, `{"expiryTime":"2027-01-01T08:15:00Z"}`, true},
		{"any date and clock", []string{"bob   2026-12-07 05:11 UTC"}, "bob 2027-01-06 17:42 UTC\n", true},
		{"not any word", []string{"bob   2026-12-07 05:11 UTC"}, "bob yesterday 17:42 UTC\n", false},
		{"an HTTP status is for the reader", []string{`201 {"status":"Accepted"}`}, `{"status":"Accepted"}`, true},
		{"lines in order, others between", []string{"NAME AGE", "bob 1m"}, "NAME AGE\nalice 2m\nbob 3m\n", true},
		{"lines out of order", []string{"bob 1m", "NAME AGE"}, "NAME AGE\nbob 3m\n", false},
		{"a line wrapped on the page", []string{"only the most recent applied", "transaction of user alice"},
			"Error: only the most recent applied transaction of user alice can be cancelled\n", true},
		{"nothing shown", nil, "anything\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outputMatches(tt.shown, tt.output); got != tt.want {
				t.Errorf("outputMatches(%q, %q) = %v, want %v (pattern %s)", tt.shown, tt.output, got, tt.want, shownPattern(tt.shown))
			}
		})
	}
}

func TestStepsOfABlock(t *testing.T) {
	b := block{page: "p.md", line: 10, lang: "sh", text: `export A=1   # a note, not output
kubectl get users -n acme
# NAME    PHASE
# alice   Active

# prose about what comes next
curl -s -X POST https://127.0.0.1:8082/v1/sessions \
  -d '{"a":
"b"}'
# 201 {"token":"…"}
kubectl apply -f - <<'YAML'
kind: Role
# not output: inside the here-document
YAML
`}
	steps, err := splitSteps(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		source, first string
		shown         int
	}{
		{"p.md:11", "export A=1", 0},
		{"p.md:12", "kubectl get users -n acme", 2},
		{"p.md:17", "curl -s -X POST", 1},
		{"p.md:21", "kubectl apply -f - <<'YAML'", 0},
	}
	if len(steps) != len(want) {
		t.Fatalf("got %d steps, want %d: %+v", len(steps), len(want), steps)
	}
	for i, w := range want {
		if steps[i].source != w.source || !strings.HasPrefix(steps[i].command, w.first) || len(steps[i].shown) != w.shown {
			t.Errorf("step %d = %+v, want %+v", i, steps[i], w)
		}
	}
	if !strings.HasSuffix(steps[3].command, "YAML") {
		t.Errorf("the here-document was cut: %q", steps[3].command)
	}

	transcript := block{page: "p.md", line: 1, lang: "sh", text: "$ kubectl auth can-i create users --as bob\nno\n"}
	steps, err = splitSteps(transcript)
	if err != nil || len(steps) != 1 || !steps[0].failing() || steps[0].command != "kubectl auth can-i create users --as bob" {
		t.Errorf("transcript: %+v, %v", steps, err)
	}
}

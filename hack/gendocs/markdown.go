package main

import "strings"

// cell makes text safe in a Markdown table cell: pipes are escaped (inside
// code spans too, as GitHub's tables need), and outside code spans so are
// angle brackets, which would otherwise be read as HTML. Line breaks
// within a paragraph become spaces; paragraphs are kept apart with <br>.
func cell(text string) string {
	paragraphs := strings.Split(strings.TrimSpace(text), "\n\n")
	for i, p := range paragraphs {
		paragraphs[i] = strings.Join(strings.Fields(p), " ")
	}
	text = strings.Join(paragraphs, "\x00")
	spans := strings.Split(text, "`")
	for i := range spans {
		if i%2 == 0 { // outside a code span
			spans[i] = strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(spans[i])
		}
	}
	text = strings.Join(spans, "`")
	text = strings.ReplaceAll(text, "|", `\|`)
	return strings.ReplaceAll(text, "\x00", "<br><br>")
}

// code is text as an inline code span, wide enough to hold the backticks
// text may contain.
func code(text string) string {
	fence := "`"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	if strings.HasPrefix(text, "`") || strings.HasSuffix(text, "`") {
		text = " " + text + " "
	}
	return fence + text + fence
}

// anchor is the fragment GitHub gives a heading.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9'):
			b.WriteRune(r)
		}
	}
	return b.String()
}

package plugin

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/util/jsonpath"
)

// customColumn is one column of -o custom-columns=HEADER:FIELD,...
type customColumn struct {
	header string
	field  *jsonpath.JSONPath
}

// parseCustomColumns parses kubectl's custom-columns spec.
func parseCustomColumns(spec string) ([]customColumn, error) {
	if spec == "" {
		return nil, fmt.Errorf("custom-columns format specified but no custom columns given")
	}
	parts := strings.Split(spec, ",")
	columns := make([]customColumn, 0, len(parts))
	for _, part := range parts {
		header, field, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", part)
		}
		parser, err := parseJSONPath(header, field)
		if err != nil {
			return nil, err
		}
		columns = append(columns, customColumn{header: header, field: parser})
	}
	return columns, nil
}

// printCustomColumns prints a row per item, as kubectl does: headers as
// given, several values of a field joined by commas, <none> for a field
// the item lacks, and control characters escaped.
func printCustomColumns(out io.Writer, columns []customColumn, items []listItem, noHeaders bool) error {
	w := printers.GetNewTabWriter(out)
	if !noHeaders {
		headers := make([]string, 0, len(columns))
		for _, c := range columns {
			headers = append(headers, c.header)
		}
		_, _ = fmt.Fprintln(w, strings.Join(headers, "\t"))
	}
	for _, item := range items {
		cells := make([]string, 0, len(columns))
		for _, c := range columns {
			results, err := c.field.FindResults(item.object)
			if err != nil {
				return err
			}
			var values []string
			for _, result := range results {
				for _, v := range result {
					values = append(values, printers.EscapeTerminal(fmt.Sprint(v.Interface())))
				}
			}
			if len(values) == 0 {
				values = []string{"<none>"}
			}
			cells = append(cells, strings.Join(values, ","))
		}
		_, _ = fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	return w.Flush()
}

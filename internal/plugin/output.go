package plugin

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
)

// The -o formats kubectl get adds to cli-runtime's (json, yaml, name, the
// templates): the command's own table with more columns, and columns of
// the user's choosing.
const (
	outputWide          = "wide"
	customColumnsPrefix = "custom-columns="
	outputName          = "name"
)

// outputFlags are kubectl get's output flags, for a command that lists:
// -o, --no-headers and --sort-by, and the template flags.
type outputFlags struct {
	print     *genericclioptions.PrintFlags
	noHeaders bool
	sortBy    string
}

func newOutputFlags() *outputFlags {
	return &outputFlags{print: genericclioptions.NewPrintFlags("")}
}

// addFlags adds the output flags to cmd, with kubectl get's words.
func (f *outputFlags) addFlags(cmd *cobra.Command) {
	f.print.AddFlags(cmd)
	formats := append(f.print.AllowedFormats(), "custom-columns", outputWide)
	cmd.Flag("output").Usage = fmt.Sprintf("Output format. One of: (%s). See custom columns "+
		"[https://kubernetes.io/docs/reference/kubectl/#custom-columns], golang template "+
		"[http://golang.org/pkg/text/template/#pkg-overview] and jsonpath template "+
		"[https://kubernetes.io/docs/reference/kubectl/jsonpath/].", strings.Join(formats, ", "))
	cmd.Flags().BoolVar(&f.noHeaders, "no-headers", false,
		"When using the default, wide or custom-column output format, don't print headers.")
	cmd.Flags().StringVar(&f.sortBy, "sort-by", "",
		"If non-empty, sort the list using this field specification, a JSONPath expression (e.g. '{.metadata.name}').")
}

// format is the -o format, or go-template when only --template was given,
// as kubectl reads them.
func (f *outputFlags) format() string {
	format := *f.print.OutputFormat
	if format == "" && *f.print.TemplatePrinterFlags.TemplateArgument != "" {
		return "go-template"
	}
	return format
}

// table says the output is the command's own table, for people.
func (f *outputFlags) table() bool {
	format := f.format()
	return format == "" || format == outputWide
}

// tabular says the output is a table of any kind: the command's or custom
// columns, where an empty list is said in words.
func (f *outputFlags) tabular() bool {
	return f.table() || strings.HasPrefix(f.format(), customColumnsPrefix)
}

// validate refuses a format or sort field kubectl would refuse, before
// the command asks the API server for anything.
func (f *outputFlags) validate() error {
	if f.sortBy != "" {
		if _, err := parseJSONPath("sorting", f.sortBy); err != nil {
			return fmt.Errorf("--sort-by: %w", err)
		}
	}
	format := f.format()
	switch {
	case f.table():
		return nil
	case strings.HasPrefix(format, customColumnsPrefix):
		_, err := parseCustomColumns(strings.TrimPrefix(format, customColumnsPrefix))
		return err
	default:
		_, err := f.print.ToPrinter()
		return err
	}
}

// listing is what a listing command found, ready for any -o: an item per
// row of its table, each with what the other formats print.
type listing struct {
	columns []metav1.TableColumnDefinition
	items   []listItem
	// records says the items are no API objects (stats' counts): -o json
	// and yaml print them as {"items": [...]}, not as a List, and -o name
	// has nothing to name.
	records bool
	// total, when set, is a last row after the (sorted) items, and
	// "total" beside "items" in the records.
	total *listItem
}

// columns are table columns by name, after an ACCOUNT column when the
// listing covers every account.
func columns(withAccount bool, names ...string) []metav1.TableColumnDefinition {
	if withAccount {
		names = append([]string{"Account"}, names...)
	}
	defs := make([]metav1.TableColumnDefinition, 0, len(names))
	for _, name := range names {
		defs = append(defs, metav1.TableColumnDefinition{Name: name, Type: columnType})
	}
	return defs
}

// wideColumn is a column only -o wide shows.
func wideColumn(name string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: columnType, Priority: 1}
}

// columnType is the type every column declares; the printer prints any
// cell as text.
const columnType = "string"

// listItem is one row: the object (or record) as JSON sees it, which
// -o json, yaml and the templates print and --sort-by and custom columns
// read, and the cells of the command's table.
type listItem struct {
	object map[string]any
	cells  []any
}

// objectItem is the item of an API object, typed with its kind so that
// -o json, yaml and name print it as kubectl does.
func objectItem(s *runtime.Scheme, obj runtime.Object, cells ...any) (listItem, error) {
	gvks, _, err := s.ObjectKinds(obj)
	if err != nil {
		return listItem{}, err
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return listItem{}, err
	}
	content["apiVersion"], content["kind"] = gvks[0].GroupVersion().String(), gvks[0].Kind
	return listItem{object: content, cells: cells}, nil
}

// recordItem is the item of a record that is no API object.
func recordItem(record any, cells ...any) (listItem, error) {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(record)
	if err != nil {
		return listItem{}, err
	}
	return listItem{object: content, cells: cells}, nil
}

// printList sorts the items as --sort-by says and prints them as -o says.
func (f *outputFlags) printList(out io.Writer, l *listing) error {
	if err := f.sort(l); err != nil {
		return err
	}
	return f.printSorted(out, l)
}

// sort sorts the items as --sort-by says.
func (f *outputFlags) sort(l *listing) error {
	if f.sortBy == "" {
		return nil
	}
	return sortItems(l.items, f.sortBy)
}

// printSorted prints the items as -o says, in their order.
func (f *outputFlags) printSorted(out io.Writer, l *listing) error {
	format := f.format()
	switch {
	case f.table():
		table := &metav1.Table{ColumnDefinitions: l.columns}
		rows := l.items
		if l.total != nil {
			rows = append(rows, *l.total)
		}
		for _, item := range rows {
			table.Rows = append(table.Rows, metav1.TableRow{Cells: item.cells})
		}
		p := printers.NewTablePrinter(printers.PrintOptions{NoHeaders: f.noHeaders, Wide: format == outputWide})
		return p.PrintObj(table, out)
	case strings.HasPrefix(format, customColumnsPrefix):
		columns, err := parseCustomColumns(strings.TrimPrefix(format, customColumnsPrefix))
		if err != nil {
			return err
		}
		return printCustomColumns(out, columns, l.items, f.noHeaders)
	case format == outputName && l.records:
		return fmt.Errorf("-o name names objects, and these are counts: use -o json or yaml")
	}
	p, err := f.print.ToPrinter()
	if err != nil {
		return err
	}
	doc, err := l.document()
	if err != nil {
		return err
	}
	return p.PrintObj(doc, out)
}

// document is what -o json, yaml, name and the templates print: a v1 List
// of the objects, as kubectl get prints any listing, or the records.
func (l *listing) document() (runtime.Object, error) {
	items := make([]map[string]any, 0, len(l.items))
	for _, item := range l.items {
		items = append(items, item.object)
	}
	if l.records {
		doc := map[string]any{"items": items}
		if l.total != nil {
			doc["total"] = l.total.object
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		return &runtime.Unknown{Raw: raw, ContentType: runtime.ContentTypeJSON}, nil
	}
	list := &unstructured.UnstructuredList{Object: map[string]any{
		"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""},
	}}
	for _, item := range items {
		list.Items = append(list.Items, unstructured.Unstructured{Object: item})
	}
	return list, nil
}

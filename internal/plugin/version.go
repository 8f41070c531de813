package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/tenantry-io/tenantry/internal/version"
)

func newVersionCommand(o *options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version: its release, the commit it was built from, and the Go that built it",
		Long: `Print the plugin's version: its release (or "devel" for a build that is none), the commit it
was built from ("-dirty" when the tree had uncommitted changes) and the Go that built it.
It asks the cluster nothing.

-o json and yaml print it the way kubectl version does its own, under pluginVersion:

  {"pluginVersion": {"version": "v0.1.0", "revision": "<commit>", "goVersion": "go1.26.8"}}`,
		Example: `  kubectl tenantry version
  kubectl tenantry version -o json`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return printVersion(o.streams.Out, version.Get(), output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "One of 'yaml' or 'json'.")
	return cmd
}

// versionOutput is what version -o json and yaml print.
type versionOutput struct {
	PluginVersion version.Info `json:"pluginVersion"`
}

// printVersion prints info as output says: a line, or JSON or YAML.
func printVersion(w io.Writer, info version.Info, output string) error {
	var data []byte
	var err error
	switch output {
	case "":
		_, err = fmt.Fprintf(w, "Plugin Version: %s\n", info)
		return err
	case outputJSON:
		data, err = json.MarshalIndent(versionOutput{info}, "", "  ")
		data = append(data, '\n')
	case outputYAML:
		data, err = yaml.Marshal(versionOutput{info})
	default:
		return errors.New("--output must be 'yaml' or 'json'")
	}
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// The formats of version's -o.
const (
	outputJSON = "json"
	outputYAML = "yaml"
)

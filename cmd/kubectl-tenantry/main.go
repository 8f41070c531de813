// Command kubectl-tenantry is the kubectl plugin `kubectl tenantry`: the
// portal's Users tile and its actions, driven through the Kubernetes API
// with the caller's own kubeconfig and rights. Run as
// kubectl_complete-tenantry (a link to it), it is the helper kubectl runs
// to complete `kubectl tenantry ...`.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tenantry-io/tenantry/internal/plugin"
)

func main() {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	root := plugin.NewRootCommand(streams)
	root.SetArgs(plugin.Arguments(os.Args))
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}

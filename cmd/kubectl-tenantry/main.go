// Command kubectl-tenantry is the kubectl plugin `kubectl tenantry`: the
// portal's Users tile and its actions, driven through the Kubernetes API
// with the caller's own kubeconfig and rights.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tenantry-io/tenantry/internal/plugin"
)

func main() {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	if err := plugin.NewRootCommand(streams).Execute(); err != nil {
		os.Exit(1)
	}
}

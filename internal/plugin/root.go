// Package plugin holds the commands of `kubectl tenantry`. Each command does
// what the API already offers (annotations, spec patches, new objects) with
// the caller's kubeconfig and rights, so it can do nothing kubectl could
// not; it adds reading the result back in the portal's terms.
package plugin

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// options is what every command shares: kubectl's own flags (--kubeconfig,
// --context, -n, --as, ...) and the streams it talks through.
type options struct {
	config  *genericclioptions.ConfigFlags
	streams genericiooptions.IOStreams
	// wait and timeout are read by the actions: wait until the operator has
	// acted, for at most timeout.
	wait    bool
	timeout time.Duration
}

// NewRootCommand builds `kubectl tenantry` with all its commands.
func NewRootCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := &options{config: genericclioptions.NewConfigFlags(true), streams: streams}
	root := &cobra.Command{
		Use:           "kubectl-tenantry",
		Short:         "Manage Tenantry's users, roles and balances from kubectl",
		SilenceUsage:  true,
		SilenceErrors: false,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl tenantry"},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	o.config.AddFlags(root.PersistentFlags())
	root.AddCommand(
		newUsersCommand(o),
		newStatsCommand(o),
		newInviteCommand(o),
	)
	root.AddCommand(newAnnotationCommands(o)...)
	root.AddCommand(newStateCommands(o)...)
	root.AddCommand(newSetRoleCommand(o))
	root.AddCommand(newTransactionCommands(o)...)
	root.AddCommand(newCancelCommand(o), newHistoryCommand(o), newDeleteCommand(o), newLoginAsCommand(o), newLoginCommand(o))
	root.AddCommand(newMigrateCredentialsCommand(o))
	root.AddCommand(newVersionCommand(o), newCompletionCommand(o))
	for _, cmd := range root.Commands() {
		if takesUser(cmd) {
			cmd.ValidArgsFunction = o.completeUsers
		}
	}
	return root
}

// addWaitFlags adds --wait and --timeout to an action.
func (o *options) addWaitFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.wait, "wait", false, "wait until the operator has acted and print the outcome")
	cmd.Flags().DurationVar(&o.timeout, "timeout", time.Minute, "how long --wait waits")
}

// client talks to the API server as the kubeconfig and flags say.
func (o *options) client() (*kubeClient, error) {
	cfg, err := o.config.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	c, err := newKubeClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the API server: %w", err)
	}
	return c, nil
}

// clientIn is a client and the account the command works in.
func (o *options) clientIn() (*kubeClient, string, error) {
	c, err := o.client()
	if err != nil {
		return nil, "", err
	}
	ns, err := o.namespace()
	if err != nil {
		return nil, "", err
	}
	return c, ns, nil
}

// clientOver is a client and the account a listing covers: the one the
// command works in, or every account ("") with -A.
func (o *options) clientOver(allNamespaces bool) (*kubeClient, string, error) {
	if allNamespaces {
		c, err := o.client()
		return c, "", err
	}
	return o.clientIn()
}

// namespace is the account the command works in: -n, or the context's.
func (o *options) namespace() (string, error) {
	ns, _, err := o.config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", fmt.Errorf("read the namespace from the kubeconfig: %w", err)
	}
	return ns, nil
}

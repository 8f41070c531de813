package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newLoginAsCommand(o *options) *cobra.Command {
	var prefix, kubectl string
	cmd := &cobra.Command{
		Use:   "login-as USER [-- KUBECTL ARGS...]",
		Short: "Act as the user with Kubernetes impersonation: print the kubectl flags, or run kubectl with them",
		Long: `login-as reads the user's email and prints the kubectl flags that act as them
(--as <identity>, the identity being --identity-prefix followed by the email, as the
operator's RoleBindings name it). With arguments after --, it runs kubectl with them
instead. Impersonating needs the "impersonate" verb on users (and groups) for you.`,
		Example: `  kubectl tenantry login-as bob -n acme
  kubectl tenantry login-as bob -n acme -- auth can-i create users -n acme
  kubectl tenantry login-as bob -n acme --identity-prefix=tenantry: -- get users -n acme`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if dash > 1 || (dash == -1 && len(args) > 1) {
				return fmt.Errorf("give one USER, and kubectl's arguments after --")
			}
			var kubectlArgs []string
			if dash == 1 {
				kubectlArgs = args[1:]
			}
			return o.runLoginAs(cmd.Context(), args[0], prefix, kubectl, kubectlArgs)
		},
	}
	cmd.Flags().StringVar(&prefix, "identity-prefix", "",
		"what the cluster puts before a person's email in their username: the manager's --identity-prefix (empty by default)")
	cmd.Flags().StringVar(&kubectl, "kubectl", "kubectl", "the kubectl to run with the arguments after --")
	return cmd
}

func (o *options) runLoginAs(ctx context.Context, name, prefix, kubectl string, kubectlArgs []string) error {
	c, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	user := &iamv1alpha1.User{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, user); err != nil {
		return explain(err, access{verbGet, usersResource, ns})
	}
	flags := append(o.connectionFlags(), "--as="+prefix+user.Spec.Email)
	if kubectlArgs == nil {
		_, err := fmt.Fprintf(o.streams.Out, "kubectl %s\n", strings.Join(flags, " "))
		return err
	}
	run := exec.CommandContext(ctx, kubectl, append(flags, kubectlArgs...)...)
	run.Stdin, run.Stdout, run.Stderr = o.streams.In, o.streams.Out, o.streams.ErrOut
	if err := run.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			// kubectl has said what went wrong; keep its exit code.
			os.Exit(exit.ExitCode())
		}
		return fmt.Errorf("run %s: %w", kubectl, err)
	}
	return nil
}

// connectionFlags are the flags given to this command that pick the cluster
// and the kubeconfig, so the printed or run kubectl talks to the same one.
func (o *options) connectionFlags() []string {
	var flags []string
	add := func(name string, value *string) {
		if value != nil && *value != "" {
			flags = append(flags, fmt.Sprintf("--%s=%s", name, *value))
		}
	}
	add("kubeconfig", o.config.KubeConfig)
	add("context", o.config.Context)
	add("cluster", o.config.ClusterName)
	add("server", o.config.APIServer)
	return flags
}

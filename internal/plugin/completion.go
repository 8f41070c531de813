package plugin

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// CompletionHelperName is the name kubectl (1.26 and later) looks for on
// PATH to complete `kubectl tenantry ...`: it runs it with the words typed
// after "tenantry" and reads cobra's completion answer from it.
const CompletionHelperName = "kubectl_complete-tenantry"

// completionShells are the shells cobra writes completion scripts for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

func newCompletionCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "completion SHELL",
		Short: "Print a shell completion script for kubectl-tenantry (bash, zsh, fish or powershell)",
		Long: `Print a shell completion script for kubectl-tenantry (bash, zsh, fish or powershell).

kubectl completes a plugin itself: for ` + "`kubectl tenantry <TAB>`" + ` (kubectl 1.26 and later,
with kubectl's own completion loaded, e.g. source <(kubectl completion bash)) it runs
` + CompletionHelperName + ` from PATH with the words typed after "tenantry". This binary
is that helper when it runs under that name, so a link next to it is all it takes:

  ln -s kubectl-tenantry "$(dirname "$(command -v kubectl-tenantry)")/` + CompletionHelperName + `"

or, where a link will not do, a script by that name on PATH:

  #!/bin/sh
  exec kubectl-tenantry __complete "$@"

Commands, flags, shells and, where a command takes a USER, the account's users complete then.

The scripts this command prints complete the binary run by its own name, kubectl-tenantry:

  source <(kubectl tenantry completion bash)     # bash; add the line to ~/.bashrc to keep it
  kubectl tenantry completion zsh > "${fpath[1]}/_kubectl-tenantry"
  kubectl tenantry completion fish > ~/.config/fish/completions/kubectl-tenantry.fish
  kubectl tenantry completion powershell | Out-String | Invoke-Expression`,
		Example: `  kubectl tenantry completion bash
  ln -s kubectl-tenantry "$(dirname "$(command -v kubectl-tenantry)")/` + CompletionHelperName + `"`,
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs:             completionShells,
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), o.streams.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
}

// Arguments are the command line's arguments for the root command:
// argv[1:], after cobra's __complete when the binary runs as the
// completion helper kubectl looks for.
func Arguments(argv []string) []string {
	if len(argv) == 0 {
		return nil
	}
	if strings.TrimSuffix(filepath.Base(argv[0]), ".exe") == CompletionHelperName {
		return append([]string{cobra.ShellCompRequestCmd}, argv[1:]...)
	}
	return argv[1:]
}

// completionTimeout bounds the List that completes a user's name: a shell
// waits for it.
const completionTimeout = 5 * time.Second

// completeUsers completes a command's USER argument with the names of the
// account's users (-n, or the kubeconfig's namespace).
func (o *options) completeUsers(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, ns, err := o.clientIn()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	users := &iamv1alpha1.UserList{}
	if err := c.list(ctx, users, ns, ""); err != nil {
		cobra.CompDebugln(fmt.Sprintf("list users in %s: %v", ns, err), true)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, u := range users.Items {
		if strings.HasPrefix(u.Name, toComplete) {
			names = append(names, u.Name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// takesUser says whether cmd's first argument is a user, by its usage
// line ("history USER", "refill USER AMOUNT").
func takesUser(cmd *cobra.Command) bool {
	words := strings.Fields(cmd.Use)
	return len(words) > 1 && words[1] == "USER"
}

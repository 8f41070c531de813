package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// endTimeout bounds ending the sessions once kubectl has exited, whatever
// became of the command's own context.
const endTimeout = 10 * time.Second

type loginAsFlags struct {
	loginFlags
	kubectl string
}

func newLoginAsCommand(o *options) *cobra.Command {
	f := &loginAsFlags{}
	cmd := &cobra.Command{
		Use:   "login-as USER --server URL --email EMAIL [-n ACCOUNT] [-- KUBECTL ARGS...]",
		Short: "Log in as a user of your account through Tenantry's issuer: print a kubectl exec credential, or run kubectl as them",
		Long: `login-as signs you in to the self-service API (POST /v1/sessions with the account, your
email and password, as login does) and starts a "log in as" session for USER (POST
/v1/sessions/impersonate): the answer holds a cluster token of USER's that names you as the
actor, which the API server records in every audit event. Only a user whose role manages
users may, and only as a user of the same account who manages nobody.

Without arguments after --, it prints a client.authentication.k8s.io/v1 ExecCredential with
that token and its expiry; the sessions end at their expiry. With arguments, it runs kubectl
with them and a temporary kubeconfig (mode 0600, in a directory removed afterwards) whose user
holds the token, so the token never appears on a command line; once kubectl exits it ends the
"log in as" session and your own (DELETE /v1/sessions/current), and exits as kubectl did.

The account is --account, or -n, or the kubeconfig's namespace; the cluster is the
kubeconfig's. The password comes from $` + PasswordEnv + ` or is asked on the terminal, as is an
authenticator code when you have two-factor ($` + CodeEnv + `).`,
		Example: `  kubectl tenantry login-as bob -n acme --server https://tenantry.example.com --email alice@acme.example \
    -- auth whoami
  kubectl tenantry login-as bob -n acme --server https://tenantry.example.com --email alice@acme.example \
    -- get users -n acme`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if dash > 1 || (dash == -1 && len(args) > 1) {
				return errors.New("give one USER, and kubectl's arguments after --")
			}
			var kubectlArgs []string
			if dash == 1 {
				kubectlArgs = args[1:]
			}
			if f.server == "" || f.email == "" {
				return errors.New("--server and --email are required")
			}
			if f.account == "" {
				ns, err := o.namespace()
				if err != nil {
					return err
				}
				f.account = ns
			}
			code, err := o.runLoginAs(cmd.Context(), f, args[0], kubectlArgs)
			if err == nil && code != 0 {
				// kubectl has said what went wrong; keep its exit code.
				os.Exit(code)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&f.server, "server", "", "the self-service API's base URL, e.g. https://tenantry.example.com")
	cmd.Flags().StringVar(&f.account, "account", "", "the account (namespace) to sign in to (default: -n, or the kubeconfig's namespace)")
	cmd.Flags().StringVar(&f.email, "email", "", "your email: the person who acts")
	cmd.Flags().StringVar(&f.caFile, "certificate-authority", "", "a PEM file of the CA that signed the self-service API's certificate (the system's CAs when empty)")
	cmd.Flags().StringVar(&f.kubectl, "kubectl", "kubectl", "the kubectl to run with the arguments after --")
	return cmd
}

// loggedInAs is what POST /v1/sessions/impersonate answers that the
// plugin uses: the target's session and its cluster token.
type loggedInAs struct {
	Token             string    `json:"token"`
	IDToken           string    `json:"idToken"`
	IDTokenExpiryTime time.Time `json:"idTokenExpiryTime"`
}

// runLoginAs logs the actor in as name and prints the credential, or runs
// kubectl with it and returns kubectl's exit code.
func (o *options) runLoginAs(ctx context.Context, f *loginAsFlags, name string, kubectlArgs []string) (int, error) {
	httpClient, err := selfServiceClient(f.caFile)
	if err != nil {
		return 0, err
	}
	base := strings.TrimSuffix(f.server, "/")
	signInCtx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	actor, err := o.signIn(signInCtx, httpClient, base, &f.loginFlags)
	if err != nil {
		return 0, err
	}
	var as loggedInAs
	err = callJSON(signInCtx, httpClient, http.MethodPost, base+"/v1/sessions/impersonate", actor, map[string]string{"user": name}, &as)
	if err != nil {
		// Nothing was started: the actor's own session has no further use.
		return 0, errors.Join(fmt.Errorf("log in to %s as %s: %w", f.account, name, err), endSessions(httpClient, base, actor))
	}
	if kubectlArgs == nil {
		return 0, o.printExecCredential(as.IDToken, as.IDTokenExpiryTime)
	}
	code, runErr := o.runKubectlWithToken(ctx, f.kubectl, f.account, as.IDToken, kubectlArgs)
	// The "log in as" first, then the actor's: each end is recorded.
	return code, errors.Join(runErr, endSessions(httpClient, base, as.Token, actor))
}

// endSessions ends each session in turn, on a context of its own: kubectl
// has exited, maybe because the command was interrupted.
func endSessions(c *http.Client, base string, sessions ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), endTimeout)
	defer cancel()
	errs := make([]error, 0, len(sessions))
	for _, session := range sessions {
		if err := endSession(ctx, c, base, session); err != nil {
			errs = append(errs, fmt.Errorf("end a session: %w", err))
		}
	}
	return errors.Join(errs...)
}

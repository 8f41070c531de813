package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
)

// PasswordEnv and CodeEnv hold the password and the authenticator code for
// a login without a terminal (a script, CI).
const (
	PasswordEnv = "TENANTRY_PASSWORD"
	CodeEnv     = "TENANTRY_CODE"
)

// loginTimeout bounds the whole sign-in: kubectl waits on it.
const loginTimeout = 30 * time.Second

type loginFlags struct {
	server, account, email, caFile string
}

func newLoginCommand(o *options) *cobra.Command {
	f := &loginFlags{}
	cmd := &cobra.Command{
		Use:   "login --server URL --account ACCOUNT --email EMAIL",
		Short: "Sign in through Tenantry's self-service API and hand kubectl a token (a kubectl exec credential plugin)",
		Long: `login signs the person in (POST /v1/sessions with the account, email and password, then
POST /v1/tokens with the session) and prints a client.authentication.k8s.io/v1 ExecCredential
holding the cluster token and its expiry, which kubectl uses until it expires. The password comes
from $` + PasswordEnv + ` or is asked on the terminal; so is an authenticator code when the user has
two-factor ($` + CodeEnv + `). kubectl runs it when a kubeconfig user says so:

  kubectl config set-credentials alice --exec-api-version=client.authentication.k8s.io/v1 \
    --exec-command=kubectl-tenantry --exec-arg=login \
    --exec-arg=--server=https://127.0.0.1:8082 --exec-arg=--account=acme \
    --exec-arg=--email=alice@acme.example --exec-arg=--certificate-authority=$PWD/.dev/tls/ca.crt \
    --exec-interactive-mode=IfAvailable`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.server == "" || f.account == "" || f.email == "" {
				return errors.New("--server, --account and --email are required")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), loginTimeout)
			defer cancel()
			return o.runLogin(ctx, f)
		},
	}
	cmd.Flags().StringVar(&f.server, "server", "", "the self-service API's base URL, e.g. https://tenantry.example.com")
	cmd.Flags().StringVar(&f.account, "account", "", "the account (namespace) to sign in to")
	cmd.Flags().StringVar(&f.email, "email", "", "the person's email")
	cmd.Flags().StringVar(&f.caFile, "certificate-authority", "", "a PEM file of the CA that signed the self-service API's certificate (the system's CAs when empty)")
	return cmd
}

func (o *options) runLogin(ctx context.Context, f *loginFlags) error {
	httpClient, err := selfServiceClient(f.caFile)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(f.server, "/")
	session, err := o.signIn(ctx, httpClient, base, f)
	if err != nil {
		return err
	}
	var token struct {
		Token      string    `json:"token"`
		ExpiryTime time.Time `json:"expiryTime"`
	}
	if err := callJSON(ctx, httpClient, http.MethodPost, base+"/v1/tokens", session, nil, &token); err != nil {
		return fmt.Errorf("get a cluster token: %w", err)
	}
	return o.printExecCredential(token.Token, token.ExpiryTime)
}

// printExecCredential hands kubectl a token and its expiry.
func (o *options) printExecCredential(token string, expiryTime time.Time) error {
	expiry := metav1.NewTime(expiryTime)
	cred := clientauthv1.ExecCredential{
		TypeMeta: metav1.TypeMeta{APIVersion: clientauthv1.SchemeGroupVersion.String(), Kind: "ExecCredential"},
		Status:   &clientauthv1.ExecCredentialStatus{Token: token, ExpirationTimestamp: &expiry},
	}
	return json.NewEncoder(o.streams.Out).Encode(cred)
}

// secretInput reads a secret from env, or asks for it on the terminal
// without echo. stdout is kubectl's, so the question goes to stderr.
func (o *options) secretInput(env, question string) (string, error) {
	if v := os.Getenv(env); v != "" {
		return v, nil
	}
	in, ok := o.streams.In.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return "", fmt.Errorf("no terminal to ask on: set $%s (kubectl needs --exec-interactive-mode=IfAvailable to lend its terminal)", env)
	}
	_, _ = fmt.Fprint(o.streams.ErrOut, question)
	b, err := term.ReadPassword(int(in.Fd()))
	_, _ = fmt.Fprintln(o.streams.ErrOut)
	if err != nil {
		return "", fmt.Errorf("read from the terminal: %w", err)
	}
	return string(b), nil
}

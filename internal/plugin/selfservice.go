package plugin

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
)

// The plugin's calls to the self-service API: `login` and `login-as` sign a
// person in the same way and read its answers the same way.

// signIn opens a session for the person f names (POST /v1/sessions) and
// returns its token. The password, and the authenticator code when the
// user has two-factor, come from the environment or the terminal.
func (o *options) signIn(ctx context.Context, c *http.Client, base string, f *loginFlags) (string, error) {
	password, err := o.secretInput(PasswordEnv, fmt.Sprintf("Password for %s in %s: ", f.email, f.account))
	if err != nil {
		return "", err
	}
	login := map[string]string{"account": f.account, "email": f.email, "password": password}
	var session struct {
		Token string `json:"token"`
	}
	err = callJSON(ctx, c, http.MethodPost, base+"/v1/sessions", "", login, &session)
	var p *selfServiceProblem
	if errors.As(err, &p) && p.Reason == "TwoFactorRequired" {
		code, cerr := o.secretInput(CodeEnv, "Authenticator code: ")
		if cerr != nil {
			return "", cerr
		}
		login["code"] = code
		err = callJSON(ctx, c, http.MethodPost, base+"/v1/sessions", "", login, &session)
	}
	if err != nil {
		return "", fmt.Errorf("sign in to %s as %s: %w", f.account, f.email, err)
	}
	return session.Token, nil
}

// endSession ends the session whose token it is (DELETE
// /v1/sessions/current), as logging out does. A session that has ended
// already is no failure: unknown to the API (401), or a "log in as" whose
// actor's session or right went first (403 ImpersonationForbidden).
func endSession(ctx context.Context, c *http.Client, base, session string) error {
	err := callJSON(ctx, c, http.MethodDelete, base+"/v1/sessions/current", session, nil, nil)
	var p *selfServiceProblem
	if errors.As(err, &p) && (p.Status == http.StatusUnauthorized || p.Reason == "ImpersonationForbidden") {
		return nil
	}
	return err
}

func selfServiceClient(caFile string) (*http.Client, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read --certificate-authority: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--certificate-authority %s holds no PEM certificate", caFile)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: transport, Timeout: loginTimeout}, nil
}

// selfServiceProblem is the self-service API's error answer.
type selfServiceProblem struct {
	Status  int
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func (p *selfServiceProblem) Error() string {
	return fmt.Sprintf("%s (%d %s)", p.Message, p.Status, p.Reason)
}

// callJSON sends body (nothing when nil) with the bearer token, if any, and
// decodes a 2xx answer into out (unless nil), or returns the problem the
// API answered.
func callJSON(ctx context.Context, c *http.Client, method, url, bearer string, body, out any) error {
	var reader io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		p := &selfServiceProblem{Status: resp.StatusCode}
		if json.Unmarshal(data, p) != nil || p.Reason == "" {
			return fmt.Errorf("%s %s: %s", method, url, resp.Status)
		}
		return p
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("read the answer of %s %s: %w", method, url, err)
	}
	return nil
}

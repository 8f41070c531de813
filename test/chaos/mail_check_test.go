//go:build chaos

package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

const messageIDDomain = "chaos.tenantry.test"

var (
	tokenPattern     = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)
	messageIDPattern = regexp.MustCompile(`^invitation-([0-9]+)\.([0-9a-f-]+)@` + regexp.QuoteMeta(messageIDDomain) + `$`)
)

// mailFigures are the run's emails, for the report.
type mailFigures struct {
	messages, invitations, duplicateCopies, lost, staleCopies int
	tokens                                                    []string
}

// invitationCopy is one copy of an invitation the mail server took.
type invitationCopy struct {
	number int
	token  string
}

// checkMail holds the emails to the promise "never lost, never two
// different emails for one invitation": every user has, for each
// invitation its status counts, at least one copy, all copies of one
// invitation carry one Message-ID (mail stores keep one of them), and
// the first copy's link works for a user who has not accepted yet. Copies
// past the first whose link no longer works are counted, not failed: a
// mail store keeps the first.
func checkMail(ctx context.Context, st state, smtp *smtpcatcher.Server) (mailFigures, []string) {
	var fig mailFigures
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	byAddress := map[string][]smtpcatcher.Message{}
	for _, m := range smtp.Messages() {
		fig.messages++
		for _, to := range m.To {
			byAddress[strings.ToLower(to)] = append(byAddress[strings.ToLower(to)], m)
		}
	}
	for _, u := range st.users {
		key := client.ObjectKeyFromObject(&u)
		copies := map[int][]invitationCopy{}
		distinct := map[string]bool{}
		for _, m := range byAddress[strings.ToLower(u.Spec.Email)] {
			id := m.MessageID()
			match := messageIDPattern.FindStringSubmatch(id)
			if match == nil || match[2] != string(u.UID) {
				bad("user %s got a message with Message-ID %q, not invitation-<n>.%s@%s", key, id, u.UID, messageIDDomain)
				continue
			}
			var number int
			_, _ = fmt.Sscan(match[1], &number)
			token, err := tokenOf(m)
			if err != nil {
				bad("user %s, %s: %v", key, id, err)
				continue
			}
			fig.tokens = append(fig.tokens, token)
			distinct[id] = true
			copies[number] = append(copies[number], invitationCopy{number: number, token: token})
		}
		fig.invitations += len(distinct)
		for _, c := range copies {
			fig.duplicateCopies += len(c) - 1
		}
		inv := u.Status.Invitation
		if inv == nil || inv.Number < 1 {
			bad("user %s: no invitation in status", key)
			fig.lost++
			continue
		}
		for n := 1; n <= int(inv.Number); n++ {
			if len(copies[n]) == 0 {
				bad("user %s: invitation %d is in status (%s) but never reached the mail server", key, n,
					conditionText(findDelivered(&u)))
				fig.lost++
			}
		}
		if u.Status.EmailVerified || len(copies[int(inv.Number)]) == 0 {
			continue
		}
		secret := &corev1.Secret{}
		if err := admin.Get(ctx, credentials.SecretKey(testsupport.CredentialsNamespace, u.Namespace, u.Name), secret); err != nil {
			bad("user %s: read credential secret: %v", key, err)
			continue
		}
		stored := credentials.ReadInvitation(secret)
		valid := func(token string) bool {
			return slices.Contains(stored.TokenHashes(), credentials.HashToken(token)) && time.Now().Before(stored.Expiry) && stored.AcceptedTime.IsZero()
		}
		current := copies[int(inv.Number)]
		if !valid(current[0].token) {
			bad("user %s: the link in the first copy of invitation %d does not work", key, inv.Number)
		}
		for _, c := range current[1:] {
			if !valid(c.token) {
				fig.staleCopies++
			}
		}
	}
	return fig, problems
}

func findDelivered(u *iamv1alpha1.User) *metav1.Condition {
	for i := range u.Status.Conditions {
		if u.Status.Conditions[i].Type == iamv1alpha1.InvitationDeliveredCondition {
			return &u.Status.Conditions[i]
		}
	}
	return nil
}

func tokenOf(m smtpcatcher.Message) (string, error) {
	body, err := m.TextBody()
	if err != nil {
		return "", fmt.Errorf("read body: %w", err)
	}
	match := tokenPattern.FindStringSubmatch(body)
	if match == nil {
		return "", fmt.Errorf("no link with a token in the body")
	}
	return match[1], nil
}

// firstToken is the token in the first copy of the user's current
// invitation: what a person whose mail store kept one copy would click.
func firstToken(u *iamv1alpha1.User, smtp *smtpcatcher.Server) (string, error) {
	want := fmt.Sprintf("invitation-%d.%s@%s", u.Status.Invitation.Number, u.UID, messageIDDomain)
	for _, m := range smtp.Messages() {
		if m.MessageID() == want {
			return tokenOf(m)
		}
	}
	return "", fmt.Errorf("no copy of %s", want)
}

// acceptInvitation posts to the self-service API as the person's browser
// would.
func acceptInvitation(ctx context.Context, baseURL, token, password string) (int, string, error) {
	body, _ := json.Marshal(map[string]string{"token": token, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/v1/invitations/accept", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var reply bytes.Buffer
	_, _ = reply.ReadFrom(resp.Body)
	return resp.StatusCode, reply.String(), nil
}

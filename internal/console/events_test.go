package console_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// followUserEvents opens the users grid's stream as the person of
// session, and returns a wait that reads events until one holds every
// substring. The stream ends with the test.
func followUserEvents(t *testing.T, serverURL, session string) func(substrings ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, serverURL+"/console/users/events", nil)
	must(t, err)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	// The test ends the stream by cancelling its context; how the body
	// closes after that is not under test.
	t.Cleanup(func() { _ = resp.Body.Close() })
	g := gomega.NewWithT(t)
	g.Expect(resp.StatusCode).To(gomega.Equal(http.StatusOK))
	g.Expect(resp.Header.Get("Content-Type")).To(gomega.Equal("text/event-stream"))
	g.Expect(resp.Header.Get("Cache-Control")).To(gomega.Equal("no-store"))

	lines := make(chan string)
	go func() {
		defer close(lines)
		scanner := bufio.NewScanner(resp.Body)
		for scanner.Scan() {
			select {
			case lines <- scanner.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return func(substrings ...string) {
		t.Helper()
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("the stream ended before an event with %q", substrings)
				}
				if strings.HasPrefix(line, "data: ") && containsAll(line, substrings) {
					return
				}
			case <-ctx.Done():
				t.Fatalf("no event with %q", substrings)
			}
		}
	}
}

// A user's service cell is one per class, keyed by the class's name on
// the page and in the stream alike, and the stream follows its phase: the
// owner here may read neither the subscriptions nor the classes, so the
// only names the console has are the assignment's, the class's and the
// column status kept, which all differ.
func TestUserEventsFollowAServiceToReady(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	const class = "mailbox-x7k2p"
	ivan := testsupport.NewUser(a.ns, "ivan", "ivan@acme.example")
	ivan.Spec.Services = []iamv1alpha1.ServiceAssignment{{Name: "work-mail", ServiceClass: class}}
	testsupport.CreateUser(t, k8s, ivan)
	ivan.Status.Phase = iamv1alpha1.UserPhaseActive
	ivan.Status.Services = []iamv1alpha1.ServiceStatus{{Name: "work-mail", ServiceClass: class, Column: "mailbox",
		Phase: iamv1alpha1.ServicePhaseProvisioning, Reason: "Applied", Message: "Waiting for the object to be ready."}}
	must(t, k8s.Status().Update(context.Background(), ivan))

	page := a.get("owner", "/console/users").Body.String()
	g.Expect(strings.Count(page, `<th scope="col" data-key="service:`)).To(gomega.Equal(1), "one column for the one class")
	g.Expect(page).To(gomega.ContainSubstring(`<th scope="col" data-key="service:` + class + `"`))
	g.Expect(page).To(gomega.ContainSubstring(`<td data-key="service:` + class + `" class="numeric">1 (1 not ready)</td>`))

	server := httptest.NewServer(a.console)
	t.Cleanup(server.Close) // after the stream's own cleanups, which end it
	waitFor := followUserEvents(t, server.URL, "owner")
	waitFor(`"name":"ivan"`, `{"key":"service:`+class+`","text":"1 (1 not ready)"}`)

	ivan.Status.Services[0].Phase = iamv1alpha1.ServicePhaseReady
	ivan.Status.Services[0].Reason, ivan.Status.Services[0].Message = "Ready", "The object is ready."
	must(t, k8s.Status().Update(context.Background(), ivan))
	waitFor(`"name":"ivan"`, `{"key":"service:`+class+`","text":"1"}`)
}

func containsAll(s string, substrings []string) bool {
	for _, sub := range substrings {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

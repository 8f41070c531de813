package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/operator"
)

// stormClients is how many people keep logging in during the storm.
const stormClients = 16

// BenchmarkUsersInvitedDuringLoginStorm: the same manager invites a burst
// of b.N users twice, once on a quiet server and once while sixteen
// clients keep logging in, with the sign-in defaults a cluster runs
// (password hashing bound to a fifth of the CPUs). x-quiet is the storm's
// rate of new users over the quiet one: what the controllers keep of
// their throughput while logins queue or get 429 with Retry-After.
func BenchmarkUsersInvitedDuringLoginStorm(b *testing.B) {
	smtp := startSMTP(b)
	opts := testOptions(b, smtp)
	defaults := operator.DefaultOptions().SignIn
	opts.SignIn.MaxConcurrentHashes, opts.SignIn.HashCPUShare = defaults.MaxConcurrentHashes, defaults.HashCPUShare
	manager := startManager(b, opts)
	manager.smtp = smtp

	people := newNamespace(b)
	members := make([]*iamv1alpha1.User, 0, stormClients)
	for i := range stormClients {
		u := newUser(people, fmt.Sprintf("member-%02d", i), fmt.Sprintf("member-%02d@storm.example", i))
		createAndAccept(b, manager, u)
		members = append(members, u)
	}

	burst := func(what string) float64 {
		ns := newNamespace(b)
		invited := trackDone(b, &iamv1alpha1.UserList{}, ns, userSettled)
		began := time.Now()
		createAll(b, b.N, func(i int) client.Object {
			return newUser(ns, fmt.Sprintf("user-%05d", i), fmt.Sprintf("user-%05d@storm.example", i))
		})
		invited.wait(b, what, b.N)
		rate := float64(b.N) / time.Since(began).Seconds()
		invited.stop()
		discardAccount(b, ns)
		return rate
	}

	b.ResetTimer()
	// Each burst starts once the API server and etcd have worked off what
	// came before (the members' setup, the quiet burst's account).
	waitForQuietControlPlane(b)
	quiet := burst("users invited on a quiet server")
	waitForQuietControlPlane(b)
	storm := startLoginStorm(manager.selfServiceURL, members)
	during := burst("users invited during the login storm")
	logins, refused, failed, seconds := storm.stop()
	b.StopTimer()

	b.ReportMetric(quiet, "quiet-users/s")
	b.ReportMetric(during, "storm-users/s")
	b.ReportMetric(during/quiet, "x-quiet")
	b.ReportMetric(float64(logins)/seconds, "logins/s")
	b.ReportMetric(float64(refused)/seconds, "refused/s")
	if failed > 0 {
		b.Errorf("%d logins failed other than with 429 and Retry-After", failed)
	}
	manager.stop(b)
}

// loginStorm is people logging in again and again, each waiting as long
// as a 429's Retry-After says.
type loginStorm struct {
	stopped                 chan struct{}
	wg                      sync.WaitGroup
	began                   time.Time
	logins, refused, failed atomic.Int64
}

func startLoginStorm(baseURL string, members []*iamv1alpha1.User) *loginStorm {
	s := &loginStorm{stopped: make(chan struct{}), began: time.Now()}
	httpClient := &http.Client{Timeout: 40 * time.Second}
	for _, u := range members {
		body, _ := json.Marshal(map[string]string{"account": u.Namespace, "email": u.Spec.Email, "password": strongPassword})
		s.wg.Go(func() {
			for {
				select {
				case <-s.stopped:
					return
				default:
				}
				resp, err := httpClient.Post(baseURL+"/v1/sessions", "application/json", bytes.NewReader(body))
				if err != nil {
					s.failed.Add(1)
					continue
				}
				_ = resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusCreated:
					s.logins.Add(1)
				case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "":
					s.refused.Add(1)
					select {
					case <-s.stopped:
						return
					case <-time.After(time.Second):
					}
				default:
					s.failed.Add(1)
				}
			}
		})
	}
	return s
}

func (s *loginStorm) stop() (logins, refused, failed int64, seconds float64) {
	close(s.stopped)
	s.wg.Wait()
	return s.logins.Load(), s.refused.Load(), s.failed.Load(), time.Since(s.began).Seconds()
}

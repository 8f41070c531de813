package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// Live updates. The grid's stream is a watch of the account's users made
// as the person, so it shows exactly what they may see; it ends when they
// leave the page or their session ends.
const (
	// defaultMaxStreamsPerSession bounds the live streams of one session: a
	// few tabs, not a loop that opens them.
	defaultMaxStreamsPerSession = 4
	// heartbeatInterval is how often a quiet stream says it is alive, so
	// that proxies keep it open and a session that ended is noticed.
	heartbeatInterval = 20 * time.Second
	// streamWriteTimeout bounds one write to a client that stopped reading.
	streamWriteTimeout = 10 * time.Second
	// reconnectDelay is how long EventSource waits before it reconnects.
	reconnectDelay = 5 * time.Second
)

// userEvent is what the stream sends about one user: its row under the
// grid's columns, and whether the grid shows it (false takes it out).
type userEvent struct {
	row
	Show bool `json:"show"`
}

// serveUserEvents streams the account's users as server-sent events:
// "user" with a user's row for every change, "end" when the stream ends
// for good (the session ended, or the person may not watch users), and a
// comment as a heartbeat.
func (c *Console) serveUserEvents(w http.ResponseWriter, r *http.Request, v *visit) {
	key := streamKey(v.csrf)
	if !c.streams.acquire(key) {
		http.Error(w, "Too many live updates are open for this session: close a tab of the console.", http.StatusTooManyRequests)
		return
	}
	defer c.streams.release(key)

	ctx := r.Context()
	q := parseGridQuery(r.URL.Query())
	subs, _ := v.subscriptions(ctx)
	services := newServiceColumns(v.serviceClasses(ctx))
	services.addSubscriptions(subs)
	columns := services.columns()

	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for requests; a stream
	// lives longer, and each write gets its own deadline instead.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &stream{w: w, rc: rc}
	if err := s.send(fmt.Sprintf("retry: %d\n\n", reconnectDelay.Milliseconds())); err != nil {
		return
	}
	why := c.followUsers(ctx, r, v, s, func(u *iamv1alpha1.User) userEvent {
		// The page has a column for every class a user held when it was
		// served; the watch starts with every user, so growing the columns
		// as users come keeps each of the page's service cells followed,
		// also after the user's service is gone (its cell turns blank).
		if services.addUser(u) {
			columns = services.columns()
		}
		return userEvent{row: userRow(u, columns, c.clock.Now()), Show: q.matches(u)}
	})
	if why != "" {
		_ = s.event("end", map[string]string{"message": why})
	}
}

// followUsers watches the account's users as the person and sends each
// change, until the client goes (""), or the session or the right to
// watch ends (why, in words). The watch is made again with a fresh token
// before the person's token expires, from where the last one left off.
func (c *Console) followUsers(ctx context.Context, r *http.Request, v *visit, s *stream, toEvent func(*iamv1alpha1.User) userEvent) string {
	k, expiry := v.client, v.tokenExpiry
	resourceVersion := ""
	heartbeat := time.NewTicker(heartbeatInterval)
	defer heartbeat.Stop()
	for {
		renew := time.NewTimer(renewIn(c.clock.Now(), expiry))
		w, err := k.Watch(ctx, &iamv1alpha1.UserList{}, client.InNamespace(v.person.Namespace),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: resourceVersion, AllowWatchBookmarks: true}})
		if err != nil {
			renew.Stop()
			if ctx.Err() != nil {
				return ""
			}
			return explainError(err, access{Verb: verbWatch, Resource: resourceUsers}).Message
		}
		why, done := c.relay(ctx, r, w, renew, heartbeat, s, &resourceVersion, toEvent)
		w.Stop()
		renew.Stop()
		if done {
			return why
		}
		// The watch ended or the token is due: a fresh token, a new watch.
		token, tokenExpiry, err := c.sessions.ClusterToken(r)
		if err != nil {
			return "Your session has ended. Reload the page to sign in again."
		}
		if k, err = c.clientFor(token); err != nil {
			return "The console could not reach the cluster's API server."
		}
		expiry = tokenExpiry
	}
}

// relay sends one watch's events until it ends (done false: watch again)
// or the stream must end (done true, with why).
func (c *Console) relay(ctx context.Context, r *http.Request, w watch.Interface, renew *time.Timer, heartbeat *time.Ticker,
	s *stream, resourceVersion *string, toEvent func(*iamv1alpha1.User) userEvent) (why string, done bool) {
	for {
		select {
		case <-ctx.Done():
			return "", true
		case <-renew.C:
			return "", false
		case <-heartbeat.C:
			if sessionEnded(c.sessions.Person(r)) {
				return "Your session has ended. Reload the page to sign in again.", true
			}
			if s.send(": heartbeat\n\n") != nil {
				return "", true
			}
		case e, ok := <-w.ResultChan():
			if !ok {
				return "", false
			}
			switch e.Type {
			case watch.Error:
				err := apierrors.FromObject(e.Object)
				if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
					// Too far behind: start over from the current state.
					*resourceVersion = ""
					return "", false
				}
				return explainError(err, access{Verb: verbWatch, Resource: resourceUsers}).Message, true
			case watch.Bookmark:
				if u, ok := e.Object.(*iamv1alpha1.User); ok {
					*resourceVersion = u.ResourceVersion
				}
			case watch.Added, watch.Modified, watch.Deleted:
				u, ok := e.Object.(*iamv1alpha1.User)
				if !ok {
					continue
				}
				*resourceVersion = u.ResourceVersion
				event := toEvent(u)
				if e.Type == watch.Deleted {
					event.Show = false
				}
				if s.event("user", event) != nil {
					return "", true
				}
			}
		}
	}
}

// sessionEnded says whether Sessions answered that the session is over;
// a failure to tell (a slow read) keeps the stream.
func sessionEnded(_ *Person, err error) bool {
	var se SessionError
	return errors.As(err, &se) && se.HTTPStatus() == http.StatusUnauthorized
}

// renewIn is how long a watch made with a token that expires at expiry
// may run before the next token is fetched: until a tenth of its life (at
// least 5 seconds, at most a minute) is left.
func renewIn(now, expiry time.Time) time.Duration {
	left := expiry.Sub(now)
	margin := min(max(left/10, 5*time.Second), time.Minute)
	return max(left-margin, 0)
}

// streamKey counts a session's streams without keeping its csrf value,
// which is derived from the session.
func streamKey(csrf string) string {
	sum := sha256.Sum256([]byte(csrf))
	return hex.EncodeToString(sum[:])
}

// stream writes server-sent events, each flushed at once and bounded in
// time.
type stream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s *stream) send(text string) error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := s.w.Write([]byte(text)); err != nil {
		return err
	}
	return s.rc.Flush()
}

// event sends data as JSON under the event name; JSON holds no line
// break, so it is one data line.
func (s *stream) event(name string, data any) error {
	body, err := json.Marshal(data)
	if err != nil {
		return errors.Join(errors.New("encode a live update"), err)
	}
	return s.send("event: " + name + "\ndata: " + string(body) + "\n\n")
}
